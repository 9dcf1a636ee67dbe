from django.core.management.base import BaseCommand

from svtoolkit.communications.tasks import send_update_reminders


class Command(BaseCommand):
    help = (
        "Queue, now, the reminders for phased communications updates that are due (the task worker also does "
        "this by itself every 15 minutes)."
    )

    def handle(self, *args, **options):
        result = send_update_reminders.enqueue()
        self.stdout.write(f"Queued the communications update reminders (task {result.id}).")
