from django.core.management.base import BaseCommand

from svtoolkit.alerts.services import escalate_alerts


class Command(BaseCommand):
    help = "Alert the next people on the duty rota for alerts no one has acknowledged in time (every minute)."

    def handle(self, *args, **options):
        taken = escalate_alerts()
        self.stdout.write(f"{taken} escalation step{'s' if taken != 1 else ''} taken.")
