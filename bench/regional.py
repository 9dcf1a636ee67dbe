"""Only the regional pages of `make bench`, against the database already generated: the regional board and
the regional dashboard over 12 months and 3 years, each measured fresh (the figures are never cached).

    DATABASE_URL=postgres://... BENCH_REQUESTS=40 .venv/bin/python bench/regional.py
"""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (sets Django up as `make bench` does)
from django.urls import reverse  # noqa: E402


def main() -> None:
    email, count = run.prepare_region()
    port = int(os.environ.get("BENCH_PORT") or run.free_port())
    base = f"http://127.0.0.1:{port}"
    server = run.start_server(port, Path(tempfile.mkdtemp(prefix="svtoolkit-bench-")) / "gunicorn.log")
    try:
        figures = run.measure_pages(
            run.sign_in(base, email),
            base,
            [
                ("Bare Django page (the yardstick)", reverse("bench_bare"), ""),
                (
                    f"Regional board ({count} partnerships)",
                    reverse("regions:board", args=[run.REGION_SLUG]),
                    "",
                ),
                *[
                    (
                        f"Regional dashboard ({count} partnerships, {label})",
                        reverse("figures:dashboard", args=[run.REGION_SLUG]) + query,
                        "p95 ≤ 300 ms at 150 k",
                    )
                    for label, query in (("12 months", ""), ("3 years", "?period=36"))
                ],
            ],
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare = figures[0]
    for figure in figures:
        print(figure.row(bare if figure is not bare else None))


if __name__ == "__main__":
    main()
