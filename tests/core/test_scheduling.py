"""Scheduled jobs: each due time runs once, across any number of workers, and a missed one is caught up."""

import dataclasses
import signal
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from svtoolkit.core.models import ScheduledRun
from svtoolkit.core.scheduling import Scheduler, forget_old_runs, job_for, scheduled_jobs
from tests.factories import MembershipFactory, PlanActionFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# What each run of the test job saw: the tasks run in whichever thread queued them (ImmediateBackend) or in
# the database worker, all in this process.
runs: list[datetime] = []


@task()
def note_run() -> None:
    runs.append(datetime.now(LONDON))


@task()
def note_run_then_linger() -> None:
    runs.append(datetime.now(LONDON))
    time.sleep(0.5)  # still inside the scheduler's claim, which commits after the task is queued


# How many more runs of ``fail_then_note_run`` fail before one succeeds.
failures_to_come: list[int] = [0]


@task()
def fail_then_note_run() -> None:
    if failures_to_come[0]:
        failures_to_come[0] -= 1
        raise ConnectionError("the mail server did not answer")
    runs.append(datetime.now(LONDON))


@pytest.fixture(autouse=True)
def _no_runs_yet():
    runs.clear()
    failures_to_come[0] = 0


def at(*when) -> datetime:
    return datetime(*when, tzinfo=LONDON)


def in_threads(*functions):
    """Run each function in its own thread, all released at once; each thread closes its own connection."""
    start = threading.Barrier(len(functions))
    failures = []

    def run(function):
        try:
            start.wait()
            function()
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(function,)) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


def test_the_app_jobs_are_scheduled_as_the_operations_guide_says():
    assert {job.name: job.when for job in scheduled_jobs()} == {
        "alerts.escalate_alerts": "every 1 minute",
        "alerts.remind_partners_not_told": "every 1 minute",
        "communications.send_update_reminders": "every 15 minutes",
        "core.back_up_nightly": "15 0 * * *",
        "core.clear_expired_sessions": "0 3 * * *",
        "core.prune_change_log": "5 * * * *",
        "core.prune_scheduled_runs": "45 2 * * *",
        "core.prune_task_results": "15 3 * * *",
        "core.prune_submission_keys": "30 3 * * *",
        "incidents.escalate_overdue_actions": "every 1 minute",
        "incidents.send_overdue_reminders": "every 15 minutes",
        "messaging.deliver_due_alert_messages": "every 1 minute",
        "messaging.deliver_due_messages": "every 1 minute",
        "partnerships.queue_review_reminders": "0 7 * * *",
        "recovery.erase_expired_personal_data": "30 2 * * *",
        "recovery.send_recovery_reminders": "0 7 * * *",
        "webhooks.deliver_due_webhooks": "every 1 minute",
    }


@pytest.mark.django_db
def test_a_due_slot_runs_its_task_once(time_machine):
    time_machine.move_to(at(2026, 11, 30, 7, 0, 4), tick=False)
    scheduler = Scheduler([job_for(note_run, cron="0 7 * * *")], worker_name="worker-a")
    [run] = scheduler.tick()
    assert run.slot == at(2026, 11, 30, 7, 0)
    assert run.claimed_by == "worker-a"
    assert scheduler.tick() == []
    time_machine.move_to(at(2026, 11, 30, 9, 0), tick=False)
    assert scheduler.tick() == []
    assert runs == [at(2026, 11, 30, 7, 0, 4)]


@pytest.mark.django_db
def test_a_slot_not_yet_due_does_not_run(time_machine):
    job = job_for(note_run, cron="0 7 * * *")
    time_machine.move_to(at(2026, 11, 29, 7, 0), tick=False)
    Scheduler([job]).tick()
    time_machine.move_to(at(2026, 11, 30, 6, 59, 59), tick=False)
    assert Scheduler([job]).tick() == []
    time_machine.move_to(at(2026, 11, 30, 7, 0), tick=False)
    assert [run.slot for run in Scheduler([job]).tick()] == [at(2026, 11, 30, 7, 0)]
    assert len(runs) == 2


