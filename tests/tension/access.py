"""Who may GET each tension page, and the objects their URLs name (on the demo incident)."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.tension import services
from tests.incidents.access import MANAGE_POST, READ, WORK, demo_incident

EXPECTED = {
    "tension:overview": READ,
    "tension:record": WORK,
    "tension:add_action": MANAGE_POST,
}


def record(incident, by, level, *, hours_ago=0, area="Northbridge Central"):
    return services.record_reading(
        incident=incident,
        by=by,
        area=area,
        area_kind="ward",
        level=level,
        indicators=["social_media"],
        source="Neighbourhood policing team",
        confidence="medium",
        notes="",
        observed_at=timezone.now() - timedelta(hours=hours_ago),
    )


def url_kwargs(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    record(incident, demo_users["responder"], 2, hours_ago=30)
    record(incident, demo_users["responder"], 4, hours_ago=2)
    by_incident = {"incident_id": incident.pk}
    return {
        "tension:overview": by_incident,
        "tension:record": by_incident,
        "tension:add_action": {**by_incident, "index": 0},
    }
