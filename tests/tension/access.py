"""Who may GET each tension page, and the objects their URLs name (on the demo incident)."""

from tests.incidents.access import MANAGE_POST, READ, WORK
from tests.incidents.builders import demo_incident
from tests.tension.builders import record

EXPECTED = {
    "tension:overview": READ,
    "tension:record": WORK,
    "tension:add_action": MANAGE_POST,
}


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
