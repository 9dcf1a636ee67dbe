from django.core.management.base import BaseCommand

from svtoolkit.recovery.tasks import erase_expired_personal_data


class Command(BaseCommand):
    help = "Queue the retention job that erases people's details past the retention period (run it daily)."

    def handle(self, *args, **options):
        result = erase_expired_personal_data.enqueue()
        self.stdout.write(f"Queued the retention job (task {result.id}).")
