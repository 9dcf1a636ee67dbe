from svtoolkit.alerts.tasks import escalate_alerts
from svtoolkit.core.management.base import QueueNowCommand


class Command(QueueNowCommand):
    help = (
        "Queue, now, the escalation of alerts no one has acknowledged in time (the task worker also does "
        "this by itself every minute, in the alerts queue)."
    )
    task = escalate_alerts
    queued = "the alert escalation"
