"""Background work for the partner directory, run by the task worker."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from svtoolkit.core.scheduling import scheduled
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships import contact_import
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
    """Email each owner one list of their entries past review, once a day; returns how many were queued.

    Each reminder is created under a key naming the owner and the day, so two runs on the same day (an
    overlapping run, or the command run twice) remind once."""
    from svtoolkit.partnerships.selectors import overdue_entries_by_owner

    partnership = Partnership.objects.get(pk=partnership_id)
    today = timezone.localdate()
    sent = 0
    for owner, entries in overdue_entries_by_owner(partnership, today=today).items():
        context = {
            "owner": owner,
            "entries": entries,
            "partnership": partnership,
            "site_url": settings.SITE_URL,
        }
        count = len(entries)
        subject = f"{count} directory entr{'y' if count == 1 else 'ies'} to review in {partnership}"
        with transaction.atomic():
            reminder = messaging.send(
                kind="review_reminder",
                subject=subject,
                body=render_to_string("partnerships/email/review_reminder.txt", context),
                sms_text=f"{subject}: {settings.SITE_URL}/",
                recipients=[messaging.recipient_for_user(owner)],
                partnership=partnership,
                dedupe_key=f"review-reminder:{partnership.pk}:{owner.pk}:{today.isoformat()}",
            )
        sent += reminder is not None
    return sent


@task()
def run_contact_import(*, import_id: int) -> int:
    """Check and import a large contacts file, all or nothing; returns how many contacts were imported."""
    return contact_import.run(import_id).imported
