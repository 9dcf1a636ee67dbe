"""Server CPU per request of the hot pages, measured in-process: less sensitive to a busy machine than times.

Run after `make bench` (or bench/run.py) has generated the data, against the same database:

    DATABASE_URL=... .venv/bin/python bench/page_cpu.py                  # CPU ms and queries per page
    DATABASE_URL=... BENCH_PROFILE=1 .venv/bin/python bench/page_cpu.py  # and a profile of the incident page

BENCH_PROFILE_PAGE picks another page to profile (its place in the table, from 0); BENCH_PROFILE_OUT is where
the profile is written (default /tmp/incident-page.prof) for pstats or snakeviz. BENCH_PAGES measures only
some pages (their places, comma-separated, such as 3,4,6; the bare page is always measured).

Each page is requested through Django's test client (the whole middleware chain, signed in as the first
generated partnership's coordinator) BENCH_REPEAT times (default 200), the pages in turn; the figure is the
process CPU time (time.process_time) per request, median of five batches. Nothing passes or fails.
Saving an action's update is the mixed load's form post (bench/locustfile.py), answered with a redirect; it
updates the large incident's second action, so the action page measured (its first) stays the same size.
Adding a timeline entry (page 10) is the mixed load's other write, a form post answered with a redirect too;
the entries go on the large incident's partnership's first other open incident, so the large incident's pages
measured stay the same size.
Pages 11 to 13 are an incident page as the mixed load reads it (one of the incidents it works, as bench/run.py
picks them) when part of it is no longer kept: right after an update of one of its actions (page 11) or a
timeline entry on it (page 12), each made before every request and not counted, so the live part (or its
latest entries alone) is drawn again; and drawn afresh (page 13), every kept part forgotten before each
request (not counted), as at the turn of each minute.
"""

import contextlib
import cProfile
import io
import itertools
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SVTOOLKIT_ENV", "demo")
os.environ.setdefault("SVTOOLKIT_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "svtoolkit.bench.settings"

import django  # noqa: E402

django.setup()

import form_posts  # noqa: E402  (bench/form_posts.py, beside this script)
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve, reverse  # noqa: E402

from svtoolkit.accounts.models import User  # noqa: E402
from svtoolkit.bench.generator import LARGE_TITLE  # noqa: E402
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Incident, IncidentStatus, PlanAction  # noqa: E402
from svtoolkit.partnerships.models import Partnership  # noqa: E402

# The incident page's live refresh: PageClient sends the headers htmx sends for URLs ending in this marker.
LIVE = "#live"
LIVE_ID = "incident-live"  # the live part's element (incidents/live.html)
# Saving an action's update: test_client posts the mixed load's update form for URLs ending in this marker.
SAVE = "#save"
# Adding a timeline entry: test_client posts the mixed load's timeline form for URLs ending in this marker.
ADD = "#add"
# A page measured after a write made before each request, not counted: the page, this marker, the write's URL.
AFTER = "#after "
# A page measured with every kept part forgotten before each request, not counted, as at the turn of a minute.
AFRESH = "#afresh"
# What the key of every kept part holds (core.cached_parts.part_key).
PART = "svt:part:"
REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))
BATCHES = 5


def pages() -> list[tuple[str, str]]:
    large = Incident.objects.filter(title__startswith=LARGE_TITLE).order_by("pk").first()
    action, updated = large.actions.order_by("pk")[:2]
    others = Incident.objects.filter(partnership=large.partnership).exclude(pk=large.pk)
    noted = others.exclude(status=IncidentStatus.CLOSED).order_by("pk").first()
    worked = (  # as bench/run.py picks the incidents of the mixed load
        Incident.objects.filter(partnership=large.partnership, status=IncidentStatus.RESPONDING)
        .exclude(playbook_version=None)
        .order_by("-occurred_at")
        .first()
    )
    worked_page = reverse("incidents:incident", args=[worked.pk])
    worked_action = worked.actions.filter(status__in=OPEN_ACTION_STATUSES).order_by("pk").first()
    return [
        ("bare page", reverse("bench_bare")),
        ("incident page (large incident)", reverse("incidents:incident", args=[large.pk])),
        ("its live part (htmx, every 30 s)", reverse("incidents:incident", args=[large.pk]) + LIVE),
        ("incident list", reverse("incidents:list")),
        ("action page", reverse("incidents:action", args=[large.pk, action.pk])),
        ("plan", reverse("incidents:plan", args=[large.pk])),
        ("saving an action's update (POST)", reverse("incidents:action", args=[large.pk, updated.pk]) + SAVE),
        ("dashboard (the last 12 months)", reverse("reports:dashboard")),
        ("dashboard (all time)", reverse("reports:dashboard") + "?period=all"),
        ("empty page in the site's layout", reverse("bench_layout")),
        ("adding a timeline entry (POST)", reverse("incidents:update", args=[noted.pk]) + ADD),
        (
            "worked page after an action's update",
            worked_page + AFTER + reverse("incidents:action", args=[worked.pk, worked_action.pk]) + SAVE,
        ),
        (
            "worked page after a timeline entry",
            worked_page + AFTER + reverse("incidents:update", args=[worked.pk]) + ADD,
        ),
        ("worked page drawn afresh (each minute)", worked_page + AFRESH),
    ]


