"""Background housekeeping: the scheduler's own records, expired sessions and finished task results."""

from django.conf import settings
from django.core.management import call_command
from django_tasks import task

from svtoolkit.core.scheduling import forget_old_runs, scheduled


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
