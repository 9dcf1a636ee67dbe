"""Background work after an incident: reminders of recovery dates and follow-ups, and the retention job."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit import access
from svtoolkit.attachments import services as attachments_services
from svtoolkit.core.scheduling import scheduled
from svtoolkit.incidents.models import IncidentStatus
from svtoolkit.incidents.selectors import lead_officer_or_coordinators
from svtoolkit.messaging import services as messaging
from svtoolkit.recovery.models import Milestone, SupportOffer, SupportResponse
from svtoolkit.recovery.retention import selectors as retention_selectors
from svtoolkit.recovery.retention import services as retention_services

# How long before a recovery date the lead is reminded: time to plan support and patrols around it.
MILESTONE_NOTICE = timedelta(days=7)


@transaction.atomic
def _claim_and_remind(
    unclaimed, *, mark: dict, incident, people, about: str, page: str, template: str, context: dict
) -> int:
    """Mark a reminder as sent and queue it in one transaction: of two overlapping runs only the first
    update matches, and a reminder is never marked without being queued. With nobody to tell it is left
    unmarked, for a later run. Its subject is the incident's reference (saying EXERCISE of a rehearsal's, the
    text message too) and ``about``; its text is ``template`` drawn with ``context`` and the link to the
    incident's ``page``."""
    if not people:
        return 0
    link = settings.SITE_URL + reverse(page, args=[incident.pk])
    if unclaimed.update(**mark) != 1:
        return 0
    subject = incident.headed(about)
    reminder = messaging.send(
        kind="recovery_reminder",
        subject=subject,
        body=render_to_string(template, {**context, "link": link}),
        sms_text=f"{subject}: {link}",
        recipients=[messaging.recipient_for_user(person) for person in people],
        incident=incident,
    )
    if reminder is None:
        transaction.set_rollback(True)
        return 0
    return 1


@scheduled(cron="0 7 * * *")
@task()
def send_recovery_reminders() -> int:
    """Remind the lead a week before each recovery date, and the single point of contact of each support
    follow-up that is due while its incident is open (``_told_of_follow_up``); each is reminded once. The
    messages name no one affected. Returns how many."""
    today = timezone.localdate()
    sent = 0
    coming = Milestone.objects.filter(
        date__gte=today, date__lte=today + MILESTONE_NOTICE, reminded_on__isnull=True
    ).select_related("incident__partnership")
    for milestone in coming:
        sent += _claim_and_remind(
            Milestone.objects.filter(pk=milestone.pk, reminded_on__isnull=True),
            mark={"reminded_on": today},
            incident=milestone.incident,
            people=lead_officer_or_coordinators(milestone.incident),
            about=f"{milestone.title} on {milestone.date:%d %B %Y}",
            page="recovery:incident",
            template="recovery/email/milestone.txt",
            context={"milestone": milestone},
        )
    due = (
        SupportOffer.objects.filter(
            follow_up_on__lte=today,
            follow_up_reminded_on__isnull=True,
            response__in=[SupportResponse.AWAITING, SupportResponse.TAKEN_UP],
            person__incident__personal_data_erased_at__isnull=True,
        )
        .exclude(
            # A closed incident takes no support updates: its follow-ups are reminded of once it is re-opened.
            person__incident__status=IncidentStatus.CLOSED
        )
        .select_related("person__incident__partnership", "person__single_point_of_contact", "created_by")
    )
    for offer in due:
        incident = offer.person.incident
        sent += _claim_and_remind(
            SupportOffer.objects.filter(pk=offer.pk, follow_up_reminded_on__isnull=True),
            mark={"follow_up_reminded_on": today},
            incident=incident,
            people=_told_of_follow_up(offer, incident),
            about="a support follow-up is due",
            page="recovery:support",
            template="recovery/email/follow_up.txt",
            context={"offer": offer},
        )
    return sent


def _told_of_follow_up(offer, incident) -> list:
    """Who is reminded of a support follow-up: the person's single point of contact, or else whoever recorded
    the offer, the first who may still be told about the incident (access.may_be_told_about) and reads the
    person's record (on its own list); when neither does, the lead or the coordinators, as for a recovery
    date. The reminder names only the incident, whoever it goes to."""
    for contact in (offer.person.single_point_of_contact, offer.created_by):
        if (
            contact is not None
            and access.may_be_told_about(contact, incident)
            and access.can_read_person(contact, None, offer.person)
        ):
            return [contact]
    return lead_officer_or_coordinators(incident)


# At night, when nobody is reading the records it erases from.
@scheduled(cron="30 2 * * *")
@task()
def erase_expired_personal_data() -> int:
    """The retention job: erase the people-affected details of incidents closed longer ago than their
    partnership keeps them, after trying again to delete the stored files an earlier run could not. Returns
    how many people's details were erased."""
    attachments_services.delete_erased_files()
    today = timezone.localdate()
    return sum(
        retention_services.erase_personal_data(incident=incident, today=today)
        for incident in retention_selectors.incidents_due_for_erasure(today)
    )
