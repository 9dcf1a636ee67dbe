"""Who may GET each alert and rota page, and the objects their URLs name.

The police partner's organisation may report incidents (the police do, by default); the council's
responder's may not, so the responder is refused the alert form though they record incidents in full.
"""

from svtoolkit.alerts import services
from tests.access_expectations_base import (
    COORDINATOR_ONLY,
    COORDINATOR_ONLY_POST,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_200,
)
from tests.alerts.builders import raise_police_alert, rota, token_of

EXPECTED = {
    "alerts:raise": {
        "anonymous": 302,
        "coordinator": 200,
        "police": 200,
        **dict.fromkeys(["responder", "health", "viewer"], 403),
    },
    "alerts:acknowledge": dict.fromkeys(ROLES, 200),
    "alerts:acknowledge_here": {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 405)},
    "alerts:accept_lead": {
        "anonymous": 302,
        "coordinator": 405,
        "responder": 405,
        **dict.fromkeys(["police", "health", "viewer"], 403),
    },
    "alerts:rota": SIGNED_IN_200,
    "alerts:shift_add": COORDINATOR_ONLY,
    "alerts:shift_handover": COORDINATOR_ONLY,
    "alerts:shift_cover": COORDINATOR_ONLY,
    "alerts:alert_list": COORDINATOR_ONLY,
    "alerts:alert_list_remove": COORDINATOR_ONLY_POST,
    "alerts:escalation": COORDINATOR_ONLY,
    "alerts:protocol": SIGNED_IN_200,
    "alerts:protocol_remove": COORDINATOR_ONLY_POST,
}


def url_kwargs(demo, demo_users):
    shifts = rota(demo, demo_users)
    coordinator = demo_users["coordinator"]
    entry = services.add_to_alert_list(partnership=demo, user=coordinator, by=coordinator)
    rule = services.add_launch_rule(
        partnership=demo, category="cross_borough", organisation_kind="housing", by=coordinator
    )
    alert = raise_police_alert(demo, demo_users)
    by_incident = {"incident_id": alert.incident_id}
    shift = {"shift_id": next(iter(shifts.values())).pk}
    return {
        "alerts:acknowledge": {"token": token_of(alert.recipients.first())},
        "alerts:acknowledge_here": by_incident,
        "alerts:accept_lead": by_incident,
        "alerts:shift_handover": shift,
        "alerts:shift_cover": shift,
        "alerts:alert_list_remove": {"entry_id": entry.pk},
        "alerts:protocol_remove": {"rule_id": rule.pk},
    }
