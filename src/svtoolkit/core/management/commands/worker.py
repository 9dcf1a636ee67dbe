import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from svtoolkit.core.scheduling import Scheduler

# The worker each task backend needs, run as its own management command (nothing of theirs is copied here).
WORKERS = {
    "django_tasks_db.DatabaseBackend": ["db_worker", "--queue-name", "default"],
    "django_tasks_rq.RQBackend": ["rqworker", "default", "--job-class", "django_tasks_rq.Job"],
}


class Command(BaseCommand):
    help = (
        "Run the background task worker and, beside it, the scheduler that queues the scheduled jobs "
        "(reminders, the retention job) once however many workers run. Ctrl-C stops both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Run queued tasks only; queue no scheduled jobs from this worker.",
        )

    def handle(self, *, scheduler: bool, verbosity: int, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend not in WORKERS:
            raise CommandError(f"The task backend {backend} keeps no queue for a worker to run.")
        worker = list(WORKERS[backend])
        runs_tasks_here = True
        if worker[0] == "db_worker":
            # The database worker restarts on code changes when DEBUG is on (`make dev`): it then runs again
            # in a child process, which does the work, while this one only watches the files.
            worker.append("--reload" if settings.DEBUG else "--no-reload")
            runs_tasks_here = not settings.DEBUG or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        job_scheduler = Scheduler() if scheduler and runs_tasks_here else None
        if job_scheduler is not None:
            job_scheduler.start()
        try:
            call_command(*worker, verbosity=verbosity)
        finally:
            if job_scheduler is not None:
                job_scheduler.shutdown()
