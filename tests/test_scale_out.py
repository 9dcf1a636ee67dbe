"""More than one machine: two app servers and two task workers sharing one PostgreSQL database and one Redis.

Runs the real processes (gunicorn and `svtoolkit worker`, with RQ's workers for both queues and the scheduler)
as docs/operations.md tells operators to run them, on this machine: someone signs in through one server and
carries on through the other (the session is in PostgreSQL), what they change through one is seen through the
other, and each email is sent exactly once.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection
from rq import Queue

from tests.databases import without_test_settings
from tests.processes import kill_with_descendants

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("scale_out"), pytest.mark.slow]

BIN = Path(sys.executable).parent
SRC = Path(__file__).resolve().parents[1] / "src"
PASSWORD = "scale-out-test-password-1"
INVITED = [f"new.partner{n}@example.org" for n in range(6)]
# Redis database 13 unless CI or a developer names another; the test empties it, so never use a shared one.
REDIS_URL = os.environ.get("SVTOOLKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def shared_database(databases):
    """A migrated database of its own beside the test database, seeded by the deployment."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "The scale-out test needs PostgreSQL (run the suite with DATABASE_URL set to PostgreSQL)."
        )
    return databases.migrated("postgresql", "scale_out")


@pytest.fixture
def deployment(shared_database, tmp_path):
    """Two gunicorn servers and two task workers with one environment, as on separate machines."""
    mail = tmp_path / "mail"
    mail.mkdir()
    environment = {
        **without_test_settings(os.environ),
        "SVTOOLKIT_ENV": "demo",
        "SECRET_KEY": "scale-out-test-secret-key-shared-by-every-machine-0123456789",
        "DATABASE_URL": shared_database,
        "REDIS_URL": REDIS_URL,
        "SVTOOLKIT_TASK_QUEUE": "redis",
        "EMAIL_URL": f"filemail:///{mail}",  # three slashes and an absolute path
        # Demo mode keeps messages in the outbox; here they go through Django's email backend (the files).
        "SVTOOLKIT_EMAIL_PROVIDER": "smtp",
        "SVTOOLKIT_DEMO_PASSWORD": PASSWORD,
        "SVTOOLKIT_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(SRC),  # this checkout's code, whichever checkout the virtualenv was installed from
    }
    svtoolkit = str(BIN / "svtoolkit")
    # Seeding queues emails of its own (meetings, partners informed): keep them out of the count below.
    seeding = {**environment, "SVTOOLKIT_TASK_QUEUE": "database"}
    # No collectstatic: no page's answer here depends on the static files being there.
    subprocess.run([svtoolkit, "seed_demo", "--verbosity", "0"], env=seeding, check=True, timeout=120)
    redis.Redis.from_url(REDIS_URL).flushdb()
    processes, logs = [], []

    def start(name, command):
        log = (tmp_path / f"{name}.log").open("w")
        logs.append(log)
        processes.append(subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT))

    ports = [_free_port(), _free_port()]
    for name, port in zip("ab", ports, strict=True):
        start(
            f"server-{name}",
            [str(BIN / "gunicorn"), "svtoolkit.wsgi:application", f"--bind=127.0.0.1:{port}", "--workers=1"],
        )
    for name in ("worker-1", "worker-2"):
        start(name, [svtoolkit, "worker"])
    try:
        servers = [f"http://127.0.0.1:{port}" for port in ports]
        for server in servers:
            _wait_for(lambda server=server: requests.get(f"{server}/healthz/", timeout=2).ok, what=server)
        yield {"servers": servers, "mail": mail, "logs": tmp_path}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill_with_descendants(process)  # a worker, with the alerts worker it started
        for log in logs:
            log.close()
        shutil.rmtree(mail, ignore_errors=True)


def _wait_for(check, *, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"Gave up waiting for {what}.")


def _emails_to(mail: Path) -> list[str]:
    return [
        line.removeprefix("To: ").strip()
        for message in mail.glob("*.log")
        for line in message.read_text().splitlines()
        if line.startswith("To: ")
    ]


def test_two_servers_share_sessions_and_data_and_two_workers_run_each_job_once(deployment):
    server_a, server_b = deployment["servers"]
    browser = requests.Session()  # cookies are per host, not per port: one browser, two servers
    page = browser.get(f"{server_a}/sign-in/")
    signed_in = browser.post(
        f"{server_a}/sign-in/",
        {
            "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
            "username": "coordinator@example.org",
            "password": PASSWORD,
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302

    # Signed in through A, recognised by B: the session is in the shared database, not in either server.
    assert browser.get(f"{server_b}/members/", allow_redirects=False).status_code == 200

    # Invitations made through either server: each is seen through the other, and each emails once.
    for number, email in enumerate(INVITED):
        server = (server_a, server_b)[number % 2]
        form = browser.get(f"{server}/members/invite/")
        organisation = re.search(r'<option value="(\d+)"', form.text).group(1)
        response = browser.post(
            f"{server}/members/invite/",
            {
                "csrfmiddlewaretoken": TOKEN.search(form.text).group(1),
                "email": email,
                "full_name": f"New partner {number}",
                "role": "viewer",
                "organisation": organisation,
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
    for server in (server_a, server_b):
        listed = browser.get(f"{server}/members/").text
        assert all(email in listed for email in INVITED)

    # Once every invitation has gone and no job waits or runs (the invitations' own, the sweeps and the other
    # scheduled jobs both workers' schedulers queue), none is sent again: count what went.
    queues = [Queue(name, connection=redis.Redis.from_url(REDIS_URL)) for name in ("default", "alerts")]
    _wait_for(
        lambda: (
            set(INVITED) <= set(_emails_to(deployment["mail"]))
            and all(queue.count == 0 and queue.started_job_registry.count == 0 for queue in queues)
        ),
        what="the invitation jobs",
    )
    assert [queue.failed_job_registry.count for queue in queues] == [0, 0]
    invitations = [address for address in _emails_to(deployment["mail"]) if address in INVITED]
    assert sorted(invitations) == sorted(INVITED)
