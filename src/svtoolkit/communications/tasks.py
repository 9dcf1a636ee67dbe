"""Background work for communications, run by the task worker."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.core.scheduling import scheduled


# Every quarter of an hour; each plan is reminded of once a day at most.
@scheduled(every=timedelta(minutes=15))
@task()
def send_update_reminders() -> int:
    """Remind the owner of each phased plan whose next update is due, once a day at most; returns how many."""
    now = timezone.now()
    due = (
        CommunicationsPlan.objects.filter(next_update_due__lte=now, updates_owner__isnull=False)
        .exclude(incident__status="closed")
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - timedelta(hours=23)))
        .select_related("incident", "updates_owner")
    )
    sent = 0
    for plan in due:
        link = settings.SITE_URL + reverse("communications:overview", args=[plan.incident_id])
        send_mail(
            subject=f"{plan.incident.reference}: the next update is due",
            message=render_to_string("communications/email/update_due.txt", {"plan": plan, "link": link}),
            from_email=None,
            recipient_list=[plan.updates_owner.email],
        )
        plan.last_reminded_at = now
        plan.save(update_fields=["last_reminded_at"])
        sent += 1
    return sent
