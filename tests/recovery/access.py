"""Who may GET each recovery page, and the objects their URLs name (on the demo incident)."""

from datetime import date

from svtoolkit.recovery import services
from tests.access_expectations_base import POST_ONLY_SIGNED_IN, ROLES, SIGNED_IN_200
from tests.incidents.access import MANAGE, MANAGE_POST, READ, demo_incident

EXPECTED = {
    "recovery:incident": READ,
    "recovery:milestone_add": MANAGE,
    "recovery:confirm_anniversary": MANAGE_POST,
    "recovery:calendar": SIGNED_IN_200,
    "recovery:feed_issue": POST_ONLY_SIGNED_IN,
    "recovery:feed_revoke": POST_ONLY_SIGNED_IN,
    # The secret link is the key: it answers whoever holds it, signed in or not.
    "recovery:feed": dict.fromkeys(ROLES, 200),
}


def url_kwargs(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    services.add_milestone(
        incident=incident,
        by=demo_users["responder"],
        kind="trial",
        title="Trial begins",
        date=date(2027, 5, 10),
    )
    token = services.issue_feed(user=demo_users["viewer"])
    by_incident = {"incident_id": incident.pk}
    return {
        "recovery:incident": by_incident,
        "recovery:milestone_add": by_incident,
        "recovery:confirm_anniversary": {**by_incident, "index": 0},
        "recovery:feed": {"token": token},
    }
