"""The incident page and its live part, cached until anything they show changes (docs/decisions/0018, 0019).

A part's key is its incident's changes to the tables it reads (``core.changes``: triggers log every change to
the tables below, naming the table), read before anything the page shows, and for the rest of the page the
changes to the incidents linked to it (its links panel shows their rows), read in the same statement; who is
looking and what they may see (``access.viewer_state``); and the minute. ``core.cached_parts`` keeps a part
only when drawing it (the access rule that finds the incident included) read nothing but the tables it
declares.
"""

from django.template.loader import render_to_string

from svtoolkit import access
from svtoolkit.core import changes
from svtoolkit.core.cached_parts import cached_part, kept_parts, part_key
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


# What each kept part reads: its key holds the changes to these tables alone, and drawing it reads no other
# (core.cached_parts refuses to keep it, and under test fails). A new timeline entry, an action's update or a
# scene measure (most of the writes) redraws the live part alone; the rest of the page is found in the cache.
LIVE_CHANGES = frozenset({"incidents_planaction", "incidents_timelineentry", "incidents_scenemeasure"})
THE_REST_READS = frozenset(WHAT_THE_PAGE_READS) - LIVE_CHANGES
# The live part reads all of them: the access rule reads other tables for each kind of viewer (a partner's
# participations, say), and the changes it could leave it as it was (a decision, a lead) are seldom.
LIVE_PART_READS = frozenset(WHAT_THE_PAGE_READS)


def _key(part: str, request, incident_id: int, version) -> str:
    return part_key(part, incident_id, version, access.viewer_state(request.user, request.partnership))


def _versions_with_linked(incident_id: int) -> changes.Versions:
    """The incident's versions, and those of the incidents linked to it: the links panel shows their
    titles, and whether this person may see them (their shares and partners), which are their rows, not this
    incident's. Read in one statement (``changes.versions_of``), so at this incident's version."""
    links = IncidentLink._meta.db_table
    linked = (
        f"SELECT linked_id FROM {links} WHERE incident_id = %s"
        f" UNION SELECT incident_id FROM {links} WHERE linked_id = %s"
    )
    return changes.versions_of(incident_id, linked, [incident_id, incident_id])


class _Found:
    """The incident as the access rule found it for this request, looked up at most once by the parts drawn:
    each part's key holds the tables the rule reads, so a part kept was found for the same rows."""

    def __init__(self, request, incident_id: int):
        self.request, self.incident_id, self._incident = request, incident_id, None

    def incident(self):
        if self._incident is None:
            self._incident = selectors.incident_for_request(self.request, self.incident_id)
        return self._incident


def incident_page(request, incident_id: int) -> dict:
    """The incident page's title, header and body (its panels, summary, lead, partners, decisions, then its
    live part), and whether this person sees its messages. Two parts kept apart: the live part, and the rest,
    which a change to the actions, the timeline or the scenes' measures leaves as it was. The versions are
    read first: whatever is read after them is at least as new as they say."""
    versions = _versions_with_linked(incident_id)
    found = _Found(request, incident_id)

    def draw():
        incident = found.incident()
        context = selectors.incident_page_beyond_live(
            incident, user=request.user, partnership=request.partnership
        )
        can_view_messages = access.can_view_incident_messages(request.user, request.partnership, incident)
        context["can_view_messages"] = can_view_messages
        return {
            "title": f"{incident.reference} {incident.title}",
            "header": render_to_string("incidents/_header.html", {"incident": incident}, request),
            "body": render_to_string("incidents/_page_body.html", context, request),
            "can_view_messages": can_view_messages,
            "is_exercise": incident.is_exercise,
        }

    key = _key("incident-page", request, incident_id, versions.of(THE_REST_READS, with_others=True))
    live_key = _live_key(request, incident_id, versions)
    kept = kept_parts(key, live_key)  # both in one round trip
    page = cached_part(request, key, draw, reads=THE_REST_READS, kept=kept)
    # The body's last part, as its template once included it.
    return {**page, "body": page["body"] + _live_part(request, found, live_key, kept) + "\n"}


def live_part(request, incident_id: int) -> str:
    """The live part alone, asked for again every 30 seconds by every open incident page."""
    versions = changes.versions_of(incident_id)  # first, as for the page
    return _live_part(request, _Found(request, incident_id), _live_key(request, incident_id, versions))


def _live_key(request, incident_id: int, versions: changes.Versions) -> str:
    return _key("incident-live", request, incident_id, versions.of(LIVE_PART_READS))


def _live_part(request, found: _Found, key: str, kept: dict | None = None) -> str:
    def draw():
        incident = found.incident()
        context = selectors.incident_live(incident, user=request.user, partnership=request.partnership)
        return {"live": render_to_string("incidents/_live.html", context, request)}

    return cached_part(request, key, draw, reads=LIVE_PART_READS, kept=kept)["live"]
