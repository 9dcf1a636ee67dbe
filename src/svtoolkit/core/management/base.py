from django.core.management.base import BaseCommand, CommandError

from svtoolkit.core.backup import BackupError


class QueueNowCommand(BaseCommand):
    """Queues, now, a task the worker also runs on its schedule, and says which task it queued."""

    task = None  # the scheduled task (django-tasks)
    queued = ""  # what it queues, as the message names it: "the recovery reminders"

    def handle(self, *args, **options):
        result = self.task.enqueue()
        self.stdout.write(f"Queued {self.queued} (task {result.id}).")


class ArchiveCommand(BaseCommand):
    """``backup`` and ``restore``: each works on one database (``--database``) and one archive, answers a
    ``BackupError`` as a command error (its message, no traceback), and prints the line ``run`` returns."""

    database_help = ""  # what --database names: "Which database to back up."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help=self.database_help)

    def handle(self, *args, **options):
        try:
            said = self.run(**options)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(said)

    def run(self, **options) -> str:
        raise NotImplementedError


def tables_and_rows(manifest: dict) -> str:
    """How much an archive holds, as both commands say it: "12 tables, 3456 rows"."""
    return f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows"
