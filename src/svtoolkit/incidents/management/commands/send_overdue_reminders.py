from svtoolkit.core.management.base import QueueNowCommand
from svtoolkit.incidents.tasks import send_overdue_reminders


class Command(QueueNowCommand):
    help = (
        "Queue, now, the emails reminding owners of overdue actions (the task worker also does this by "
        "itself every 15 minutes)."
    )
    task = send_overdue_reminders
    queued = "the overdue-action reminders"
