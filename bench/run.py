"""`make bench`: build a database of generated data, serve it with gunicorn and print a table of figures.

Settings come from the environment (see docs/performance.md):
  DATABASE_URL       the database (default: SQLite at var/bench/svtoolkit.sqlite3)
  REDIS_URL          cache and sessions in Redis, as in a scale-out deployment (default: none)
  BENCH_INCIDENTS    incidents the database should hold (default 2000; generated if fewer)
  BENCH_PARTNERSHIPS partnerships to spread newly generated incidents over (default: one per 5,000)
  BENCH_REQUESTS     requests per page scenario (default 40)
  BENCH_USERS, BENCH_SPAWN_RATE, BENCH_DURATION   the mixed load (default 100 users, 20/s, 30s); BENCH_USERS=0
                     skips it
  BENCH_WORKERS, BENCH_THREADS   gunicorn's processes and threads each (default 3 and 4)
  BENCH_PORT         the server's port (default: any free one)
  BENCH_PROFILE=1    sample the server with py-spy during the mixed load and print its CPU by layer;
                     BENCH_PROFILE=gil samples only the threads holding the interpreter lock (Python's work)
  BENCH_SCENARIO=one-incident   instead of the pages and the mixed load, BENCH_USERS (default 300)
                     people of one partnership all working one incident (bench/locustfile.py's IncidentTeam),
                     BENCH_WAIT_SECONDS apart (default "8 16"), with PostgreSQL's lock waits sampled
Every page figure is measured twice: by the server (a middleware in svtoolkit.bench.settings reports its time
and query count in headers) and by this client. Nothing passes or fails: the figures are for people to read.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
os.environ.setdefault("SVTOOLKIT_ENV", "demo")
os.environ.setdefault("SVTOOLKIT_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "svtoolkit.bench.settings"
# A load run lasts longer than the default half hour of idleness allows no harm, but keep sessions alive.
os.environ.setdefault("SVTOOLKIT_SESSION_IDLE_SECONDS", "7200")

import django  # noqa: E402

django.setup()

import cpu_profile  # noqa: E402  (bench/cpu_profile.py, beside this script)
import form_posts  # noqa: E402  (bench/form_posts.py, beside this script)
import psutil  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from svtoolkit.bench.generator import LARGE_TITLE, LoadGenerator, stored_for_this_server  # noqa: E402
from svtoolkit.core.tasks import prune_change_log  # noqa: E402
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Incident, IncidentStatus, PlanAction  # noqa: E402
from svtoolkit.partnerships.models import Partnership  # noqa: E402

INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", "2000"))
PARTNERSHIPS = int(os.environ.get("BENCH_PARTNERSHIPS", "0"))
REGION_SLUG = "load-region"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "mixed")
ONE_INCIDENT = SCENARIO == "one-incident"
USERS = int(os.environ.get("BENCH_USERS", "300" if ONE_INCIDENT else "100"))
SPAWN_RATE = os.environ.get("BENCH_SPAWN_RATE", "20")
DURATION = os.environ.get("BENCH_DURATION", "30s")
WORKERS = os.environ.get("BENCH_WORKERS", "3")
THREADS = os.environ.get("BENCH_THREADS", "4")
PROFILE = os.environ.get("BENCH_PROFILE") in ("1", "gil")
PASSWORD = LoadGenerator.DEFAULT_PASSWORD


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- The database ---------------------------------------------------------------------------------------


def prepare_database() -> float | None:
    """Migrate and top the generated data up to BENCH_INCIDENTS; the seconds generation took, if it ran."""
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    have = Incident.objects.filter(partnership__slug__startswith="load-").count()
    if have >= INCIDENTS:
        log(f"The database already holds {have:,} generated incidents.")
        generation_s = None
    else:
        log(f"Generating {INCIDENTS - have:,} incidents ({connection.vendor})...")
        started = time.monotonic()
        call_command(
            "generate_load_data",
            incidents=INCIDENTS - have,
            partnerships=PARTNERSHIPS,
            large_incidents=0 if have else 1,
        )
        generation_s = time.monotonic() - started
    if stored := stored_for_this_server(PASSWORD):
        log(f"Stored {stored:,} members' passwords as this server hashes them: no sign-in stores one again.")
    # The worker forgets the change log's old rows every hour; a run after earlier ones on the same database
    # would otherwise read every write they made, as no deployment does.
    if pruned := prune_change_log.call():
        log(f"Pruned {pruned:,} changes older than an hour from the change log, as the task worker does.")
    return generation_s


def load_targets() -> dict:
    """Whom the load signs in as, and which incidents and actions it reads and changes."""
    partnerships = list(Partnership.objects.filter(slug__startswith="load-").order_by("pk")[:10])
    accounts, incidents = [], []
    for partnership in partnerships:
        index = partnership.slug.removeprefix("load-")
        accounts += [
            f"{name}.{index}@load.example.org" for name in ("coordinator", "responder1", "responder2")
        ]
        # Incidents being responded to, or, in a database too small to have any, the most recent.
        responding = Incident.objects.filter(partnership=partnership).exclude(playbook_version=None)
        if responding.filter(status=IncidentStatus.RESPONDING).exists():
            responding = responding.filter(status=IncidentStatus.RESPONDING)
        for incident in responding.order_by("-occurred_at")[:20]:
            actions = list(
                PlanAction.objects.filter(incident=incident, status__in=OPEN_ACTION_STATUSES)
                .order_by("id")
                .values("id", "owner_organisation_id")[:10]
            )
            if actions:
                incidents.append({"id": incident.pk, "partnership": partnership.slug, "actions": actions})
    return {"accounts": accounts, "password": PASSWORD, "incidents": incidents}


# --- The server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, log_path: Path, preexec_fn=None) -> subprocess.Popen:
    """gunicorn on ``port``, once it answers; ``preexec_fn`` runs in its process before it starts."""
    command = [
        str(BIN / "gunicorn"),
        "svtoolkit.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--worker-class=gthread",
        f"--threads={THREADS}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(
        command,
        env=os.environ.copy(),
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=preexec_fn,
    )
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"gunicorn did not start; see {log_path}")


def sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    url = reverse("accounts:login")
    page = session.get(base + url)
    response = session.post(
        base + url,
        form_posts.form_data(page.text, page=url, changes={"username": email, "password": PASSWORD}),
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {email} ({response.status_code}).")
    return session


def submit(session: requests.Session, base: str, page: str, changes: dict, *, action: str | None = None):
    """Open the form page ``page`` and post what its form (the one posting to ``action``, default the page)
    holds with ``changes``, as the browser would (bench/form_posts.py); only the post is timed. Returns the
    post's response and its time in milliseconds."""
    form = session.get(base + page)
    data = form_posts.form_data(form.text, page=page, action=action, changes=changes)
    started = time.perf_counter()
    response = session.post(base + (action or page), data, allow_redirects=False)
    return response, (time.perf_counter() - started) * 1000


