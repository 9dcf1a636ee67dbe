"""Background housekeeping: the scheduler's own records, expired sessions, finished task results, the change
log, and the nightly backup when it is turned on."""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django_tasks import task

from svtoolkit.core import backup
from svtoolkit.core.changes import forget_old_changes
from svtoolkit.core.scheduling import forget_old_runs, scheduled
from svtoolkit.core.submissions import forget_old_submissions


@scheduled(cron="45 2 * * *")
@task()
def prune_scheduled_runs() -> int:
    """Forget scheduled runs older than two weeks (keeping each job's latest); returns how many went."""
    return forget_old_runs()


@scheduled(cron="0 3 * * *")
@task()
def clear_expired_sessions() -> None:
    """Remove expired sessions from the database, where they are kept with or without Redis."""
    call_command("clearsessions")


@scheduled(cron="15 3 * * *")
@task()
def prune_task_results() -> None:
    """Remove finished task results older than 14 days: queued invitation tasks hold the invitation link."""
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command("prune_db_task_results", "--min-age-days", "14", verbosity=0)


@scheduled(cron="30 3 * * *")
@task()
def prune_submission_keys() -> int:
    """Forget one-time form keys older than two days; returns how many went."""
    return forget_old_submissions()


@scheduled(cron="5 * * * *")
@task()
def prune_change_log() -> int:
    """Forget logged changes older than an hour, keeping each incident's newest (core.changes); returns how
    many went."""
    return forget_old_changes()


# Just after midnight, clear of the clock changes (01:00-02:00) and of the housekeeping from 02:45.
@scheduled(cron="15 0 * * *", previous_run_limit=timedelta(hours=6))
@task()
def back_up_nightly() -> str:
    """When SVTOOLKIT_BACKUP_NIGHTLY is on: back up into BACKUP_DIR, check the archive, and delete archives
    older than BACKUP_KEEP_DAYS (the newest is always kept). Returns the new archive's path."""
    if not settings.BACKUP_NIGHTLY:
        return ""
    path = backup.create_backup(settings.BACKUP_DIR)
    backup.check_archive(path)
    backup.prune_backups(settings.BACKUP_DIR, keep_days=settings.BACKUP_KEEP_DAYS)
    return str(path)
