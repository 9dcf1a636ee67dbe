"""Who may GET each communications page, and the objects their URLs name (on the demo incident)."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.communications import services
from tests.incidents.access import MANAGE, MANAGE_POST, READ, WORK, demo_incident, status_map

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


def demo_message(demo, demo_users, incident=None, *, approvers=None):
    incident = incident or demo_incident(demo, demo_users)[0]
    return services.draft_message(
        incident=incident,
        by=demo_users["responder"],
        kind="press",
        title="Statement on the stabbing near Northbridge Academy",
        body="Partners are working together to support the school community.",
        audience="Press and public",
        channel="Council website",
        planned_for=timezone.now() + timedelta(hours=1),
        names_or_images=False,
        approvers=approvers if approvers is not None else [demo.organisations.get(kind="police")],
    )


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
