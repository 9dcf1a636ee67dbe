"""Scheduled work: each app says, beside its task, when the task runs; the task worker runs it, once.

Declare a schedule on a django-tasks task that takes no arguments, in the app's ``tasks.py``::

    from svtoolkit.core.scheduling import scheduled

    @scheduled(cron="0 7 * * *")            # 07:00 every day, in settings.SCHEDULE_TIMEZONE
    @task()
    def send_recovery_reminders() -> int: ...

    @scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
    @task()
    def sweep_deliveries() -> int: ...

What a schedule promises:

- ``cron`` is a crontab line (minute hour day-of-month month day-of-week), read by APScheduler in
  ``settings.SCHEDULE_TIMEZONE`` (Europe/London: 07:00 stays 07:00 when the clocks change). Name the days
  of the week (``mon-fri``): APScheduler 3 counts 0 as Monday, not Sunday, so numbers there are refused.
- ``every`` is a whole number of minutes, counted from midnight on 1 January 2000, so that every worker agrees
  on the times (``every=timedelta(minutes=15)`` is due at :00, :15, :30 and :45).
- Each due time (a *slot*) is queued **once**, however many workers run: the worker that inserts the
  ``ScheduledRun(job, slot)`` row (unique) queues the task in the same transaction; the others skip it.
- A slot missed while no worker ran is run once when a worker starts: the latest missed slot only, so the
  07:00 reminders still go out after a night with the machine off, and a week off does not send seven.
- Runs of one job never overlap: a slot waits while the job's previous run is still queued or running, for at
  most ``previous_run_limit`` (30 minutes unless given) after that run was queued; a run that old is taken to
  have died with its worker. A slot that waits until the next one is due is skipped.
- A run whose task failed (a locked database, a lost connection) is queued again, as a message is sent
  again: ``RETRY_AFTER`` after it was queued, then twice that, up to ``RUN_ATTEMPTS`` times in all, unless
  the job's next slot comes sooner (it does the work then). So a failure at 07:00 does not leave the day's
  reminders unsent until tomorrow; the tasks are written to be run again (each does what is still to do).
- The scheduler looks every ``TICK`` (10 seconds), so a run starts within seconds of its time when the queue
  is free.
- The job's name is the task's path without ``svtoolkit.`` and ``.tasks``
  (``recovery.send_recovery_reminders``). ``ScheduledRun`` records it, and ``SVTOOLKIT_SCHEDULE`` uses it
  to move a job or switch it off.
- The task takes no arguments: to work on many things, loop over them or queue one task for each.

``svtoolkit worker`` runs a ``Scheduler`` beside the task worker; ``svtoolkit scheduled_jobs`` lists the jobs,
their last run and their next slot.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist

from svtoolkit.core.cache import OUTAGE_ERRORS
from svtoolkit.core.models import ScheduledRun

# What a scheduled task reminds people of (an overdue action, a plan's next update) is reminded of at most
# once in this time: once a day at most.
REMINDER_GAP = timedelta(hours=23)


def not_reminded_lately(now) -> Q:
    """Rows (with a ``last_reminded_at``) never reminded of, or not since ``REMINDER_GAP`` before ``now``."""
    return Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - REMINDER_GAP)


logger = logging.getLogger(__name__)

TICK = timedelta(seconds=10)
PREVIOUS_RUN_LIMIT = timedelta(minutes=30)
RUN_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
# How often a worker asks whether a job's latest run failed: not every tick, which touches no database.
LOOK_FOR_FAILURES_EVERY = timedelta(minutes=1)
# ScheduledRun rows older than this are pruned (each job's latest is kept: it says whether that slot ran).
KEEP_RUNS = timedelta(days=14)
UNFINISHED = {TaskResultStatus.READY, TaskResultStatus.RUNNING}
# How far back to look for a job's latest slot: widening steps keep the walk short for jobs due every minute
# and still find those due once a year.
_LOOKBACKS = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=32),
    timedelta(days=367),
)
_EVERY_COUNTED_FROM = datetime(2000, 1, 1)


@dataclass(frozen=True)
class ScheduledJob:
    """A task and when it is due."""

    name: str
    task: Task
    when: str
    trigger: BaseTrigger
    previous_run_limit: timedelta

    def latest_slot(self, now: datetime) -> datetime | None:
        """The last time the job was due, at or before ``now`` (None if it was not due within a year)."""
        for lookback in _LOOKBACKS:
            slot = self._due_from(now.astimezone(UTC) - lookback)
            if slot is not None and slot <= now:
                while (following := self.next_slot(slot)) is not None and following <= now:
                    slot = following
                return slot
        return None

    def next_slot(self, after: datetime) -> datetime | None:
        """The first time the job is due after ``after``."""
        return self._due_from(after.astimezone(UTC) + timedelta(microseconds=1))

    def _due_from(self, moment: datetime) -> datetime | None:
        """The first time the job is due at or after ``moment``, in UTC. Python adds to and compares two times
        of one zone by the clock on the wall, dropping which of the two 01:30s it was on the night the clocks
        go back: a slot in that hour kept in London time would be taken for the hour before, and the walk
        from slot to slot would go round that hour for ever."""
        slot = self.trigger.get_next_fire_time(None, moment)
        return slot.astimezone(UTC) if slot is not None else None


@dataclass(frozen=True)
class _Declaration:
    task: Task
    cron: str | None
    every: timedelta | None
    previous_run_limit: timedelta


_declared: dict[str, _Declaration] = {}


def job_name(task: Task) -> str:
    return task.module_path.removeprefix("svtoolkit.").replace(".tasks.", ".")


def job_for(
    task: Task,
    *,
    cron: str | None = None,
    every: timedelta | None = None,
    previous_run_limit: timedelta = PREVIOUS_RUN_LIMIT,
) -> ScheduledJob:
    """The job that runs ``task`` on a crontab line or every so many minutes; ValueError if it is wrong."""
    if (cron is None) == (every is None):
        raise ValueError("Give a schedule either as cron or as every, not both or neither.")
    zone = ZoneInfo(settings.SCHEDULE_TIMEZONE)
    if cron is not None:
        fields = cron.split()
        if len(fields) == 5 and any(character.isdigit() for character in fields[4]):
            raise ValueError(
                f"{cron!r}: name the days of the week (mon-fri); APScheduler 3 counts 0 as Monday, "
                "not Sunday."
            )
        trigger = CronTrigger.from_crontab(cron, timezone=zone)
        when = cron
    else:
        minutes, remainder = divmod(every, timedelta(minutes=1))
        if remainder or minutes < 1:
            raise ValueError(f"every must be a whole number of minutes, not {every}.")
        trigger = IntervalTrigger(
            minutes=minutes, start_date=_EVERY_COUNTED_FROM.replace(tzinfo=zone), timezone=zone
        )
        when = f"every {minutes} minute{'s' if minutes != 1 else ''}"
    return ScheduledJob(
        name=job_name(task), task=task, when=when, trigger=trigger, previous_run_limit=previous_run_limit
    )


def scheduled(
    *,
    cron: str | None = None,
    every: timedelta | None = None,
    previous_run_limit: timedelta = PREVIOUS_RUN_LIMIT,
):
    """Declare when a task runs (see the module's docstring); put it above ``@task()``."""

    def declare(task: Task) -> Task:
        if not isinstance(task, Task):
            raise TypeError("@scheduled goes above @task(): it schedules a django-tasks task.")
        job = job_for(task, cron=cron, every=every, previous_run_limit=previous_run_limit)
        _declared[job.name] = _Declaration(
            task=task, cron=cron, every=every, previous_run_limit=previous_run_limit
        )
        return task

    return declare


def scheduled_jobs() -> list[ScheduledJob]:
    """Every declared job (each app's ``tasks`` module imported first), as SVTOOLKIT_SCHEDULE changes them."""
    autodiscover_modules("tasks")
    overrides = settings.SCHEDULE_OVERRIDES
    unknown = sorted(set(overrides) - set(_declared))
    if unknown:
        raise ImproperlyConfigured(
            f"SVTOOLKIT_SCHEDULE names no scheduled job {', '.join(unknown)}; the jobs are "
            f"{', '.join(sorted(_declared))}."
        )
    jobs = []
    for name, declared in sorted(_declared.items()):
        when = overrides.get(name)
        if when == "off":
            continue
        try:
            jobs.append(
                job_for(
                    declared.task,
                    cron=when or declared.cron,
                    every=None if when else declared.every,
                    previous_run_limit=declared.previous_run_limit,
                )
            )
        except ValueError as error:
            raise ImproperlyConfigured(f"SVTOOLKIT_SCHEDULE for {name}: {error}") from error
    return jobs


def next_run_of(name: str, *, after: datetime) -> datetime | None:
    """When the job called ``name`` is next due after ``after`` (None when SVTOOLKIT_SCHEDULE switches it
    off)."""
    for job in scheduled_jobs():
        if job.name == name:
            return job.next_slot(after)
    return None


def run_status(job: ScheduledJob, run: ScheduledRun) -> TaskResultStatus | None:
    """How the task queued for a run stands, if the task backend keeps results (None if not, or forgotten)."""
    backend = job.task.get_backend()
    if not run.task_result_id or not backend.supports_get_result:
        return None
    try:
        return backend.get_result(run.task_result_id).status
    except TaskResultDoesNotExist:
        return None


def last_run(job: ScheduledJob) -> ScheduledRun | None:
    return ScheduledRun.objects.filter(job=job.name).order_by("-slot").first()


def forget_old_runs(*, older_than: timedelta = KEEP_RUNS) -> int:
    """Delete ScheduledRun rows older than ``older_than`` but each job's latest; returns how many went."""
    cutoff = timezone.now() - older_than
    deleted = 0
    for job, latest in ScheduledRun.objects.values_list("job").annotate(latest=Max("slot")):
        deleted += ScheduledRun.objects.filter(job=job, slot__lt=min(latest, cutoff)).delete()[0]
    return deleted


class Scheduler:
    """Queues the due slots of scheduled jobs, claiming each first; one in each worker process.

    ``tick()`` does one round; ``start()`` runs rounds every TICK in a background thread, the first at once
    (which is what catches up a slot missed while no worker ran).
    """

    def __init__(self, jobs: list[ScheduledJob] | None = None, *, worker_name: str = ""):
        self.jobs = scheduled_jobs() if jobs is None else jobs
        self.worker_name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
        # The latest slot of each job known to be claimed, by this worker or another: no need to ask again.
        self._settled: dict[str, datetime] = {}
        # When this worker last asked whether each job's latest run failed.
        self._looked_for_failure: dict[str, datetime] = {}
        self._background: BackgroundScheduler | None = None

    def tick(self) -> list[ScheduledRun]:
        """Claim and queue each job's latest slot if nobody has, or again if its run failed and may be tried
        again; returns the runs this worker queued."""
        now = timezone.now()
        queued = []
        for job in self.jobs:
            slot = job.latest_slot(now)
            if slot is None:
                continue
            try:
                run = None if self._settled.get(job.name) == slot else self._claim(job, slot)
                if run is None and self._settled.get(job.name) == slot:
                    run = self._again_if_failed(job, slot, now)
            except (DatabaseError, *OUTAGE_ERRORS):
                # A locked or lost database, or a task queue (Redis) that is down: the claim is rolled back
                # with the failed queueing, so the slot stays unclaimed and the next tick tries again.
                logger.exception("Could not claim %s at %s; trying again shortly", job.name, slot)
                continue
            if run is not None:
                queued.append(run)
        return queued

    def _tick_in_background(self) -> None:
        # Most ticks touch no database (their slots are settled); those that do close their connection after,
        # so an idle scheduler holds none and never finds one the database has since dropped.
        try:
            self.tick()
        finally:
            connections.close_all()

    def _claim(self, job: ScheduledJob, slot: datetime) -> ScheduledRun | None:
        if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            self._settled[job.name] = slot
            return None
        if self._previous_run_unfinished(job):
            return None
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot, claimed_by=self.worker_name)
                # The task is queued in the claim's transaction: no claim without its task, nor a task twice.
                with transaction.atomic():
                    result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            logger.debug("%s at %s was claimed by another worker", job.name, slot)
            self._settled[job.name] = slot
            return None
        self._settled[job.name] = slot
        logger.info("Queued %s for %s (task %s)", job.name, timezone.localtime(slot), run.task_result_id)
        return run

    def _again_if_failed(self, job: ScheduledJob, slot: datetime, now: datetime) -> ScheduledRun | None:
        """Queue the slot's task again when its run failed, it is time to try again, and the next slot is not
        about to do the work; claimed on the run's attempts, so two workers never both queue it."""
        if now - self._looked_for_failure.get(job.name, slot) < LOOK_FOR_FAILURES_EVERY:
            return None
        self._looked_for_failure[job.name] = now
        run = ScheduledRun.objects.filter(job=job.name, slot=slot).first()
        if run is None or run.attempts >= RUN_ATTEMPTS:
            return None
        following = job.next_slot(slot)
        if now < run.claimed_at + RETRY_AFTER * 2 ** (run.attempts - 1) or (
            following is not None and following <= now + RETRY_AFTER
        ):
            return None
        if run_status(job, run) != TaskResultStatus.FAILED:
            return None
        with transaction.atomic():
            claimed = ScheduledRun.objects.filter(pk=run.pk, attempts=run.attempts).update(
                attempts=F("attempts") + 1, claimed_at=now, claimed_by=self.worker_name
            )
            if not claimed:
                return None
            with transaction.atomic():
                result = job.task.enqueue()
            ScheduledRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
        run.refresh_from_db()
        logger.warning(
            "Queued %s for %s again (attempt %d of %d): its last run failed",
            job.name,
            timezone.localtime(slot),
            run.attempts,
            RUN_ATTEMPTS,
        )
        return run

    def _previous_run_unfinished(self, job: ScheduledJob) -> bool:
        previous = last_run(job)
        if previous is None or timezone.now() - previous.claimed_at >= job.previous_run_limit:
            return False
        if run_status(job, previous) in UNFINISHED:
            due = timezone.localtime(previous.slot)
            logger.info("%s waits: its run due at %s has not finished", job.name, due)
            return True
        return False

    def start(self) -> None:
        """Tick in a background thread: at once, then every TICK, until ``shutdown()``."""
        # One thread for the ticks, so they never overlap and hold one database connection.
        self._background = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)}, timezone=settings.SCHEDULE_TIMEZONE
        )
        self._background.add_job(
            self._tick_in_background,
            IntervalTrigger(seconds=TICK.total_seconds()),
            id="svtoolkit-scheduler-tick",
            next_run_time=timezone.now(),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._background.start()
        logger.info(
            "Scheduler started for %s: %s",
            self.worker_name,
            "; ".join(f"{job.name} ({job.when})" for job in self.jobs) or "no jobs",
        )

    def shutdown(self) -> None:
        """Stop ticking. A tick under way finishes first, so its claim is committed or rolled back here and
        not cut off when the process exits."""
        if self._background is not None:
            self._background.shutdown(wait=True)
            self._background = None
