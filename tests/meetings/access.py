"""Who may GET each meeting page, and the objects their URLs name (on the demo incident)."""

from tests.incidents.access import MANAGE, READ
from tests.meetings.builders import demo_meeting

EXPECTED = {
    "meetings:list": READ,
    "meetings:schedule": MANAGE,
    "meetings:meeting": READ,
    "meetings:outcome": MANAGE,
    "meetings:pack": READ,
    "meetings:calendar": READ,
    "meetings:cancel": MANAGE,
}


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