@pytest.mark.django_db
def test_a_slot_missed_while_no_worker_ran_is_caught_up_once_when_a_worker_starts(time_machine):
    job = job_for(note_run, cron="0 7 * * *")
    time_machine.move_to(at(2026, 11, 30, 7, 0), tick=False)  # Monday
    Scheduler([job]).tick()
    # No worker from Monday evening to Thursday 09:00: Tuesday's, Wednesday's and Thursday's 07:00 are missed.
    time_machine.move_to(at(2026, 12, 3, 9, 0), tick=False)
    [caught_up] = Scheduler([job], worker_name="started-thursday").tick()
    assert caught_up.slot == at(2026, 12, 3, 7, 0)
    assert Scheduler([job], worker_name="started-later").tick() == []
    assert len(runs) == 2
    assert ScheduledRun.objects.count() == 2


@pytest.mark.django_db
def test_a_daily_time_is_local_time_across_the_clock_change(time_machine):
    job = job_for(note_run, cron="0 7 * * *")
    time_machine.move_to(at(2026, 3, 29, 6, 59), tick=False)  # the clocks went forward at 01:00 GMT
    assert Scheduler([job]).tick()[0].slot == at(2026, 3, 28, 7, 0)
    time_machine.move_to(at(2026, 3, 29, 7, 0), tick=False)
    [run] = Scheduler([job]).tick()
    assert run.slot == datetime(2026, 3, 29, 6, 0, tzinfo=ZoneInfo("UTC"))


@contextmanager
def given_no_more_than(seconds: int):
    """Fail, rather than hang, a test whose scheduler never ends its tick (SIGALRM, in the main thread)."""

    def stop(signum, frame):
        raise TimeoutError(f"the tick went on past {seconds} seconds")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.django_db
def test_a_job_due_every_minute_runs_every_minute_through_the_night_the_clocks_go_back(time_machine):
    # 25 October 2026: at 02:00 BST (01:00 UTC) the clocks go back to 01:00 GMT: 01:00 to 02:00 comes twice.
    job = job_for(note_run, every=timedelta(minutes=1))
    scheduler = Scheduler([job])
    start = datetime(2026, 10, 25, 0, 58, 1, tzinfo=UTC)
    slots = []
    for minute in range(65):
        time_machine.move_to(start + timedelta(minutes=minute), tick=False)
        with given_no_more_than(10):
            slots += [run.slot.astimezone(UTC) for run in scheduler.tick()]
    assert slots == [start.replace(second=0) + timedelta(minutes=minute) for minute in range(65)]
    assert len(runs) == 65


