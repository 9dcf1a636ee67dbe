"""`svtoolkit worker`, as `make run` starts it: the task workers (the default queue's and the alerts') with
the scheduler inside; Ctrl-C stops them all; an alert never waits for ordinary messages.

Runs the real command in its own process, in demo mode, on a freshly migrated SQLite database of its own.
"""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from svtoolkit.core.management.commands.worker import SIGNALS_APART
from tests.messaging.servers import ControlledSMTP
from tests.processes import children_of, command_line, descendants_of, kill_with_descendants, running

SRC = Path(__file__).resolve().parents[2] / "src"
# Redis database 12 unless CI or a developer names another; the test empties it, so never use a shared one.
WORKER_REDIS_URL = os.environ.get("SVTOOLKIT_TEST_REDIS_URL_WORKER", "redis://127.0.0.1:6379/12")
SVTOOLKIT = [sys.executable, "-m", "svtoolkit.cli"]
APP_JOBS = {
    "alerts.escalate_alerts",
    "alerts.remind_partners_not_told",
    "communications.send_update_reminders",
    "core.back_up_nightly",
    "core.clear_expired_sessions",
    "core.prune_change_log",
    "core.prune_scheduled_runs",
    "core.prune_task_results",
    "core.prune_submission_keys",
    "incidents.escalate_overdue_actions",
    "incidents.send_overdue_reminders",
    "messaging.deliver_due_alert_messages",
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


def _operator_environment(tmp_path, database_url: str, **settings: str) -> dict:
    """The environment `make run` gives the worker (demo mode), on the given database, with ``settings``."""
    return {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "SVTOOLKIT_TASK_QUEUE", "SVTOOLKIT_SCHEDULE"}
        },
        "SVTOOLKIT_ENV": "demo",
        "SVTOOLKIT_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(SRC),  # this checkout's code, whichever checkout the virtualenv was installed from
        "DATABASE_URL": database_url,
        **settings,
    }


