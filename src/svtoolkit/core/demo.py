"""Demo data, seeded app by app: each app registers what it adds to the demo partnership (in AppConfig.ready).

Core knows nothing of the apps above it; `seed_demo` runs the registered seeders in order, each idempotent.
"""

import time
from collections.abc import Callable

_seeders: list[tuple[int, str, Callable[..., None]]] = []


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
