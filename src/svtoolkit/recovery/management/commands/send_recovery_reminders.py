from django.core.management.base import BaseCommand

from svtoolkit.recovery.tasks import send_recovery_reminders


class Command(BaseCommand):
    help = (
        "Queue, now, the reminders of coming recovery dates and due support follow-ups (the task worker also "
        "does this by itself every morning)."
    )

    def handle(self, *args, **options):
        result = send_recovery_reminders.enqueue()
        self.stdout.write(f"Queued the recovery reminders (task {result.id}).")