@pytest.mark.slow
def test_the_worker_runs_the_scheduled_jobs_and_stops_on_ctrl_c(tmp_path, databases):
    database_url = databases.migrated("sqlite", "worker")
    environment = _operator_environment(tmp_path, database_url, EMAIL_URL="consolemail://")
    database = Path(database_url.removeprefix("sqlite:///"))

    worker = subprocess.Popen(
        [*SVTOOLKIT, "worker"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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
            kill_with_descendants(worker)

    assert worker.returncode == 0, output
    assert "Scheduler started" in output
    jobs, statuses = _runs_and_results(database)
    assert jobs == APP_JOBS, output
    assert statuses == ["SUCCESSFUL"] * len(APP_JOBS), output


# Twenty emails to partners and a duty officer's alert by text, queued as svtoolkit's services queue them.
ORDINARY_MESSAGE = """
from svtoolkit.messaging import services
services.send(
    kind="partner_notice",
    subject="Meeting moved to Thursday",
    body="The multi-agency meeting moves to Thursday at 10:00.",
    recipients=[services.Recipient(label=f"Partner {n}", email=f"partner{n}@example.org") for n in range(20)],
)
"""
ALERT = """
from svtoolkit.messaging import services
from svtoolkit.messaging.models import Urgency
services.send(
    kind="alert",
    subject="SB-2026-0007: stabbing reported",
    body="A stabbing was reported near Market Street.",
    sms_text="SB-2026-0007 stabbing reported near Market Street.",
    urgency=Urgency.ALERT,
    recipients=[services.Recipient(label="Duty officer", mobile="07700900123")],
)
"""


def _deliveries(database: Path, urgency: str) -> list[tuple[str, str, int]]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT delivery.channel, delivery.status, delivery.attempts FROM messaging_delivery delivery"
            " JOIN messaging_notification message ON message.id = delivery.notification_id"
            " WHERE message.urgency = ?",
            [urgency],
        ).fetchall()


@pytest.mark.slow
def test_an_alert_is_texted_at_once_while_ordinary_emails_hold_the_worker_on_a_hung_mail_server(
    tmp_path, databases
):
    mail_server = ControlledSMTP()
    mail_server.mode = "hang"
    mail_server.hang_seconds = 120  # it never answers a message within the send timeout
    mail_server.start()
    database_url = databases.migrated("sqlite", "alerts_lane")
    environment = _operator_environment(
        tmp_path, database_url, EMAIL_URL=f"smtp://127.0.0.1:{mail_server.port}", SVTOOLKIT_SEND_TIMEOUT="3"
    )
    database = Path(database_url.removeprefix("sqlite:///"))
    shell = [*SVTOOLKIT, "shell", "--command"]
    # Each email waits out the 3-second send timeout: sending the twenty takes the worker a minute.
    subprocess.run([*shell, ORDINARY_MESSAGE], env=environment, check=True, capture_output=True, timeout=60)

    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen([*SVTOOLKIT, "worker"], env=environment, stdout=output, stderr=output)
    try:
        assert mail_server.data_started.wait(timeout=60), log.read_text()
        subprocess.run([*shell, ALERT], env=environment, check=True, capture_output=True, timeout=60)
        raised = time.monotonic()
        while time.monotonic() - raised < 3 and _deliveries(database, "alert") != [("sms", "delivered", 1)]:
            time.sleep(0.1)  # waiting for another process, not moving the clock
        texted = _deliveries(database, "alert")
        emails = _deliveries(database, "normal")
        # Ctrl-C twice: the second cuts short the email the worker is stuck on.
        worker.send_signal(signal.SIGINT)
        time.sleep(0.5)
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            kill_with_descendants(worker)
        mail_server.stop()

    assert texted == [("sms", "delivered", 1)], log.read_text()  # within 3 seconds of the alert
    assert any(attempts == 0 for _, _, attempts in emails), "the emails were no longer holding the worker up"
    assert not mail_server.received


ALERT_BY_EMAIL = """
from svtoolkit.messaging import services
from svtoolkit.messaging.models import Urgency
services.send(
    kind="alert",
    subject="SB-2026-0007: stabbing reported",
    body="A stabbing was reported near Market Street.",
    urgency=Urgency.ALERT,
    recipients=[services.Recipient(label="Duty officer", email="duty@example.org")],
)
"""


@pytest.mark.slow
def test_a_second_ctrl_c_stops_an_rq_alerts_worker_stuck_on_a_send_at_once(tmp_path, databases):
    """The first Ctrl-C lets the alerts worker finish its send; a second stops it, and its work-horse, at once
    (the send stays claimed: the next sweep sends it again once the claim runs out)."""
    mail_server = ControlledSMTP()
    mail_server.mode = "hang"
    mail_server.hang_seconds = 120
    mail_server.start()
    redis.Redis.from_url(WORKER_REDIS_URL).flushdb()
    database_url = databases.migrated("sqlite", "second_ctrl_c")
    environment = _operator_environment(
        tmp_path,
        database_url,
        EMAIL_URL=f"smtp://127.0.0.1:{mail_server.port}",
        SVTOOLKIT_SEND_TIMEOUT="60",  # stuck on the send for longer than anyone waits for Ctrl-C to work
        SVTOOLKIT_TASK_QUEUE="redis",
        REDIS_URL=WORKER_REDIS_URL,
    )
    log = tmp_path / "worker.log"
    alerts_worker_and_horse = []
    with log.open("w") as output:
        worker = subprocess.Popen([*SVTOOLKIT, "worker"], env=environment, stdout=output, stderr=output)
    try:
        shell = [*SVTOOLKIT, "shell", "--command", ALERT_BY_EMAIL]
        subprocess.run(shell, env=environment, check=True, capture_output=True, timeout=60)
        assert mail_server.data_started.wait(timeout=60), log.read_text()
        [alerts_worker] = [pid for pid in children_of(worker.pid) if "alerts" in command_line(pid)]
        alerts_worker_and_horse = [alerts_worker, *descendants_of(alerts_worker)]
        assert len(alerts_worker_and_horse) == 2, log.read_text()  # `rqworker alerts` and the job it forked
        worker.send_signal(signal.SIGINT)
        time.sleep(SIGNALS_APART)  # RQ takes a second Ctrl-C within a second of the first for the same one
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=10)
        gone = time.monotonic() + 5
        while any(map(running, alerts_worker_and_horse)) and time.monotonic() < gone:
            time.sleep(0.05)  # waiting for other processes, not moving the clock
        left_running = [pid for pid in alerts_worker_and_horse if running(pid)]
    finally:
        if worker.poll() is None:
            kill_with_descendants(worker)
        for pid in alerts_worker_and_horse:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        mail_server.stop()

    assert left_running == [], log.read_text()
    assert "stopping the alerts worker at once" in log.read_text()
