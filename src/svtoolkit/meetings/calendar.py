"""Meetings as iCalendar (.ics) events, for invitations and calendar downloads."""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from icalendar import Event, vCalAddress, vText

from svtoolkit.core import downloads
from svtoolkit.meetings.selectors import invited_contacts


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name or email)
    address.params.update(params)
    return address


def _organiser(meeting) -> vCalAddress:
    """The chair (else whoever scheduled it, else svtoolkit's own address): where calendar replies go."""
    for person in (meeting.chair, meeting.created_by):
        if person is not None and person.email:
            return _address(person.email, person.full_name)
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return _address(email, name)


def meeting_title(meeting) -> str:
    """The meeting's kind and its incident's reference: the calendar entry's title and the emails' subject."""
    return f"{meeting.get_kind_display()}: {meeting.incident.reference}"


def meeting_calendar(meeting, *, attendees=None) -> bytes:
    """A calendar with the one meeting, naming the incident only by its reference: a request, or once the
    meeting is cancelled, a cancellation that removes it from calendars. Its attendees are ``attendees``
    ((email, name) pairs: those a cancellation goes to), else the contacts an invitation goes to."""
    cancelled = meeting.status == "cancelled"
    calendar = downloads.new_calendar()
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{meeting.uid}@svtoolkit")
    event.add("dtstamp", meeting.created_at)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    # An exercise's meeting says so in calendars too, so nobody takes it for a real incident's.
    event.add("summary", f"{meeting.incident.exercise_prefix}{meeting_title(meeting)}")
    # Calendar apps (Outlook among them) offer accept and decline only with an organiser and attendees.
    event.add("organizer", _organiser(meeting))
    if attendees is None:
        attendees = [(contact.email, contact.name) for contact in invited_contacts(meeting)]
    for email, name in attendees:
        event.add(
            "attendee",
            _address(email, name, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
            encode=0,
        )
    place = " / ".join(where for where in (meeting.place, meeting.online_link) if where)
    if place:
        event.add("location", place)
    link = settings.SITE_URL + reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk])
    joining = f"Join online: {meeting.online_link}\n\n" if meeting.online_link else ""
    event.add("description", f"{joining}{meeting.agenda}\n\nDetails: {link}")
    event.add("url", meeting.online_link or link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    # The agenda is the partnership's case detail: the calendar carries the case marking.
    return downloads.calendar_bytes(calendar, marking=downloads.marking_for(personal_data=False))
