from svtoolkit.communications.tasks import send_update_reminders
from svtoolkit.core.management.base import QueueNowCommand


class Command(QueueNowCommand):
    help = (
        "Queue, now, the reminders for phased communications updates that are due (the task worker also does "
        "this by itself every 15 minutes)."
    )
    task = send_update_reminders
    queued = "the communications update reminders"
