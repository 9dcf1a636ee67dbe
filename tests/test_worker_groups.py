"""The README's test command (`pytest -n 2 --dist loadgroup`) keeps the tests of one ``xdist_group`` on one
worker, so a group's module fixtures are built once, and hands out the slow tests first (tests/conftest.py,
pytest_collection_modifyitems)."""

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


def pytest_run(*arguments):
    """pytest's own run on SQLite, clear of this run's workers and their test databases."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "DATABASE_URL"))}
    command = [sys.executable, "-m", "pytest", *arguments]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def test_the_tests_of_a_group_run_on_one_worker():
    run = pytest_run("-n", "2", "--dist", "loadgroup", "-v", *GROUPED)
    ran = re.findall(r"^\[(gw\d+)\].* PASSED (\S+)", run.stdout, re.MULTILINE)
    assert sorted(nodeid for _, nodeid in ran) == sorted(f"{test}@backup_restore" for test in GROUPED)
    assert len({worker for worker, _ in ran}) == 1, ran


def test_a_slow_test_is_handed_out_before_quicker_ones_collected_before_it():
    quick, slow = "tests/core/test_working_days.py", "tests/core/test_worker_command.py"
    run = pytest_run("--collect-only", "-q", quick, slow)
    collected = [line for line in run.stdout.splitlines() if "::" in line]
    assert collected[0].startswith(slow) and len(collected) > 1