# --- Page scenarios -------------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    budget: str = ""
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0

    def add(self, responses: list[requests.Response], elapsed_ms: float, *, writes: bool = False) -> None:
        """One measurement of ``responses``; an error is a status of 400 or more, or for ``writes`` (form
        posts) any answer but a redirect (form_posts.write_failure)."""
        self.client_ms.append(elapsed_ms)
        self.server_ms.append(sum(float(r.headers["Server-Timing"].split("dur=")[1]) for r in responses))
        self.queries.append(sum(int(r.headers["X-Query-Count"]) for r in responses))
        if writes:
            self.errors += sum(bool(form_posts.write_failure(r.status_code, r.text)) for r in responses)
        else:
            self.errors += sum(r.status_code >= 400 for r in responses)

    def row(self, bare: "Figures | None") -> dict:
        server_p95 = percentile(self.server_ms, 0.95)
        return {
            "scenario": self.name,
            "requests": len(self.server_ms),
            "server_p50_ms": round(percentile(self.server_ms, 0.5), 1),
            "server_p95_ms": round(server_p95, 1),
            "client_p50_ms": round(percentile(self.client_ms, 0.5), 1),
            "client_p95_ms": round(percentile(self.client_ms, 0.95), 1),
            "queries": max(self.queries),
            "x_bare_p95": round(server_p95 / percentile(bare.server_ms, 0.95), 1) if bare else None,
            "errors": self.errors,
            "budget": self.budget,
        }


