"""Meetings take files (minutes, packs): registered in MeetingsConfig.ready."""

from django.urls import reverse

from svtoolkit.attachments.owners import OwnerKind
from svtoolkit.incidents.attachment_owner import may_attach_to_part, part_for_request
from svtoolkit.meetings.models import Meeting

MEETING = OwnerKind(
    name="meeting",
    model=Meeting,
    fetch=lambda request, pk: part_for_request(request, Meeting, pk),
    may_attach=may_attach_to_part,
    page_url=lambda meeting: reverse("meetings:meeting", args=[meeting.incident_id, meeting.pk]),
    label=lambda meeting: f"the {meeting.get_kind_display().lower()} on {meeting.starts_at:%-d %B %Y}",
)
