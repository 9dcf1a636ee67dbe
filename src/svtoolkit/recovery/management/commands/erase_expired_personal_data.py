from django.core.management.base import BaseCommand

from svtoolkit.recovery.tasks import erase_expired_personal_data


class Command(BaseCommand):
    help = (
        "Queue, now, the retention job that erases people's details past the retention period (the task "
        "worker also runs it by itself every night)."
    )

    def handle(self, *args, **options):
        result = erase_expired_personal_data.enqueue()
        self.stdout.write(f"Queued the retention job (task {result.id}).")