def measure_pages(session, base, pages: list[tuple[str, str, str]]) -> list[Figures]:
    """Request each page in turn, round after round, so a busy moment on the machine falls on all alike."""
    figures = []
    for name, url, budget in pages:
        figures.append(Figures(name, budget))
        session.get(base + url)  # warm the caches a real server would have warm
    for _ in range(REQUESTS):
        for (_, url, _), figure in zip(pages, figures, strict=True):
            started = time.perf_counter()
            response = session.get(base + url)
            figure.add([response], (time.perf_counter() - started) * 1000)
    return figures


def measure_recording(session, base) -> Figures:
    """Record an incident through its form, then draw its plan from the incident page the form leads to:
    what a responder does first. The time is the two posts'; opening the form and the page is not counted."""
    figures = Figures("Record an incident and draw its plan", "≤ 100 ms")
    for n in range(REQUESTS):
        recorded, recorded_ms = submit(
            session,
            base,
            reverse("incidents:record"),
            {
                "title": f"Benchmark stabbing {n}",
                "incident_types": ["knife"],
                "occurred_at": "2026-11-24T21:10",
                "notified_at": "2026-11-24T21:40",
                "notification_source": "police",
                "summary": "One man stabbed outside the station.",
                "scene_description": "Station forecourt",
                "scene_area": "Central",
            },
        )
        if recorded.status_code != 302:
            figures.add([recorded], recorded_ms, writes=True)
            continue
        incident_id = int(recorded.headers["Location"].rstrip("/").split("/")[-1])
        drawn, drawn_ms = submit(
            session,
            base,
            reverse("incidents:incident", args=[incident_id]),
            {},
            action=reverse("incidents:draw_plan", args=[incident_id]),
        )
        figures.add([recorded, drawn], recorded_ms + drawn_ms, writes=True)
    return figures


ALERT_RECIPIENTS = 50


def prepare_alerting(partnership) -> str:
    """Fifty people on the partnership's alert list, each with a mobile number, and a police officer who may
    raise alerts: made once and kept in the bench database. Returns the officer's email address."""
    from svtoolkit.accounts.models import Membership, Role, User
    from svtoolkit.alerts import services as alerts
    from svtoolkit.partnerships.models import Organisation, OrganisationKind

    index = partnership.slug.removeprefix("load-")
    officer_email = f"alerting.police.{index}@load.example.org"
    if User.objects.filter(email=officer_email).exists():
        return officer_email
    coordinator = Membership.objects.filter(partnership=partnership, role=Role.COORDINATOR).first().user
    police, _ = Organisation.objects.get_or_create(
        partnership=partnership, kind=OrganisationKind.POLICE, defaults={"name": f"Police {index}"}
    )
    Organisation.objects.filter(pk=police.pk).update(may_report_incidents=True)
    officer = User.objects.create_user(officer_email, PASSWORD, full_name="Alerting police officer")
    Membership.objects.create(user=officer, partnership=partnership, role=Role.PARTNER, organisation=police)
    for n in range(ALERT_RECIPIENTS):
        person = User.objects.create_user(
            f"alert-list{n}.{index}@load.example.org",
            PASSWORD,
            full_name=f"Alert list member {n}",
            mobile_number=f"07700{900000 + n}",
        )
        Membership.objects.create(user=person, partnership=partnership, role=Role.RESPONDER)
        alerts.add_to_alert_list(partnership=partnership, user=person, by=coordinator)
    return officer_email


def prepare_region() -> tuple[str, int]:
    """Every generated partnership in one region, with a regional coordinator (their email address, and how
    many partnerships the region holds): the regional board reads across all of them."""
    from svtoolkit.accounts.models import User
    from svtoolkit.partnerships.models import Region, RegionMembership, RegionRole

    region, _ = Region.objects.get_or_create(slug=REGION_SLUG, defaults={"name": "Load test region"})
    Partnership.objects.filter(slug__startswith="load-").update(region=region)
    email = "regional.coordinator@load.example.org"
    person = User.objects.filter(email=email).first() or User.objects.create_user(
        email, PASSWORD, full_name="Regional coordinator"
    )
    RegionMembership.objects.get_or_create(
        region=region, user=person, defaults={"role": RegionRole.COORDINATOR, "is_duty_contact": True}
    )
    return email, region.partnerships.count()


