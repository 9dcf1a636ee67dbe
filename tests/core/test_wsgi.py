"""The WSGI application every server loads (gunicorn's workers, `make run`)."""

import subprocess
import sys

# Run in a fresh interpreter: the test process has its own, much larger, heap.
REPORT = """
import gc
import svtoolkit.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_what_start_up_made_is_out_of_the_garbage_collectors_way():
    """A full collection walked every object start-up made, about 100 ms that held the worker's threads: once
    loaded, those objects are frozen, and the collector is left with a small fraction of them."""
    result = subprocess.run(
        [sys.executable, "-c", REPORT],
        capture_output=True,
        text=True,
        check=True,
        env={"SVTOOLKIT_ENV": "test", "PATH": "/usr/bin:/bin", "PYTHONPATH": "src"},
    )
    frozen, collected = map(int, result.stdout.split())

    assert frozen > 100_000
    assert collected < frozen / 20
