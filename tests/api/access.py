"""Who may GET each API endpoint and token page, and the objects their URLs name.

The API answers someone without a token or session 401 (it never redirects to the sign-in page). Like the
web, the demo incident has the police taking part and not health, so the health partner gets 404 for it.
"""

from svtoolkit.incidents import services
from tests.access_expectations_base import POST_ONLY_SIGNED_IN, ROLES, SIGNED_IN, SIGNED_IN_200
from tests.communications.builders import demo_message
from tests.incidents.builders import demo_incident, demo_measure
from tests.meetings.builders import demo_meeting

API_ALL = {"anonymous": 401, **dict.fromkeys(SIGNED_IN, 200)}
API_INCIDENT = {**API_ALL, "health": 404}
API_POST_ONLY = {"anonymous": 401, **dict.fromkeys(SIGNED_IN, 405)}

INCIDENT_ENDPOINTS = [
    "api:incident",
    "api:scenes",
    "api:measures",
    "api:actions",
    "api:action",
    "api:timeline",
    "api:decisions",
    "api:decision",
    "api:meetings",
    "api:meeting",
    "api:messages",
    "api:message",
    "api:tension_readings",
]

EXPECTED = {
    "api:tokens": SIGNED_IN_200,
    "api:token_revoke": POST_ONLY_SIGNED_IN,
    "api:docs": SIGNED_IN_200,
    "api:schema": API_ALL,
    "api:incidents": API_ALL,
    "api:alerts": API_POST_ONLY,
    "api:incident_status": API_POST_ONLY,
    "api:measure_lift": API_POST_ONLY,
    "api:all_actions": API_ALL,
    **dict.fromkeys(INCIDENT_ENDPOINTS, API_INCIDENT),
    "api:organisations": API_ALL,
    "api:organisation": API_ALL,
    "api:contacts": API_ALL,
    "api:contact": API_ALL,
}

# Machine answers (JSON, and the schema): the accessibility walk skips them. The docs page is Swagger UI,
# checked on its own in tests/browser/test_api_and_search.py.
NOT_PAGES = {name for name in EXPECTED if name not in {"api:tokens", "api:token_revoke", "api:docs"}}

assert set(ROLES) == set(API_ALL)


def url_kwargs(demo, demo_users):
    from svtoolkit.api.services import create_token
    from tests.factories import ContactFactory

    incident, action = demo_incident(demo, demo_users)
    measure = demo_measure(incident, demo_users)
    meeting = demo_meeting(demo, demo_users, incident)
    message = demo_message(demo, demo_users, incident)
    decision = services.record_decision(
        incident=incident, by=demo_users["responder"], what="Open a reception centre", why="Many witnesses"
    )
    token, _ = create_token(user=demo_users["viewer"], partnership=demo, name="Matrix")
    organisation = demo.organisations.get(kind="police")
    contact = ContactFactory(organisation=organisation, owner=demo_users["coordinator"])
    by_incident = {"incident_id": incident.pk}
    arguments = dict.fromkeys(INCIDENT_ENDPOINTS + ["api:incident_status"], by_incident)
    arguments["api:measure_lift"] = {**by_incident, "measure_id": measure.pk}
    arguments.update(
        {
            "api:action": {**by_incident, "action_id": action.pk},
            "api:decision": {**by_incident, "decision_id": decision.pk},
            "api:meeting": {**by_incident, "meeting_id": meeting.pk},
            "api:message": {**by_incident, "message_id": message.pk},
            "api:organisation": {"entry_id": organisation.pk},
            "api:contact": {"entry_id": contact.pk},
            "api:token_revoke": {"token_id": token.pk},
        }
    )
    return arguments
