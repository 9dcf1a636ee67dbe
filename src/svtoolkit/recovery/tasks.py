"""Background work after an incident: reminders of recovery dates and follow-ups, and the retention job."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit.accounts.models import Membership, Role
from svtoolkit.incidents.models import LeadAssignment
from svtoolkit.recovery import selectors, services
from svtoolkit.recovery.models import Milestone, SupportOffer, SupportResponse

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
        if recipients:
            send_mail(
                subject=f"{milestone.incident.reference}: {milestone.title} on {milestone.date:%d %B %Y}",
                message=render_to_string(
                    "recovery/email/milestone.txt",
                    {
                        "milestone": milestone,
                        "link": settings.SITE_URL
                        + reverse("recovery:incident", args=[milestone.incident_id]),
                    },
                ),
                from_email=None,
                recipient_list=recipients,
            )
            sent += 1
        Milestone.objects.filter(pk=milestone.pk).update(reminded_on=today)
    due = SupportOffer.objects.filter(
        follow_up_on__lte=today,
        follow_up_reminded_on__isnull=True,
        response__in=[SupportResponse.AWAITING, SupportResponse.TAKEN_UP],
        person__incident__personal_data_erased_at__isnull=True,
    ).select_related("person__incident", "person__single_point_of_contact", "created_by")
    for offer in due:
        contact = offer.person.single_point_of_contact or offer.created_by
        if contact and contact.is_active:
            send_mail(
                subject=f"{offer.person.incident.reference}: a support follow-up is due",
                message=render_to_string(
                    "recovery/email/follow_up.txt",
                    {
                        "offer": offer,
                        "link": settings.SITE_URL
                        + reverse("recovery:support", args=[offer.person.incident_id]),
                    },
                ),
                from_email=None,
                recipient_list=[contact.email],
            )
            sent += 1
        SupportOffer.objects.filter(pk=offer.pk).update(follow_up_reminded_on=today)
    return sent


@task()
def erase_expired_personal_data() -> int:
    """The retention job: erase the people-affected details of incidents closed longer ago than their
    partnership keeps them. Returns how many people's details were erased."""
    today = timezone.localdate()
    return sum(
        services.erase_personal_data(incident=incident, today=today)
        for incident in selectors.incidents_due_for_erasure(today)
    )
