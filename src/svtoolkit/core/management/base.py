from django.core.management.base import BaseCommand


class QueueNowCommand(BaseCommand):
    """Queues, now, a task the worker also runs on its schedule, and says which task it queued."""

    task = None  # the scheduled task (django-tasks)
    queued = ""  # what it queues, as the message names it: "the recovery reminders"

    def handle(self, *args, **options):
        result = self.task.enqueue()
        self.stdout.write(f"Queued {self.queued} (task {result.id}).")
