"""Background work for communications, run by the task worker."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit import access
from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.core.scheduling import not_reminded_lately, scheduled
from svtoolkit.messaging import services as messaging


def _due_for_reminder(now) -> Q:
    # Only an owner still a member of the incident's partnership: one who left is told nothing of it.
    return (
        Q(next_update_due__lte=now)
        & access.told_about_incident_condition(person="updates_owner", incident="incident")
        & not_reminded_lately(now)
    )


# Every quarter of an hour; each plan is reminded of once a day at most.
@scheduled(every=timedelta(minutes=15))
@task()
def send_update_reminders() -> int:
    """Remind the owner of each phased plan whose next update is due, once a day at most; returns how many.

    Each plan is claimed (its reminder time set by a conditional update) in the transaction that queues the
    reminder, so two overlapping runs remind once."""
    now = timezone.now()
    due = (
        CommunicationsPlan.objects.filter(_due_for_reminder(now))
        .exclude(incident__status="closed")
        .select_related("incident__partnership", "updates_owner")
    )
    return sum(_remind(plan, now=now) for plan in due)


@transaction.atomic
def _remind(plan, *, now) -> int:
    if (
        not CommunicationsPlan.objects.filter(pk=plan.pk)
        .filter(_due_for_reminder(now))
        .update(last_reminded_at=now)
    ):
        return 0  # an overlapping run has just reminded them
    link = settings.SITE_URL + reverse("communications:overview", args=[plan.incident_id])
    subject = plan.incident.headed("the next update is due")
    sent = messaging.send(
        kind="communications_reminder",
        subject=subject,
        body=render_to_string("communications/email/update_due.txt", {"plan": plan, "link": link}),
        sms_text=f"{subject}: {link}",
        recipients=[messaging.recipient_for_user(plan.updates_owner)],
        incident=plan.incident,
    )
    if sent is None:
        transaction.set_rollback(True)
        return 0
    return 1
