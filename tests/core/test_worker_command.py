"""`svtoolkit worker`, as `make run` starts it: the task worker with the scheduler inside; Ctrl-C stops both.

Runs the real command in its own process, in demo mode, on a freshly migrated SQLite database of its own.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
APP_JOBS = {
    "alerts.escalate_alerts",
    "communications.send_update_reminders",
    "core.back_up_nightly",
    "core.clear_expired_sessions",
    "core.prune_scheduled_runs",
    "core.prune_task_results",
    "core.prune_submission_keys",
    "incidents.escalate_overdue_actions",
    "incidents.send_overdue_reminders",
    "messaging.deliver_due_messages",
    "partnerships.queue_review_reminders",
    "recovery.erase_expired_personal_data",
    "recovery.send_recovery_reminders",
    "webhooks.deliver_due_webhooks",
}


def _runs_and_results(database: Path) -> tuple[set[str], list[str]]:
    with sqlite3.connect(database) as db:
        jobs = {job for (job,) in db.execute("SELECT job FROM core_scheduledrun")}
        results = db.execute("SELECT status FROM django_tasks_database_dbtaskresult")
        statuses = [status for (status,) in results]
    return jobs, statuses


@pytest.mark.slow
def test_the_worker_runs_the_scheduled_jobs_and_stops_on_ctrl_c(tmp_path, databases):
    database_url = databases.migrated("sqlite", "worker")
    environment = {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "SVTOOLKIT_TASK_QUEUE", "SVTOOLKIT_SCHEDULE"}
        },
        "SVTOOLKIT_ENV": "demo",
        "SVTOOLKIT_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(SRC),  # this checkout's code, whichever checkout the virtualenv was installed from
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": database_url,
    }
    svtoolkit = [sys.executable, "-m", "svtoolkit.cli"]
    database = Path(database_url.removeprefix("sqlite:///"))

    worker = subprocess.Popen(
        [*svtoolkit, "worker"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        # Nothing has ever run on this database, so each job's latest time is caught up as the worker starts.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            jobs, statuses = _runs_and_results(database)
            if jobs == APP_JOBS and len(statuses) == len(APP_JOBS) and set(statuses) == {"SUCCESSFUL"}:
                break
            time.sleep(0.2)  # waiting for another process, not moving the clock
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()

    assert worker.returncode == 0, output
    assert "Scheduler started" in output
    jobs, statuses = _runs_and_results(database)
    assert jobs == APP_JOBS, output
    assert statuses == ["SUCCESSFUL"] * len(APP_JOBS), output
