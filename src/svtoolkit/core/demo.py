"""Demo data, seeded app by app: each app registers what it adds to the demo partnership (in AppConfig.ready).

Core knows nothing of the apps above it; `seed_demo` runs the registered seeders in order, each idempotent.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

_seeders: list[tuple[int, str, Callable[..., None]]] = []

# The key of the PostgreSQL advisory lock that seedings take turns on: any number, the same in every process.
_SEEDING_LOCK = 0x5EED_DE70
# How long a seeding waits for another to finish on SQLite, in ms: seeding takes a minute or more on a slow
# machine, beyond the 20 s any other write waits (settings.py).
_SQLITE_SEEDING_WAIT_MS = 10 * 60 * 1000


def register_demo_seeder(*, order: int, name: str, seed: Callable[..., None]) -> None:
    """``seed(partnership=..., users=...)`` adds the app's demo data; run again, it changes nothing."""
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seed))
        _seeders.sort(key=lambda entry: entry[0])


def run_demo_seeders(
    *, partnership, users: dict, progress: Callable[[str], None] = lambda line: None
) -> None:
    """Run every registered seeder in order, telling ``progress`` a line as each one starts and ends."""
    for _, name, seed in _seeders:
        started = time.monotonic()
        progress(f"  {name}...")
        seed(partnership=partnership, users=users)
        progress(f"  {name}: done in {time.monotonic() - started:.0f} s")


@contextmanager
def one_seeding_at_a_time() -> Iterator[None]:
    """A transaction that waits for any other seeding of the demo to commit (or end) before it starts, and
    keeps the next one waiting until it ends: what ``seed_demo --if-empty`` checks and seeds in it, no other
    seeding sees half made or makes again. On PostgreSQL a transaction's advisory lock, which only seedings
    take; on SQLite the transaction itself, begun IMMEDIATE (settings.py): one writer at a time."""
    connection = transaction.get_connection()
    waits_longer = connection.vendor == "sqlite" and not connection.in_atomic_block
    if waits_longer:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            usual_wait = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_SEEDING_WAIT_MS}")
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEEDING_LOCK])
            yield
    finally:
        if waits_longer:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(usual_wait)}")
