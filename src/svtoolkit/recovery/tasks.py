"""Background work after an incident: reminders of recovery dates and follow-ups, and the retention job."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit.accounts.models import Membership, Role
from svtoolkit.core.scheduling import scheduled
from svtoolkit.incidents.models import LeadAssignment
from svtoolkit.recovery import selectors, services
from svtoolkit.recovery.models import Milestone, SupportOffer, SupportResponse

logger = logging.getLogger(__name__)

# How long before a recovery date the lead is reminded: time to plan support and patrols around it.
MILESTONE_NOTICE = timedelta(days=7)


def _lead_or_coordinators(incident) -> list[str]:
    lead = LeadAssignment.objects.filter(incident=incident).select_related("officer").first()
    if lead and lead.officer.is_active:
        return [lead.officer.email]
    return list(
        Membership.objects.filter(
            partnership=incident.partnership, role=Role.COORDINATOR, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def _claim(unclaimed, **mark) -> bool:
    """Mark a reminder as sent before sending it, so two overlapping runs cannot both send it."""
    return unclaimed.update(**mark) == 1


def _send_or_release(*, claimed, release: dict, subject: str, message: str, recipients: list[str]) -> int:
    """Send one reminder; if the mail server refuses it, release the claim so the next run tries again."""
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)
    except OSError:
        logger.exception("A recovery reminder could not be sent; the next run will try again")
        claimed.update(**release)
        return 0
    return 1


@scheduled(cron="0 7 * * *")
@task()
def send_recovery_reminders() -> int:
    """Remind the lead a week before each recovery date, and the single point of contact of each support
    follow-up that is due; each is reminded once. The emails name no one affected. Returns emails sent."""
    today = timezone.localdate()
    sent = 0
    coming = Milestone.objects.filter(
        date__gte=today, date__lte=today + MILESTONE_NOTICE, reminded_on__isnull=True
    ).select_related("incident__partnership")
    for milestone in coming:
        recipients = _lead_or_coordinators(milestone.incident)
        unclaimed = Milestone.objects.filter(pk=milestone.pk, reminded_on__isnull=True)
        if not recipients or not _claim(unclaimed, reminded_on=today):
            continue
        link = settings.SITE_URL + reverse("recovery:incident", args=[milestone.incident_id])
        sent += _send_or_release(
            claimed=Milestone.objects.filter(pk=milestone.pk),
            release={"reminded_on": None},
            subject=f"{milestone.incident.reference}: {milestone.title} on {milestone.date:%d %B %Y}",
            message=render_to_string("recovery/email/milestone.txt", {"milestone": milestone, "link": link}),
            recipients=recipients,
        )
    due = SupportOffer.objects.filter(
        follow_up_on__lte=today,
        follow_up_reminded_on__isnull=True,
        response__in=[SupportResponse.AWAITING, SupportResponse.TAKEN_UP],
        person__incident__personal_data_erased_at__isnull=True,
    ).select_related("person__incident", "person__single_point_of_contact", "created_by")
    for offer in due:
        contact = offer.person.single_point_of_contact or offer.created_by
        unclaimed = SupportOffer.objects.filter(pk=offer.pk, follow_up_reminded_on__isnull=True)
        if not (contact and contact.is_active) or not _claim(unclaimed, follow_up_reminded_on=today):
            continue
        link = settings.SITE_URL + reverse("recovery:support", args=[offer.person.incident_id])
        sent += _send_or_release(
            claimed=SupportOffer.objects.filter(pk=offer.pk),
            release={"follow_up_reminded_on": None},
            subject=f"{offer.person.incident.reference}: a support follow-up is due",
            message=render_to_string("recovery/email/follow_up.txt", {"offer": offer, "link": link}),
            recipients=[contact.email],
        )
    return sent


# At night, when nobody is reading the records it erases from.
@scheduled(cron="30 2 * * *")
@task()
def erase_expired_personal_data() -> int:
    """The retention job: erase the people-affected details of incidents closed longer ago than their
    partnership keeps them. Returns how many people's details were erased."""
    today = timezone.localdate()
    return sum(
        services.erase_personal_data(incident=incident, today=today)
        for incident in selectors.incidents_due_for_erasure(today)
    )
