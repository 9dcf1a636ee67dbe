from svtoolkit.core.management.base import QueueNowCommand
from svtoolkit.recovery.tasks import erase_expired_personal_data


class Command(QueueNowCommand):
    help = (
        "Queue, now, the retention job that erases people's details past the retention period (the task "
        "worker also runs it by itself every night)."
    )
    task = erase_expired_personal_data
    queued = "the retention job"