@pytest.mark.django_db
def test_a_daily_job_in_the_hour_that_comes_twice_runs_and_the_scheduler_goes_on(time_machine):
    job = job_for(note_run, cron="30 1 * * *")
    escalation = job_for(note_run, every=timedelta(minutes=1))
    time_machine.move_to(datetime(2026, 10, 25, 1, 45, tzinfo=UTC), tick=False)  # 01:45 GMT, the second time
    with given_no_more_than(10):
        ran = Scheduler([job, escalation]).tick()
    assert [run.slot.astimezone(UTC) for run in ran] == [
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 45, tzinfo=UTC),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_the_same_slot_at_once_run_it_once(time_machine):
    job = job_for(note_run, every=timedelta(minutes=1))
    first, second = Scheduler([job], worker_name="worker-a"), Scheduler([job], worker_name="worker-b")
    for minute in range(5):
        time_machine.move_to(at(2026, 11, 30, 10, minute, 1), tick=False)
        in_threads(first.tick, second.tick)
        # A worker that found the database busy (SQLite) tries again at its next tick, and finds it claimed.
        in_threads(first.tick, second.tick)
    assert ScheduledRun.objects.count() == 5
    assert len(runs) == 5


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_of_the_overdue_reminders_email_each_owner_once(time_machine):
    time_machine.move_to(at(2026, 11, 30, 10, 15, 2), tick=False)
    owner = UserFactory(email="owner@example.org")
    action = PlanActionFactory(owner=owner, due_at=at(2026, 11, 30, 9, 0), title="Check the CCTV")
    MembershipFactory(user=owner, partnership=action.incident.partnership)  # only members are reminded
    [reminders] = [job for job in scheduled_jobs() if job.name == "incidents.send_overdue_reminders"]
    in_threads(Scheduler([reminders]).tick, Scheduler([reminders]).tick)
    assert [message.to for message in mail.outbox] == [["owner@example.org"]]
    assert "Check the CCTV" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_slot_waits_while_the_previous_run_has_not_finished(settings, time_machine):
    settings.TASKS = DATABASE_QUEUE
    job = job_for(note_run, every=timedelta(minutes=15))
    scheduler = Scheduler([job])
    time_machine.move_to(at(2026, 11, 30, 10, 0, 3), tick=False)
    [first] = scheduler.tick()
    time_machine.move_to(at(2026, 11, 30, 10, 15, 3), tick=False)
    assert scheduler.tick() == []  # the 10:00 run is still queued: the 10:15 one must not overlap it
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    [second] = scheduler.tick()
    assert second.slot == at(2026, 11, 30, 10, 15)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(runs) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def _work_the_queue():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_daily_run_that_failed_is_tried_again_minutes_later_not_tomorrow(settings, time_machine):
    """The defect: a daily run whose task failed (the mail server down at 07:00, say) was left failed until
    the next day's slot: a day's reminders unsent."""
    settings.TASKS = DATABASE_QUEUE
    failures_to_come[0] = 1
    scheduler = Scheduler([job_for(fail_then_note_run, cron="0 7 * * *")], worker_name="worker-a")
    time_machine.move_to(at(2026, 11, 30, 7, 0, 4), tick=False)
    [run] = scheduler.tick()
    _work_the_queue()
    assert runs == []
    time_machine.move_to(at(2026, 11, 30, 7, 3), tick=False)
    assert scheduler.tick() == []  # not yet: a moment for whatever failed to pass
    time_machine.move_to(at(2026, 11, 30, 7, 5, 10), tick=False)
    [again] = Scheduler([job_for(fail_then_note_run, cron="0 7 * * *")], worker_name="worker-b").tick()
    assert (again.pk, again.slot, again.attempts, again.claimed_by) == (run.pk, run.slot, 2, "worker-b")
    assert scheduler.tick() == []  # the other worker sees it queued again
    _work_the_queue()
    assert runs == [at(2026, 11, 30, 7, 5, 10)]
    time_machine.move_to(at(2026, 11, 30, 7, 30), tick=False)
    assert scheduler.tick() == []  # it went well: not run again
    assert len(runs) == 1


@pytest.mark.django_db(transaction=True)
def test_a_run_that_keeps_failing_is_tried_three_times_and_a_frequent_job_waits_for_its_next_slot(
    settings, time_machine
):
    settings.TASKS = DATABASE_QUEUE
    failures_to_come[0] = 99
    daily = job_for(fail_then_note_run, cron="0 7 * * *")
    every_five_minutes = dataclasses.replace(
        job_for(fail_then_note_run, every=timedelta(minutes=5)), name="core.every_five_minutes"
    )
    scheduler = Scheduler([daily, every_five_minutes])
    queued = []
    for minute in (0, 1, 4, 5, 6, 10, 15, 16, 40, 59):
        time_machine.move_to(at(2026, 11, 30, 7, minute, 4), tick=False)
        queued += [
            (run.job, timezone.localtime(run.slot).strftime("%H:%M"), run.attempts)
            for run in scheduler.tick()
        ]
        _work_the_queue()
    daily_runs = [entry for entry in queued if entry[0] == daily.name]
    assert daily_runs == [(daily.name, "07:00", 1), (daily.name, "07:00", 2), (daily.name, "07:00", 3)]
    assert all(attempts == 1 for job, _, attempts in queued if job == "core.every_five_minutes")
    assert runs == []


