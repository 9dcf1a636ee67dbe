"""Background work for the partner directory, run by the task worker."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from svtoolkit.partnerships.models import Partnership


@task()
def send_review_reminders(*, partnership_id: int) -> int:
    """Email each owner one list of their entries past review; returns how many emails were sent."""
    from svtoolkit.partnerships.selectors import overdue_entries_by_owner

    partnership = Partnership.objects.get(pk=partnership_id)
    sent = 0
    for owner, entries in overdue_entries_by_owner(partnership).items():
        context = {
            "owner": owner,
            "entries": entries,
            "partnership": partnership,
            "site_url": settings.SITE_URL,
        }
        count = len(entries)
        send_mail(
            subject=f"{count} directory entr{'y' if count == 1 else 'ies'} to review in {partnership}",
            message=render_to_string("partnerships/email/review_reminder.txt", context),
            from_email=None,
            recipient_list=[owner.email],
        )
        sent += 1
    return sent
