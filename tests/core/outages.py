"""Real failures for the outage tests: a port nobody listens on, a Redis that accepts and never answers, a
Redis server of a test's own (to break as it likes), and a database connection that cannot be opened."""

import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.db import connection, connections

from tests.messaging.servers import free_port


class HungServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers (a hung Redis)."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._held = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self._listener.settimeout(0.2)
        while not self._stopping.is_set():
            try:
                accepted, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(accepted)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        self._thread.join(timeout=2)
        for held in self._held:
            held.close()
        self._listener.close()


def use_redis(settings, url: str, *, sessions_in_cache: bool = False) -> None:
    """svtoolkit's settings as REDIS_URL and SVTOOLKIT_TASK_QUEUE=redis make them, for the given Redis."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "svtoolkit.core.cache.FailFastRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    settings.TASK_QUEUE = "redis"
    settings.RQ_QUEUES = {"default": {"URL": f"{url}?socket_connect_timeout=1&socket_timeout=1"}}
    settings.SESSION_ENGINE = (
        "django.contrib.sessions.backends.cache" if sessions_in_cache else "svtoolkit.accounts.sessions"
    )


@contextmanager
def own_redis(directory: Path):
    """A redis-server of the test's own, on a unix socket in ``directory``, saving nothing to disk; yields its
    URL and stops it afterwards. A test that makes Redis refuse writes uses this, never the shared server at
    127.0.0.1:6379, whose other databases the tests on the other worker are using. A missing redis-server
    fails the test: it never skips."""
    server = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/local/bin")
    if server is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server (see .ci/run)")
    path = directory / "redis.sock"
    log = directory / "redis.log"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(path), "--save", "", "--appendonly", "no"]
        + ["--dir", str(directory), "--logfile", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"unix://{path}"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"redis-server stopped: {log.read_text() if log.exists() else ''}"
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()  # with nothing to save, it stops at once
        process.wait(timeout=30)


def redis_url(port: int, db: int = 0) -> str:
    return f"redis://127.0.0.1:{port}/{db}"


def nobody_listening() -> int:
    """A port that was free a moment ago: connecting to it is refused."""
    return free_port()


def in_thread_with_database_down(work, *, tmp_path):
    """Run ``work()`` in a thread whose database connection cannot be opened (a missing SQLite file, or
    PostgreSQL on a port nobody listens on), as during a database outage; returns what it returned."""
    original = connections.settings["default"]
    broken = dict(original)
    if connection.vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "no-such-directory" / "svtoolkit.sqlite3")
        broken.setdefault("TEST", {})
        broken["TEST"] = {**broken["TEST"], "NAME": broken["NAME"]}
    else:
        broken.update(HOST="127.0.0.1", PORT=str(nobody_listening()))
        broken["OPTIONS"] = {**broken.get("OPTIONS", {}), "connect_timeout": 2}
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            outcome["error"] = error
        finally:
            connections["default"].close()

    connections.settings["default"] = broken
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=60)
    finally:
        connections.settings["default"] = original
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@contextmanager
def hung_redis():
    with HungServer() as server:
        yield server