@pytest.mark.django_db(transaction=True)
def test_a_run_left_unfinished_past_the_limit_no_longer_holds_up_the_job(settings, time_machine):
    settings.TASKS = DATABASE_QUEUE
    job = job_for(note_run, every=timedelta(minutes=15), previous_run_limit=timedelta(minutes=20))
    time_machine.move_to(at(2026, 11, 30, 10, 0, 3), tick=False)
    Scheduler([job]).tick()  # queued, and never run: its worker died
    time_machine.move_to(at(2026, 11, 30, 10, 15, 3), tick=False)
    assert Scheduler([job]).tick() == []
    time_machine.move_to(at(2026, 11, 30, 10, 30, 3), tick=False)
    assert [run.slot for run in Scheduler([job]).tick()] == [at(2026, 11, 30, 10, 30)]


@pytest.mark.django_db(transaction=True)
def test_a_started_scheduler_ticks_at_once_in_the_background(time_machine):
    time_machine.move_to(at(2026, 11, 30, 7, 30), tick=False)
    start_then_shut_down_once_it_runs(Scheduler([job_for(note_run, cron="0 7 * * *")]))
    assert runs == [at(2026, 11, 30, 7, 30)]
    assert ScheduledRun.objects.get().slot == at(2026, 11, 30, 7, 0)


@pytest.mark.django_db
def test_old_runs_are_forgotten_but_each_jobs_latest_is_kept(time_machine):
    daily = job_for(note_run, cron="0 7 * * *")
    yearly = job_for(note_run, cron="0 7 1 1 *")
    yearly = dataclasses.replace(yearly, name="yearly")
    time_machine.move_to(at(2026, 1, 1, 7, 0), tick=False)
    Scheduler([daily, yearly]).tick()
    for day in range(2, 32):
        time_machine.move_to(at(2026, 1, day, 7, 0), tick=False)
        Scheduler([daily]).tick()
    assert forget_old_runs() == 16  # 1 to 16 January of the daily job: more than 14 days before 31 January
    assert ScheduledRun.objects.filter(job="yearly").count() == 1
    assert Scheduler([daily, yearly]).tick() == []  # so the yearly job is not run again


def test_a_schedule_can_be_moved_or_switched_off_in_the_settings(settings):
    settings.SCHEDULE_OVERRIDES = {
        "recovery.send_recovery_reminders": "0 6 * * mon-fri",
        "recovery.erase_expired_personal_data": "off",
    }
    jobs = {job.name: job.when for job in scheduled_jobs()}
    assert jobs["recovery.send_recovery_reminders"] == "0 6 * * mon-fri"
    assert "recovery.erase_expired_personal_data" not in jobs


def test_a_setting_that_names_no_job_or_a_bad_time_is_refused(settings):
    settings.SCHEDULE_OVERRIDES = {"recovery.send_reminders": "0 6 * * *"}
    with pytest.raises(ImproperlyConfigured, match="names no scheduled job recovery.send_reminders"):
        scheduled_jobs()
    settings.SCHEDULE_OVERRIDES = {"recovery.send_recovery_reminders": "0 25 * * *"}
    with pytest.raises(ImproperlyConfigured, match="recovery.send_recovery_reminders"):
        scheduled_jobs()


def test_days_of_the_week_must_be_named_as_apscheduler_counts_from_monday():
    with pytest.raises(ValueError, match="name the days of the week"):
        job_for(note_run, cron="0 7 * * 1-5")
    assert job_for(note_run, cron="0 7 * * mon-fri").when == "0 7 * * mon-fri"


def test_every_is_a_whole_number_of_minutes():
    with pytest.raises(ValueError, match="whole number of minutes"):
        job_for(note_run, every=timedelta(seconds=90))


@pytest.mark.django_db(transaction=True)
def test_shutting_the_scheduler_down_lets_the_tick_under_way_commit_its_claim(time_machine):
    time_machine.move_to(at(2026, 11, 30, 7, 30), tick=False)
    start_then_shut_down_once_it_runs(Scheduler([job_for(note_run_then_linger, cron="0 7 * * *")]))
    run = ScheduledRun.objects.get()
    assert (run.slot, run.task_result_id != "") == (at(2026, 11, 30, 7, 0), True)


def start_then_shut_down_once_it_runs(scheduler: Scheduler) -> None:
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not runs and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the scheduler's thread, not moving the clock
    finally:
        scheduler.shutdown()
