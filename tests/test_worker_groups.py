"""The README's test command (`pytest -n 2 --dist loadgroup`) keeps the tests of one ``xdist_group`` on one
worker, so a group's module fixtures are built once (tests/conftest.py, pytest_collection_modifyitems)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Two quick tests of the backup_restore group (neither needs the group's populated database).
GROUPED = [
    "tests/core/test_backup_restore.py::test_the_nightly_backup_does_nothing_until_it_is_turned_on",
    "tests/core/test_backup_restore.py::test_pruning_keeps_the_newest_archive_whatever_its_age",
]


def test_the_tests_of_a_group_run_on_one_worker():
    # Its own run on SQLite, clear of this run's workers and their test databases.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DATABASE_URL"))}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", *GROUPED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ran = re.findall(r"^\[(gw\d+)\].* PASSED (\S+)", run.stdout, re.MULTILINE)
    assert sorted(nodeid for _, nodeid in ran) == sorted(f"{test}@backup_restore" for test in GROUPED)
    assert len({worker for worker, _ in ran}) == 1, ran
