"""Milestones as an iCalendar feed: all-day events naming each incident by its reference only."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from icalendar import Event

from svtoolkit.core import downloads


def milestones_calendar(milestones) -> bytes:
    calendar = downloads.new_calendar()
    calendar.add("x-wr-calname", "svtoolkit recovery calendar")
    for milestone in milestones:
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@svtoolkit")
        # A changed date is a newer version of the same event (RFC 5545), or calendars keep the old day.
        event.add("dtstamp", milestone.changed_at)
        event.add("last-modified", milestone.changed_at)
        event.add("sequence", milestone.revision - 1)
        event.add("dtstart", milestone.date)
        event.add("dtend", milestone.date + timedelta(days=1))
        # An exercise's dates say so in calendars too, as its meetings do.
        event.add("summary", milestone.incident.headed(milestone.title))
        event.add("url", settings.SITE_URL + reverse("recovery:incident", args=[milestone.incident_id]))
        calendar.add_component(event)
    return downloads.calendar_bytes(calendar, marking=downloads.marking_for(personal_data=False))
