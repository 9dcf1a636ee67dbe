"""Making two requests or two runs truly overlap, so a test sees the race that production would.

Two threads started together rarely interleave at the one moment that matters (both have read, neither has
written). On PostgreSQL the test holds a lock on the rows both will write until both are waiting for it: each
has then read what it reads before writing, and is let go at once, as in the worst real case. SQLite takes one
writer at a time, so there the threads simply run together. To overlap two services at one step, ``Paused``
stops the first inside its transaction (holding what it has locked) while the second runs into its locks
(``overlapping``).
"""

import threading
import time
from contextlib import contextmanager

import requests
from django.db import close_old_connections, connection, transaction

LOCK_WAIT_LIMIT = 20  # seconds
WAIT = 20  # seconds: a thread that has not got on by then never will


@contextmanager
def held_until_both_wait(rows, *, waiters: int = 2):
    """Lock ``rows`` for the length of the block, and at its end wait until ``waiters`` other connections are
    blocked on a lock before letting them go (PostgreSQL only; elsewhere the block just runs)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        list(rows.select_for_update())
        yield
        _wait_for_lock_waiters(waiters)


def _wait_for_lock_waiters(count: int) -> None:
    deadline = time.monotonic() + LOCK_WAIT_LIMIT
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} connections never both waited for the held rows")
            time.sleep(0.02)


class _LetGo(Exception):
    """Ends ``held_by_a_row_being_written`` by undoing its row."""


@contextmanager
def held_by_a_row_being_written(model, *, waiters: int = 2, **fields):
    """Insert a ``model`` row with ``fields`` and keep it uncommitted until ``waiters`` other connections are
    blocked on a lock, then undo it (PostgreSQL only). Two requests that insert the same unique row both get
    past their reads and wait here, as two first saves at the same moment would."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic():
            model._default_manager.create(**fields)
            yield
            _wait_for_lock_waiters(waiters)
            raise _LetGo
    except _LetGo:
        pass


def posts_started(urls_and_data, *, cookies: dict, form_token: str, timeout: int = 30):
    """POST each (url, data) from its own thread, all at once, signed in with ``cookies``. Returns a function
    that waits for them and gives their answers in the order given."""
    answers = [None] * len(urls_and_data)

    def send(index, url, data):
        answers[index] = requests.post(
            url,
            data={"csrfmiddlewaretoken": form_token, **data},
            cookies=cookies,
            allow_redirects=False,
            timeout=timeout,
        )

    threads = [
        threading.Thread(target=send, args=(index, url, data))
        for index, (url, data) in enumerate(urls_and_data)
    ]
    for thread in threads:
        thread.start()

    def finished() -> list:
        for thread in threads:
            thread.join()
        return answers

    return finished


def this_connections_dropper():
    """A function that ends this thread's PostgreSQL connection from another connection, as a database restart
    or a network fault would: what this connection runs next fails, and Django must connect again."""
    import psycopg

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    admin = {key: params[key] for key in ("host", "port", "user", "password", "dbname") if params.get(key)}

    def drop():
        with psycopg.connect(autocommit=True, **admin) as outside:
            outside.execute("SELECT pg_terminate_backend(%s)", [backend])

    drop.backend = backend
    return drop


class Paused:
    """Wraps a service's step so that the thread running it stops just after it, inside its transaction
    (holding whatever it has locked), until ``go`` is set."""

    def __init__(self, step):
        self.step, self.reached, self.go = step, threading.Event(), threading.Event()

    def __call__(self, *args, **kwargs):
        result = self.step(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            self.reached.set()
            assert self.go.wait(WAIT)
        return result


class PausedAtCall(Paused):
    """``Paused``, stopping only on the ``call``-th call of its step (earlier and later calls go on)."""

    def __init__(self, step, *, call):
        super().__init__(step)
        self.call, self.calls = call, 0

    def __call__(self, *args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            self.calls += 1
            if self.calls != self.call:
                return self.step(*args, **kwargs)
        return super().__call__(*args, **kwargs)


def in_thread(work):
    """Run ``work`` in a thread with its own database connection; returns (thread, outcome)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # reported to the test, which asserts on it
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def overlapping(first, second, *, paused):
    """Run ``first`` until it stops at ``paused`` (holding what it has locked), then ``second`` until it waits
    for a lock, then let both finish: returns their outcomes."""
    first_thread, first_outcome = in_thread(first)
    assert paused.reached.wait(WAIT)
    second_thread, second_outcome = in_thread(second)
    try:
        _wait_for_lock_waiters(1)
    finally:
        paused.go.set()
        first_thread.join(WAIT)
        second_thread.join(WAIT)
    return first_outcome, second_outcome
