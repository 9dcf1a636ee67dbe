"""Real failures for the outage tests: a port nobody listens on, a Redis that accepts and never answers, and a
database connection that cannot be opened."""

import socket
import threading
from contextlib import contextmanager

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
