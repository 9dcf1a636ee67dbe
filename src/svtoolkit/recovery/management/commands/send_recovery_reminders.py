from svtoolkit.core.management.base import QueueNowCommand
from svtoolkit.recovery.tasks import send_recovery_reminders


class Command(QueueNowCommand):
    help = (
        "Queue, now, the reminders of coming recovery dates and due support follow-ups (the task worker also "
        "does this by itself every morning)."
    )
    task = send_recovery_reminders
    queued = "the recovery reminders"
