"""Background work for meetings, run by the task worker."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from svtoolkit.meetings.calendar import meeting_calendar
from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships.models import Contact, IncidentRole


def invitation_recipients(meeting) -> list[str]:
    """For each invited organisation: its contact on the incident, or else its single point of contact."""
    on_incident = {
        p.organisation_id: p.contact.email
        for p in meeting.incident.participations.select_related("contact")
        if p.contact and p.contact.email
    }
    spoc = dict(
        Contact.objects.filter(
            organisation__in=meeting.invited_organisations.all(),
            incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
            is_active=True,
        )
        .exclude(email="")
        .values_list("organisation_id", "email")
    )
    emails = []
    for organisation in meeting.invited_organisations.all():
        email = on_incident.get(organisation.pk) or spoc.get(organisation.pk)
        if email and email not in emails:
            emails.append(email)
    return emails


@task()
def send_meeting_invitation(*, meeting_id: int) -> int:
    """Email the invitation with an .ics attachment; returns how many people it went to."""
    meeting = Meeting.objects.select_related("incident__partnership", "chair").get(pk=meeting_id)
    recipients = invitation_recipients(meeting)
    if not recipients:
        return 0
    link = settings.SITE_URL + reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk])
    message = EmailMessage(
        subject=f"{meeting.get_kind_display()}: {meeting.incident.reference}",
        body=render_to_string("meetings/email/invitation.txt", {"meeting": meeting, "link": link}),
        to=recipients,
    )
    message.attach("invite.ics", meeting_calendar(meeting), "text/calendar; method=REQUEST")
    message.send()
    return len(recipients)


@task()
def send_meeting_cancellation(*, meeting_id: int) -> int:
    """Email those invited that the meeting is off, with an .ics cancellation; returns how many."""
    meeting = Meeting.objects.select_related("incident__partnership", "chair").get(pk=meeting_id)
    recipients = invitation_recipients(meeting)
    if not recipients:
        return 0
    message = EmailMessage(
        subject=f"Cancelled: {meeting.get_kind_display()}: {meeting.incident.reference}",
        body=render_to_string("meetings/email/cancellation.txt", {"meeting": meeting}),
        to=recipients,
    )
    message.attach("cancel.ics", meeting_calendar(meeting), "text/calendar; method=CANCEL")
    message.send()
    return len(recipients)