def measure_alerting(base: str, officer_email: str) -> tuple[Figures, dict]:
    """A police officer raises an incident alert, which goes to fifty people by text and email: the report
    page's time, and how long after the report every message was queued."""
    from svtoolkit.messaging.models import Delivery

    session = sign_in(base, officer_email)
    figures = Figures(f"Raise an alert to {ALERT_RECIPIENTS} people", "p95 ≤ 150 ms")
    queued_ms, deliveries = [], []
    for n in range(REQUESTS):
        response, elapsed_ms = submit(
            session,
            base,
            reverse("alerts:raise"),
            {
                "what": f"Benchmark stabbing {n}",
                "where": "Station forecourt",
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() - 600)),
                "how_they_know": "Called by the control room.",
                "callback_number": "07700 900013",
            },
        )
        reported_at = time.time() - elapsed_ms / 1000  # when the report was sent (its form was opened before)
        figures.add([response], elapsed_ms, writes=True)
        if response.status_code != 302:
            continue
        incident_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        queued = Delivery.objects.filter(notification__incident_id=incident_id)
        queued = list(queued.values_list("created_at", flat=True))
        deliveries.append(len(queued))
        queued_ms.append((max(queued).timestamp() - reported_at) * 1000 if queued else float("inf"))
    return figures, {
        "recipients": ALERT_RECIPIENTS,
        "deliveries_each": min(deliveries) if deliveries else 0,
        "queued_p95_ms": round(percentile(queued_ms, 0.95), 1) if queued_ms else None,
    }


