"""The incident page and its live part, cached until anything they show changes (docs/decisions/0018).

The key is the incident's change version (``core.changes``: triggers log every change to the tables below),
read before anything the page shows, and for the page the versions of the incidents linked to it (its links
panel shows their rows); who is looking and what they may see (``access.viewer_state``); and the minute.
``core.cached_parts`` keeps a part only when drawing it (the access rule that finds the incident included)
read nothing but these tables.
"""

from django.template.loader import render_to_string

from svtoolkit import access
from svtoolkit.core import changes
from svtoolkit.core.cached_parts import cached_part, part_key
from svtoolkit.core.changes import EVERY_INCIDENT, Through
from svtoolkit.incidents import selectors
from svtoolkit.incidents.models import IncidentLink

# Every table the incident page and its live part read, and how a row names its incident. Rows of no one
# incident (the directory, checklist versions, regions' rules, alerting's policy, files) change every
# incident's version: they change seldom. A message about no incident (a reminder) changes none.
WHAT_THE_PAGE_READS = {
    "incidents_incident": ("id",),
    "incidents_categorisation": ("incident_id",),
    "incidents_decision": ("incident_id",),
    "incidents_incidentlink": ("incident_id", "linked_id"),
    "incidents_incidentshare": ("incident_id",),
    "incidents_leadassignment": ("incident_id",),
    "incidents_participation": ("incident_id",),
    "incidents_planaction": ("incident_id",),
    "incidents_policedeclaration": ("incident_id",),
    "incidents_scene": ("incident_id",),
    "incidents_scenemeasure": Through("incidents_scene", "scene_id"),
    "incidents_timelineentry": ("incident_id",),
    "alerts_alert": ("incident_id",),
    "alerts_alertrecipient": Through("alerts_alert", "alert_id"),
    "alerts_alertstep": Through("alerts_alert", "alert_id"),
    "messaging_notification": ("incident_id",),
    "messaging_delivery": Through("messaging_notification", "notification_id"),
    "regions_fundapplication": ("incident_id",),
    "regions_regionalshare": ("incident_id",),
    "regions_shareproposal": ("incident_id",),
    "attachments_attachment": EVERY_INCIDENT,
    "django_content_type": EVERY_INCIDENT,
    "accounts_membership": EVERY_INCIDENT,
    "alerts_escalationpolicy": EVERY_INCIDENT,
    "alerts_escalationstep": EVERY_INCIDENT,
    "accounts_user": EVERY_INCIDENT,
    "partnerships_contact": EVERY_INCIDENT,
    "partnerships_organisation": EVERY_INCIDENT,
    "partnerships_partnership": EVERY_INCIDENT,
    "partnerships_region": EVERY_INCIDENT,
    "playbooks_exercise": EVERY_INCIDENT,
    "playbooks_playbookversion": EVERY_INCIDENT,
    "regions_fundrules": EVERY_INCIDENT,
}
# A person signing in changes nothing any page shows of them.
IGNORED_COLUMNS = {"accounts_user": ("last_login",)}


def track_what_the_page_reads() -> None:
    for table, incident_of in WHAT_THE_PAGE_READS.items():
        changes.track(table, incident_of, ignored_columns=IGNORED_COLUMNS.get(table, ()))


def _key(part: str, request, incident_id: int, version) -> str:
    return part_key(part, incident_id, version, access.viewer_state(request.user, request.partnership))


def _linked_versions(incident_id: int) -> tuple:
    """The versions of the incidents linked to this one: the links panel shows their titles, and whether this
    person may see them (their shares and partners), which are their rows, not this incident's. Read after
    this incident's version (which logs its links) and before the page is drawn, on every request of the
    page (cached or not)."""
    others = (
        "SELECT CASE WHEN incident_id = %s THEN linked_id ELSE incident_id END"
        f" FROM {IncidentLink._meta.db_table} WHERE incident_id = %s OR linked_id = %s"
    )
    return changes.versions_of(others, [incident_id] * 3)


def incident_page(request, incident_id: int, version) -> dict:
    """The incident page's title, header and body (its panels, summary, lead, partners, decisions and live
    part), and whether this person sees its messages. Found through the access rule when drawn: a part kept
    for this viewer's state and this version was found for the same rows, so it is not looked up again."""

    def draw():
        incident = selectors.incident_for_request(request, incident_id)
        context = selectors.incident_page(incident, user=request.user, partnership=request.partnership)
        can_view_messages = access.can_view_incident_messages(request.user, request.partnership, incident)
        context["can_view_messages"] = can_view_messages
        return {
            "title": f"{incident.reference} {incident.title}",
            "header": render_to_string("incidents/_header.html", {"incident": incident}, request),
            "body": render_to_string("incidents/_page_body.html", context, request),
            "can_view_messages": can_view_messages,
            "is_exercise": incident.is_exercise,
        }

    version = (version, _linked_versions(incident_id))
    return cached_part(request, _key("incident-page", request, incident_id, version), draw)


def live_part(request, incident_id: int, version) -> str:
    """The live part alone, asked for again every 30 seconds by every open incident page."""

    def draw():
        incident = selectors.incident_for_request(request, incident_id)
        context = selectors.incident_live(incident, user=request.user, partnership=request.partnership)
        return {"live": render_to_string("incidents/_live.html", context, request)}

    return cached_part(request, _key("incident-live", request, incident_id, version), draw)["live"]
