"""Who may GET each meeting page, and the objects their URLs name (on the demo incident)."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.meetings import services
from tests.incidents.access import MANAGE, READ, demo_incident

EXPECTED = {
    "meetings:list": READ,
    "meetings:schedule": MANAGE,
    "meetings:meeting": READ,
    "meetings:outcome": MANAGE,
    "meetings:pack": READ,
    "meetings:calendar": READ,
    "meetings:cancel": MANAGE,
}


def demo_meeting(demo, demo_users, incident=None):
    incident = incident or demo_incident(demo, demo_users)[0]
    return services.schedule_meetings(
        incident=incident,
        by=demo_users["responder"],
        kind="critical_incident",
        starts_at=timezone.now() + timedelta(hours=3),
        duration_minutes=60,
        place="Committee room 2, Northbridge Town Hall",
        online_link="",
        chair=demo_users["responder"],
        organisations=[p.organisation for p in incident.participations.all()],
        agenda="1. Introductions",
    )[0]


def url_kwargs(demo, demo_users):
    meeting = demo_meeting(demo, demo_users)
    by_incident = {"incident_id": meeting.incident_id}
    by_meeting = {**by_incident, "meeting_id": meeting.pk}
    return {
        "meetings:list": by_incident,
        "meetings:schedule": by_incident,
        "meetings:meeting": by_meeting,
        "meetings:outcome": by_meeting,
        "meetings:pack": by_meeting,
        "meetings:calendar": by_meeting,
        "meetings:cancel": by_meeting,
    }