# --- The mixed load -------------------------------------------------------------------------------------


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU time used so far by a process and its living children (gunicorn's workers)."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _cpu_while_measured(server: subprocess.Popen, locust: subprocess.Popen) -> dict:
    """Where the cores went while Locust counted (from once every user has started until it stops): to the
    server, to the load tool, or to the rest (the database, Redis, anything else on the machine). Sampled
    every half second until Locust exits; returns average cores busy."""
    processes = {"server": psutil.Process(server.pid), "load_tool": psutil.Process(locust.pid)}
    samples = []
    counting_from = time.monotonic() + USERS / float(SPAWN_RATE) + 1
    while locust.poll() is None:
        try:
            used = {name: _cpu_seconds(process) for name, process in processes.items()}
        except psutil.NoSuchProcess:
            break
        if time.monotonic() >= counting_from:
            machine = psutil.cpu_times()
            used["machine"] = sum(
                getattr(machine, name) for name in ("user", "system", "nice", "irq", "softirq")
            )
            samples.append((time.monotonic(), used))
        time.sleep(0.5)
    if len(samples) < 2:
        return {"server_cores": 0.0, "load_tool_cores": 0.0, "other_cores": 0.0}
    (first_at, first), (last_at, last) = samples[0], samples[-1]
    cores = {name: (last[name] - first[name]) / (last_at - first_at) for name in first}
    return {
        "server_cores": round(cores["server"], 2),
        "load_tool_cores": round(cores["load_tool"], 2),
        "other_cores": round(max(0.0, cores["machine"] - cores["server"] - cores["load_tool"]), 2),
    }


def start_locust(
    hosts: list[str], users: int, targets: dict, workdir: Path, user_class: str = "Responder"
) -> subprocess.Popen:
    """Locust, headless, with ``users`` people spread in turn over ``hosts`` (one server or several); its
    statistics go to workdir/locust_stats.csv (read them with ``locust_figures``)."""
    targets_file = workdir / "targets.json"
    targets_file.write_text(json.dumps(targets))
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        user_class,
        "--headless",
        "--host",
        hosts[0],
        "-u",
        str(users),
        "-r",
        SPAWN_RATE,
        "-t",
        DURATION,
        "--reset-stats",
        "--only-summary",
        "--csv",
        str(workdir / "locust"),
        "--loglevel",
        "WARNING",
    ]
    with (workdir / "locust.log").open("w") as output:
        return subprocess.Popen(
            command,
            env={**os.environ, "BENCH_TARGETS": str(targets_file), "BENCH_HOSTS": " ".join(hosts)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def locust_figures(workdir: Path) -> dict:
    """Requests, writes, requests/s, percentiles and errors from Locust's CSV, all request kinds together."""
    rows = {row["Name"]: row for row in csv.DictReader((workdir / "locust_stats.csv").open())}
    total = rows["Aggregated"]
    writes = [row for name, row in rows.items() if name.startswith("write:")]
    conflicts = sum(
        int(row["Occurrences"])
        for row in csv.DictReader((workdir / "locust_failures.csv").open())
        if "edit conflict" in row["Error"]
    )
    return {
        "requests": int(total["Request Count"]),
        "writes": sum(int(row["Request Count"]) for row in writes),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "errors": int(total["Failure Count"]) - conflicts,
        "edit_conflicts": conflicts,
    }


def mixed_load(base: str, targets: dict, workdir: Path, server: subprocess.Popen) -> dict:
    log(f"Mixed load: {USERS} users for {DURATION}...")
    gil = os.environ.get("BENCH_PROFILE") == "gil"
    recorder = cpu_profile.start(server.pid, workdir / "profile.txt", gil=gil) if PROFILE else None
    locust = start_locust([base], USERS, targets, workdir)
    cpu = _cpu_while_measured(server, locust)
    if recorder:
        cpu_profile.stop(recorder)
        cpu["profile_by_layer"] = cpu_profile.by_layer(workdir / "profile.txt")
        cpu["profile_work_by_layer"] = cpu_profile.by_layer(workdir / "profile.txt", waits=False)
        cpu["profile_file"] = str(workdir / "profile.txt")
    figures = locust_figures(workdir)
    return {
        "users": USERS,
        "duration": DURATION,
        **figures,
        **cpu,
        "server_cpu_ms_per_request": round(1000 * cpu["server_cores"] / max(0.1, figures["rps"]), 1),
    }


# --- One incident, three hundred people (BENCH_SCENARIO=one-incident) -------------------------------------


def prepare_incident_team(partnership, size: int) -> list[str]:
    """``size`` people of ``partnership`` to work one incident (one in fifty a coordinator, the rest
    responders), made once and kept in the bench database. Returns their email addresses."""
    from svtoolkit.accounts.models import Membership, Role, User

    index = partnership.slug.removeprefix("load-")
    emails = []
    for n in range(size):
        role = Role.COORDINATOR if n % 50 == 0 else Role.RESPONDER
        email = f"team-{role}{n}.{index}@load.example.org"
        emails.append(email)
        if not User.objects.filter(email=email).exists():
            person = User.objects.create_user(email, PASSWORD, full_name=f"Incident team member {n}")
            Membership.objects.create(user=person, partnership=partnership, role=role)
    return emails


def the_major_incident(partnership) -> Incident:
    """The incident everyone works: the generated large incident (100 actions, 500 entries) when it is still
    open, otherwise the partnership's newest incident being responded to with a plan."""
    large = Incident.objects.filter(title__startswith=LARGE_TITLE, partnership=partnership).first()
    if large is not None and large.status in (IncidentStatus.RESPONDING, IncidentStatus.RECOVERY):
        return large
    return (
        Incident.objects.filter(partnership=partnership, status=IncidentStatus.RESPONDING)
        .exclude(playbook_version=None)
        .order_by("-occurred_at")
        .first()
    )


def _lock_waits(stop) -> dict:
    """Sample PostgreSQL's sessions on this database every quarter second until ``stop`` is set: how often
    any was waiting for a lock, how many at most, and the statements that waited most."""
    import threading
    from collections import Counter

    from django.db import connections

    found = {"samples": 0, "with_waits": 0, "most_waiting": 0, "waiter_samples": 0, "statements": Counter()}

    def sample():
        with connections["default"].cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting = [row[0] for row in cursor.fetchall()]
                found["samples"] += 1
                found["with_waits"] += bool(waiting)
                found["waiter_samples"] += len(waiting)
                found["most_waiting"] = max(found["most_waiting"], len(waiting))
                found["statements"].update(waiting)
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                time.sleep(0.25)
        connections["default"].close()

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return {"thread": thread, "found": found}


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def one_incident_load(base: str, workdir: Path, server: subprocess.Popen) -> dict:
    """BENCH_USERS people of the first generated partnership all working one incident: figures by kind of
    request, edit conflicts apart from errors, lock waits, deadlocks, server errors and CPU per request."""
    import threading

    first = Partnership.objects.filter(slug__startswith="load-").order_by("pk").first()
    incident = the_major_incident(first)
    actions = list(incident.actions.order_by("id").values("id", "owner_organisation_id"))
    targets = {
        "accounts": prepare_incident_team(first, USERS),
        "password": PASSWORD,
        "incidents": [{"id": incident.pk, "partnership": first.slug, "actions": actions}],
    }
    log(f"One incident ({incident.reference}, {len(actions)} actions): {USERS} people for {DURATION}...")
    postgres = connection.vendor == "postgresql"
    deadlocks_before = _deadlocks() if postgres else 0
    stop = threading.Event()
    sampler = _lock_waits(stop) if postgres else None
    locust = start_locust([base], USERS, targets, workdir, user_class="IncidentTeam")
    cpu = _cpu_while_measured(server, locust)
    stop.set()
    if sampler:
        sampler["thread"].join()
    figures = locust_figures(workdir)
    kinds = [
        {
            "kind": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
        }
        for row in csv.DictReader((workdir / "locust_stats.csv").open())
        if row["Name"] not in ("Aggregated", "sign in")
    ]
    failures = [
        {"kind": row["Name"], "error": row["Error"], "occurrences": int(row["Occurrences"])}
        for row in csv.DictReader((workdir / "locust_failures.csv").open())
    ]
    waits = sampler["found"] if sampler else {}
    server_log = (workdir / "gunicorn.log").read_text()
    return {
        "scenario": SCENARIO,
        "incident": incident.reference,
        "actions": len(actions),
        "users": USERS,
        "duration": DURATION,
        "wait_seconds": os.environ.get("BENCH_WAIT_SECONDS", "8 16"),
        **figures,
        "kinds": kinds,
        "failures": failures,
        "server_errors_logged": server_log.count("Traceback"),
        "deadlocks": (_deadlocks() - deadlocks_before) if postgres else None,
        "lock_wait_samples": waits.get("samples"),
        "samples_with_lock_waits": waits.get("with_waits"),
        "most_waiting_at_once": waits.get("most_waiting"),
        "mean_waiting": round(waits["waiter_samples"] / max(1, waits["samples"]), 2) if waits else None,
        "statements_waiting": waits["statements"].most_common(5) if waits else [],
        **cpu,
        "server_cpu_ms_per_request": round(1000 * cpu["server_cores"] / max(0.1, figures["rps"]), 1),
        "load_average": os.getloadavg(),
    }


def print_one_incident(load: dict) -> None:
    print()
    print(
        f"One incident ({load['incident']}, {load['actions']} actions), {load['users']} people of one "
        f"partnership for {load['duration']}, {load['wait_seconds']} s between requests; "
        f"{connection.vendor}, "
        f"{'Redis' if settings.REDIS_URL else 'no Redis'}, gunicorn {WORKERS} x {THREADS}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'Request':<28} {'n':>6} {'p50':>6} {'p95':>6} {'failed':>6}")
    for kind in load["kinds"]:
        print(
            f"{kind['kind']:<28} {kind['requests']:>6} {kind['p50_ms']:>6.0f} {kind['p95_ms']:>6.0f} "
            f"{kind['failures']:>6}"
        )
    print(
        f"All: {load['rps']} requests/s, p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms, "
        f"{load['requests']:,} requests ({load['writes']:,} writes); {load['errors']} errors, "
        f"{load['edit_conflicts']} edit conflicts, {load['server_errors_logged']} tracebacks in the server's "
        f"log, {load['deadlocks']} deadlocks"
    )
    for failure in load["failures"]:
        print(f"  {failure['occurrences']:>5} x {failure['kind']}: {failure['error']}")
    if load["lock_wait_samples"]:
        print(
            f"Lock waits: some session waiting in {load['samples_with_lock_waits']} of "
            f"{load['lock_wait_samples']} samples (every 0.25 s), {load['mean_waiting']} waiting on average, "
            f"{load['most_waiting_at_once']} at most"
        )
        for statement, seen in load["statements_waiting"]:
            print(f"  {seen:>5} x {statement}")
    print(
        f"CPU in cores busy: server {load['server_cores']}, load tool {load['load_tool_cores']}, "
        f"database and the rest {load['other_cores']} (of {os.cpu_count()}); server CPU per request "
        f"{load['server_cpu_ms_per_request']} ms; load average at the end "
        + " ".join(f"{n:.2f}" for n in load["load_average"])
    )


def main_one_incident() -> None:
    prepare_database()
    workdir = Path(tempfile.mkdtemp(prefix="svtoolkit-bench-"))
    port = int(os.environ.get("BENCH_PORT") or free_port())
    server = start_server(port, workdir / "gunicorn.log")
    try:
        load = one_incident_load(f"http://127.0.0.1:{port}", workdir, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_one_incident(load)
    results = Path(settings.VAR_DIR) / "bench-one-incident.json"
    results.write_text(json.dumps(load, indent=2))
    log(f"Figures also written to {results}; Locust's and gunicorn's files in {workdir}")


# --- The table ------------------------------------------------------------------------------------------


def print_table(rows: list[dict], load: dict | None, context: dict) -> None:
    print()
    print(
        f"svtoolkit benchmarks: {context['incidents']:,} incidents on {context['database']}, "
        f"{'Redis' if context['redis'] else 'no Redis'}, gunicorn {WORKERS} workers x {THREADS} threads, "
        f"{os.cpu_count()} CPUs"
    )
    if context["generation_s"] is not None:
        print(f"Data generated in {context['generation_s']:.0f} s")
    header = (
        f"{'Scenario':<48} {'n':>4} {'srv p50':>8} {'srv p95':>8} {'cli p50':>8} {'cli p95':>8} "
        f"{'queries':>7} {'x bare':>7} {'errors':>6}  budget"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = "" if row["x_bare_p95"] is None else f"{row['x_bare_p95']:.1f}"
        print(
            f"{row['scenario']:<48} {row['requests']:>4} "
            f"{row['server_p50_ms']:>8.1f} {row['server_p95_ms']:>8.1f} "
            f"{row['client_p50_ms']:>8.1f} {row['client_p95_ms']:>8.1f} {row['queries']:>7} {ratio:>7} "
            f"{row['errors']:>6}  {row['budget']}"
        )
    print(
        "Times in milliseconds; srv = measured in the server, cli = by the client; queries = the most seen."
    )
    if load:
        print()
        print(
            f"Mixed load (80 % reads, 20 % writes), {load['users']} users for {load['duration']}: "
            f"{load['rps']} requests/s, p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms, "
            f"p99 {load['p99_ms']:.0f} ms, {load['errors']} errors, {load['edit_conflicts']} edit conflicts "
            f"({load['requests']:,} requests, {load['writes']:,} writes)   "
            "budget: ≥ 250 requests/s, p95 ≤ 250 ms, no errors"
        )
        print(
            f"CPU while Locust counted, in cores busy: server {load['server_cores']}, load tool "
            f"{load['load_tool_cores']}, database and the rest {load['other_cores']} (of {os.cpu_count()}); "
            f"server CPU per request {load['server_cpu_ms_per_request']} ms"
        )
        if "profile_by_layer" in load:
            print(
                f"Where the server's CPU went (py-spy samples; stacks in {load['profile_file']}), of all "
                "samples and of those not waiting (on the database, Redis or a request):"
            )
            work = load["profile_work_by_layer"]
            for layer, share in load["profile_by_layer"].items():
                print(
                    f"  {share:6.1%} {work[layer]:6.1%}  {layer}"
                    if layer in work
                    else f"  {share:6.1%}  {layer}"
                )


def main() -> None:
    generation_s = prepare_database()
    large = Incident.objects.filter(title__startswith=LARGE_TITLE).order_by("pk").first()
    first = Partnership.objects.filter(slug__startswith="load-").order_by("pk").first()
    targets = load_targets()
    officer_email = prepare_alerting(first)
    regional_email, regional_partnerships = prepare_region()
    incidents = Incident.objects.count()
    workdir = Path(tempfile.mkdtemp(prefix="svtoolkit-bench-"))
    port = int(os.environ.get("BENCH_PORT") or free_port())
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, workdir / "gunicorn.log")
    try:
        session = sign_in(base, f"coordinator.{first.slug.removeprefix('load-')}@load.example.org")
        log("Measuring pages...")
        search = reverse("search:results")
        figures = measure_pages(
            session,
            base,
            [
                ("Bare Django page (the yardstick)", reverse("bench_bare"), ""),
                ("Empty page in the site's layout", reverse("bench_layout"), ""),
                (
                    f"Incident page ({large.actions.count()} actions, {large.timeline.count()} entries)",
                    reverse("incidents:incident", args=[large.pk]),
                    "p95 ≤ 3 x bare, ≤ 20 queries",
                ),
                ("Incident list (first page)", reverse("incidents:list"), ""),
                ("Dashboard (the last 12 months)", reverse("reports:dashboard"), "p95 ≤ 300 ms at 1 M"),
                ("Dashboard (all time)", reverse("reports:dashboard") + "?period=all", "p95 ≤ 300 ms at 1 M"),
                ("Search (knife: in incidents' titles)", search + "?q=knife", "p95 ≤ 300 ms at 1 M"),
                ("Search (police: in every plan's actions)", search + "?q=police", "p95 ≤ 300 ms at 1 M"),
                ("Sitrep PDF", reverse("reports:incident_sitrep", args=[large.pk]), "≤ 2 s"),
            ],
        )
        figures[-1:-1] = measure_pages(
            sign_in(base, regional_email),
            base,
            [
                (
                    f"Regional board ({regional_partnerships} partnerships)",
                    reverse("regions:board", args=[REGION_SLUG]),
                    "p95 ≤ 300 ms at 150,000 (PostgreSQL)",
                ),
            ],
        )
        figures.insert(-1, measure_recording(session, base))
        figures[-1:-1] = measure_pages(
            sign_in(base, regional_email),
            base,
            [
                (
                    f"Regional dashboard ({regional_partnerships} partnerships, 12 months)",
                    reverse("figures:dashboard", args=[REGION_SLUG]),
                    "p95 ≤ 300 ms at 150 k",
                ),
                (
                    f"Regional dashboard ({regional_partnerships} partnerships, 3 years)",
                    reverse("figures:dashboard", args=[REGION_SLUG]) + "?period=36",
                    "p95 ≤ 300 ms at 150 k",
                ),
            ],
        )
        alerting, alert_queue = measure_alerting(base, officer_email)
        figures.insert(-1, alerting)
        bare = figures[0]
        rows = [f.row(bare if f is not bare else None) for f in figures]
        load = mixed_load(base, targets, workdir, server) if USERS else None
    finally:
        server.terminate()
        server.wait(timeout=30)
    context = {
        "incidents": incidents,
        "database": connection.vendor,
        "redis": bool(settings.REDIS_URL),
        "generation_s": generation_s,
        "workers": WORKERS,
        "threads": THREADS,
        "cpus": os.cpu_count(),
    }
    print_table(rows, load, context)
    print(
        f"Alert to {alert_queue['recipients']} people: {alert_queue['deliveries_each']} messages "
        f"(text and email) queued for each alert, all within {alert_queue['queued_p95_ms']} ms of the report "
        "at p95   "
        "budget: within 1 s"
    )
    results = Path(settings.VAR_DIR) / "bench-results.json"
    results.write_text(
        json.dumps(
            {"context": context, "pages": rows, "mixed_load": load, "alert_queue": alert_queue}, indent=2
        )
    )
    log(f"Figures also written to {results}")


if __name__ == "__main__":
    main_one_incident() if ONE_INCIDENT else main()
