"""Making two requests or two runs truly overlap, so a test sees the race that production would.

Two threads started together rarely interleave at the one moment that matters (both have read, neither has
written). On PostgreSQL the test holds a lock on the rows both will write until both are waiting for it: each
has then read what it reads before writing, and is let go at once, as in the worst real case. SQLite takes one
writer at a time, so there the threads simply run together.
"""

import time
from contextlib import contextmanager

from django.db import connection, transaction

LOCK_WAIT_LIMIT = 20  # seconds


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