class PageClient(Client):
    """The test client, sending what a browser sends (bench/form_posts.py): for a URL marked as the live
    part, the headers htmx sends with its refresh (what the page's copy shows among them: unchanged, it is
    answered 204); for a URL marked as a save, an action's update through its form, as the mixed load does;
    for one marked as an addition, a timeline entry through its form. A write's form page is opened first,
    in ``prepared``, outside the measuring."""

    statuses = itertools.cycle(["in_progress", "to_do"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners: dict[str, int | None] = {}  # an action's page: its owner organisation
        self.opened: dict[str, dict] = {}  # a write's URL: its form's hidden fields, opened for its post
        self.live: dict[str, dict] = {}  # a live part's URL: the headers its next refresh sends

    @contextlib.contextmanager
    def prepared(self, url: str):
        """The URL to measure, after the write a URL marked with one names; or with every kept part set aside
        while it is asked for (as at the turn of a minute) and put back after, so that the other pages
        measured find theirs as before."""
        if AFTER in url:
            page, write = url.split(AFTER)
            self.get(write)
            yield page
        elif url.endswith(AFRESH):
            aside = set_aside_kept_parts()
            try:
                yield url.removesuffix(AFRESH)
            finally:
                put_back_kept_parts(aside)
        else:
            self._open(url)
            yield url

    def _open(self, url: str) -> None:
        """What the browser holds before the request measured: a write's form page, opened; a live part's
        page, opened once (after that each refresh answered afresh says what it now shows)."""
        if url.endswith((SAVE, ADD)):
            page = url.removesuffix(SAVE).removesuffix(ADD)
            form = super().get(page).content.decode()
            self.opened[url] = form_posts.form_data(form, page=page, changes={})
        elif url.endswith(LIVE) and url not in self.live:
            page = url.removesuffix(LIVE)
            self.live[url] = self._refresh_headers(super().get(page), page)

    def get(self, path, *args, **kwargs):
        if path.endswith((SAVE, ADD)):
            if path not in self.opened:
                self._open(path)
            page = path.removesuffix(SAVE).removesuffix(ADD)
            response = self.post(page, {**self.opened.pop(path), **self._changes(path, page)})
            failure = form_posts.write_failure(response.status_code, response.content.decode())
            assert failure is None, (path, failure)
            return response
        if path.endswith(LIVE):
            if path not in self.live:
                self._open(path)
            page = path.removesuffix(LIVE)
            response = super().get(page, *args, headers=self.live[path], **kwargs)
            if response.status_code == 200:  # 204: unchanged, and htmx leaves the part as it is
                self.live[path] = self._refresh_headers(response, page)
            return response
        return super().get(path, *args, **kwargs)

    def _changes(self, path: str, page: str) -> dict:
        """The fields a write changes: an action's status (its owner as it is), or a timeline entry's text."""
        if path.endswith(ADD):
            return {"text": "Community reassurance patrol completed."}
        if page not in self.owners:  # read once, outside the measuring
            action = PlanAction.objects.get(pk=resolve(page).kwargs["action_id"])
            self.owners[page] = action.owner_organisation_id
        return {
            "status": next(self.statuses),
            "owner_organisation": self.owners[page] or "",
            "owner": "",
            "note": "Progress checked.",
        }

    def _refresh_headers(self, response, page: str) -> dict:
        html = response.content.decode()
        return form_posts.refresh_headers(html, LIVE_ID, page=f"http://{self.defaults['HTTP_HOST']}{page}")


def _redis():
    """The Redis client under the cache, or None for Django's memory cache (no REDIS_URL)."""
    client = cache._cache
    return client.get_client(write=True) if hasattr(client, "get_client") else None


def set_aside_kept_parts() -> dict:
    """Take every part kept in the cache (core.cached_parts) out of it, with what puts it back as it was."""
    redis = _redis()
    if redis is None:
        keys = [key for key in cache._cache if PART in key]
        return {key: (cache._cache.pop(key), cache._expire_info.pop(key)) for key in keys}
    keys = list(redis.scan_iter(match=f"*{PART}*"))
    if not keys:
        return {}
    with redis.pipeline() as pipe:
        for key in keys:
            pipe.get(key).pttl(key)
        found = pipe.execute()
    redis.delete(*keys)
    return {key: (value, ttl) for key, value, ttl in zip(keys, found[::2], found[1::2], strict=True)}


def put_back_kept_parts(aside: dict) -> None:
    """Forget the parts kept since they were set aside, and put those set aside back."""
    redis = _redis()
    if redis is None:
        for key in [key for key in cache._cache if PART in key]:
            del cache._cache[key], cache._expire_info[key]
        for key, (value, expires) in aside.items():
            cache._cache[key], cache._expire_info[key] = value, expires
        return
    drawn = list(redis.scan_iter(match=f"*{PART}*"))
    if drawn:
        redis.delete(*drawn)
    with redis.pipeline() as pipe:
        for key, (value, ttl) in aside.items():
            if value is not None and ttl > 0:
                pipe.set(key, value, px=ttl)
        pipe.execute()


def signed_in_client() -> Client:
    first = Partnership.objects.filter(slug__startswith="load-").order_by("pk").first()
    user = User.objects.get(email=f"coordinator.{first.slug.removeprefix('load-')}@load.example.org")
    client = PageClient(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def measure(client: Client, urls: list[tuple[str, str]]) -> None:
    for _, url in urls:
        with client.prepared(url) as path:
            response = client.get(path)
        # 204: a live part answered unchanged, as htmx is
        assert response.status_code in {200, 204, 302}, (url, response.status_code)
    cpu = {name: [] for name, _ in urls}
    per_batch = max(1, REPEAT // BATCHES)
    for _ in range(BATCHES):
        for name, url in urls:
            spent = 0.0
            for _ in range(per_batch):
                with client.prepared(url) as path:
                    started = time.process_time()
                    client.get(path)
                    spent += time.process_time() - started
            cpu[name].append(spent * 1000 / per_batch)
    bare = statistics.median(cpu[urls[0][0]])
    print(f"{'page':36} {'CPU ms/request':>15} {'x bare':>7} {'queries':>8}")
    for name, url in urls:
        with client.prepared(url) as path, CaptureQueriesContext(connection) as queries:
            client.get(path)
        median = statistics.median(cpu[name])
        print(f"{name:36} {median:15.2f} {median / bare:7.1f} {len(queries):8}")


def profile(client: Client, url: str) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for the database is not counted
    for _ in range(50):
        with client.prepared(url) as path:
            profiler.enable()
            client.get(path)
            profiler.disable()
    profiler.dump_stats(os.environ.get("BENCH_PROFILE_OUT", "/tmp/incident-page.prof"))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    print(out.getvalue())
    with client.prepared(url) as path, CaptureQueriesContext(connection) as queries:
        client.get(path)
    for query in queries:
        print(f"{query['time']:>6} {query['sql'][:150]}")


def main() -> None:
    print(
        f"database: {settings.DATABASES['default']['ENGINE']}; cache: {settings.CACHES['default']['BACKEND']}"
    )
    print("load:", open("/proc/loadavg").read().strip() if Path("/proc/loadavg").exists() else "?")
    client = signed_in_client()
    every = pages()
    chosen = os.environ.get("BENCH_PAGES")
    places = [int(place) for place in chosen.split(",") if place != "0"] if chosen else range(1, len(every))
    urls = [every[0], *(every[place] for place in places)]
    measure(client, urls)
    if os.environ.get("BENCH_PROFILE") == "1":
        profile(client, every[int(os.environ.get("BENCH_PROFILE_PAGE", "1"))][1])
    print("load:", open("/proc/loadavg").read().strip() if Path("/proc/loadavg").exists() else "?")


if __name__ == "__main__":
    sys.exit(main())
