from django.core.management.base import BaseCommand

from svtoolkit.communications.tasks import send_update_reminders


class Command(BaseCommand):
    help = "Queue reminders for phased communications updates that are due (run it from cron, say hourly)."

    def handle(self, *args, **options):
        result = send_update_reminders.enqueue()
        self.stdout.write(f"Queued the communications update reminders (task {result.id}).")
