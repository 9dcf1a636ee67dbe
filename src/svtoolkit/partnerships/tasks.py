"""Background work for the partner directory, run by the task worker."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django_tasks import task

from svtoolkit.core.scheduling import scheduled
from svtoolkit.partnerships.models import Partnership


@scheduled(cron="0 7 * * *")
@task()
def queue_review_reminders() -> int:
    """Queue the review reminders of every active partnership, one task each, so that one partnership's
    failure does not hold up the others' emails. Returns how many partnerships."""
    partnerships = list(Partnership.objects.filter(is_active=True).values_list("pk", flat=True))
    for partnership_id in partnerships:
        send_review_reminders.enqueue(partnership_id=partnership_id)
    return len(partnerships)


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
