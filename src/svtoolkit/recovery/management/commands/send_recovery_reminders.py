from django.core.management.base import BaseCommand

from svtoolkit.recovery.tasks import send_recovery_reminders


class Command(BaseCommand):
    help = "Queue the reminders of coming recovery dates and due support follow-ups (run it daily from cron)."

    def handle(self, *args, **options):
        result = send_recovery_reminders.enqueue()
        self.stdout.write(f"Queued the recovery reminders (task {result.id}).")
