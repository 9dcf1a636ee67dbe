from django.core.management.base import BaseCommand

from svtoolkit.incidents.tasks import send_overdue_reminders


class Command(BaseCommand):
    help = (
        "Queue, now, the emails reminding owners of overdue actions (the task worker also does this by "
        "itself every 15 minutes)."
    )

    def handle(self, *args, **options):
        result = send_overdue_reminders.enqueue()
        self.stdout.write(f"Queued the overdue-action reminders (task {result.id}).")
