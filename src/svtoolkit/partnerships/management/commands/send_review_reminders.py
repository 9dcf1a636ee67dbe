from django.core.management.base import BaseCommand

from svtoolkit.partnerships.models import Partnership
from svtoolkit.partnerships.tasks import send_review_reminders


class Command(BaseCommand):
    help = (
        "Queue an email to each owner of directory entries past their review date, for every active "
        "partnership. Meant to run once a day from cron."
    )

    def handle(self, *args, **options):
        partnerships = list(Partnership.objects.filter(is_active=True).values_list("pk", flat=True))
        for partnership_id in partnerships:
            send_review_reminders.enqueue(partnership_id=partnership_id)
        self.stdout.write(f"Queued review reminders for {len(partnerships)} partnership(s).")
