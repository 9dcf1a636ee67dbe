"""Meetings take files (minutes, packs): registered in MeetingsConfig.ready."""

from django.urls import reverse
from django.utils import timezone

from svtoolkit.incidents.attachment_owner import part_of_incident
from svtoolkit.meetings.models import Meeting

MEETING = part_of_incident(
    name="meeting",
    model=Meeting,
    page_url=lambda meeting: reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk]),
    label=lambda meeting: (
        f"the {meeting.get_kind_display().lower()} on {timezone.localtime(meeting.starts_at):%-d %B %Y}"
    ),
)
