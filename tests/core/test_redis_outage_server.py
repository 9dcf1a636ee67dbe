"""A real server started with REDIS_URL set, as docs/operations.md describes, while Redis is down or hung
(issue 15, defect 8): nobody is signed out, signing in works, a hung Redis does not hold requests, and
/healthz/ tells the load balancer.

The server is gunicorn running svtoolkit's own settings (no test settings), on a SQLite database of its own;
Redis is a port nobody listens on, a server that accepts and never answers, or the real one at 127.0.0.1:6379.
"""

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
import requests

import svtoolkit
from tests.core.outages import hung_redis, nobody_listening, redis_url
from tests.databases import without_test_settings
from tests.messaging.servers import free_port

pytestmark = [pytest.mark.xdist_group("redis_outage_server"), pytest.mark.slow]

BIN = os.path.dirname(sys.executable)
EMAIL = "duty.officer@example.org"
PASSWORD = "outage-test-password-1"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HEALTHY_REDIS_URL = os.environ.get("SVTOOLKIT_TEST_REDIS_URL_HEALTHZ", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="module")
def environment(tmp_path_factory, databases):
    """Demo mode on a migrated database of its own with one person who can sign in."""
    var = tmp_path_factory.mktemp("var")
    environment = {
        **without_test_settings(os.environ),
        "SVTOOLKIT_ENV": "demo",
        "SVTOOLKIT_VAR_DIR": str(var),
        "DATABASE_URL": databases.migrated("sqlite", "redis_outage"),
        "SVTOOLKIT_EMAIL_PROVIDER": "outbox",
        # The code under test (this checkout's), whatever the virtual environment has installed.
        "PYTHONPATH": os.path.dirname(os.path.dirname(svtoolkit.__file__)),
    }
    environment.pop("REDIS_URL", None)
    command = os.path.join(BIN, "svtoolkit")
    create = (
        "from svtoolkit.accounts.models import User; "
        f"User.objects.create_user('{EMAIL}', '{PASSWORD}', full_name='Duty Officer')"
    )
    subprocess.run([command, "shell", "-c", create], env=environment, check=True)
    return environment


@contextmanager
def server(environment, redis):
    """gunicorn with REDIS_URL and the RQ task queue in ``redis``; yields its address."""
    port = free_port()
    log = open(os.path.join(environment["SVTOOLKIT_VAR_DIR"], f"server-{port}.log"), "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            os.path.join(BIN, "gunicorn"),
            "svtoolkit.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--timeout=120",
        ],
        env={**environment, "REDIS_URL": redis, "SVTOOLKIT_TASK_QUEUE": "redis"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{address}/accessibility/", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(f"The server did not start; see {log.name}") from None
                time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def sign_in(browser, address):
    page = browser.get(f"{address}/sign-in/", timeout=10)
    return browser.post(
        f"{address}/sign-in/",
        {"csrfmiddlewaretoken": TOKEN.search(page.text).group(1), "username": EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )


def is_signed_in(browser, address) -> bool:
    return browser.get(f"{address}/", allow_redirects=False, timeout=10).status_code == 200


def test_nobody_is_signed_out_and_signing_in_works_while_redis_is_down(environment):
    browser = requests.Session()
    with server(environment, HEALTHY_REDIS_URL) as address:
        assert sign_in(browser, address).status_code == 302
        assert is_signed_in(browser, address)

    with server(environment, redis_url(nobody_listening())) as address:
        assert is_signed_in(browser, address), "signed out by the Redis outage"
        newcomer = requests.Session()
        assert sign_in(newcomer, address).status_code == 302
        assert is_signed_in(newcomer, address)
        health = requests.get(f"{address}/healthz/", timeout=10)

    assert health.status_code == 503
    assert health.json()["checks"] == {"database": "ok", "cache": "unavailable", "task_queue": "unavailable"}


def test_a_hung_redis_does_not_hold_requests(environment):
    browser = requests.Session()
    with hung_redis() as hung, server(environment, redis_url(hung.port)) as address:
        started = time.monotonic()
        signed_in = sign_in(browser, address)
        home = is_signed_in(browser, address)
        took = time.monotonic() - started
        started = time.monotonic()
        health = requests.get(f"{address}/healthz/", timeout=10)
        health_took = time.monotonic() - started

    assert signed_in.status_code == 302 and home
    assert took < 3
    assert health.status_code == 503 and health_took < 5
