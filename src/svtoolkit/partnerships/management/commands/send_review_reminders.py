from django.core.management.base import BaseCommand

from svtoolkit.partnerships.tasks import queue_review_reminders


class Command(BaseCommand):
    help = (
        "Queue an email to each owner of directory entries past their review date, for every active "
        "partnership, now. The task worker also does this every morning by itself."
    )

    def handle(self, *args, **options):
        count = queue_review_reminders.call()
        self.stdout.write(f"Queued review reminders for {count} partnership(s).")
