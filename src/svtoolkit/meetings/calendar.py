"""Meetings as iCalendar (.ics) events, for invitations and calendar downloads."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from svtoolkit.core import downloads


def meeting_calendar(meeting) -> bytes:
    """A calendar with the one meeting, naming the incident only by its reference: a request, or once the
    meeting is cancelled, a cancellation that removes it from calendars."""
    cancelled = meeting.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//svtoolkit//Serious Violence Incident Toolkit//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{meeting.uid}@svtoolkit")
    event.add("dtstamp", meeting.created_at)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    event.add("summary", f"{meeting.get_kind_display()}: {meeting.incident.reference}")
    if meeting.place or meeting.online_link:
        event.add("location", meeting.place or meeting.online_link)
    link = settings.SITE_URL + reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk])
    event.add("description", f"{meeting.agenda}\n\nDetails: {link}")
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    # The agenda is the partnership's case detail: the calendar carries the case marking.
    return downloads.calendar_bytes(calendar, marking=downloads.marking_for(personal_data=False))
