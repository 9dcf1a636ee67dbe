"""Who may GET each communications page, and the objects their URLs name (on the demo incident)."""

from tests.communications.builders import demo_message
from tests.incidents.access import MANAGE, MANAGE_POST, READ, WORK, status_map

EXPECTED = {
    "communications:overview": READ,
    "communications:plan": MANAGE,
    "communications:message_add": MANAGE,
    "communications:note_add": WORK,
    "communications:message": READ,
    "communications:message_edit": MANAGE,
    "communications:submit": MANAGE_POST,
    "communications:publish": MANAGE_POST,
    "communications:withdraw": MANAGE_POST,
    "communications:family_agreement": MANAGE_POST,
    "communications:sign": status_map(
        allowed={"coordinator", "responder", "police", "health"}, allowed_status=405
    ),
}


def url_kwargs(demo, demo_users):
    message = demo_message(demo, demo_users)
    by_incident = {"incident_id": message.incident_id}
    by_message = {**by_incident, "message_id": message.pk}
    arguments = {name: by_message for name in EXPECTED}
    for name in (
        "communications:overview",
        "communications:plan",
        "communications:message_add",
        "communications:note_add",
    ):
        arguments[name] = by_incident
    arguments["communications:sign"] = {**by_message, "sign_off_id": message.sign_offs.get().pk}
    return arguments
