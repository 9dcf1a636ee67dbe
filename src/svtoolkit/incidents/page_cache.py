"""The incident page and its live part, cached until anything they show changes (docs/decisions/0018, 0019).

A part's key is its incident's changes to the tables it reads (``core.changes``: triggers log every change to
the tables below, naming the table), read before anything the page shows, and for the rest of the page the
changes to the incidents linked to it (its links panel shows their rows), read in the same statement; who is
looking and what they may see (``access.viewer_state``), but for the latest entries, the same for everyone;
and the minute. ``core.cached_parts`` keeps a part
only when drawing it (the access rule that finds the incident included) read nothing but the tables it
declares.
"""

import secrets

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from svtoolkit import access
from svtoolkit.core import changes, jinja_parts
from svtoolkit.core.cached_parts import SHOWN_MARK, cached_part, kept_parts, part_key, saying_what_it_shows
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
# The live part is kept in two parts. Its latest entries, found by the incident's id alone, read the timeline
# and its authors. The rest of it (scenes, progress, actions), and the access rule that finds the incident
# for it, read every other table (the rule reads other tables for each kind of viewer, a partner's
# participations say, and the changes it could leave it as it was, a decision or a lead, are seldom) but no
# timeline entry: a new entry (two thirds of the writes) redraws the latest entries alone.
LATEST_ENTRIES_READS = frozenset({"incidents_timelineentry", "accounts_user"})
LIVE_BEYOND_ENTRIES_READS = frozenset(WHAT_THE_PAGE_READS) - {"incidents_timelineentry"}


def _key(part: str, viewer: tuple, incident_id: int, version) -> str:
    return part_key(part, incident_id, version, viewer)


def _viewer(request) -> tuple:
    """Who is looking and what they may see (``access.viewer_state``), worked out once for all the keys."""
    return access.viewer_state(request.user, request.partnership)


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
    the key of each part drawn from it holds the tables the rule reads, so a part kept was found for the same
    rows (the latest entries are found by the incident's id alone, and shown after the live part's rest).
    ``scenes``: the incident's scenes if the rest of the page was drawn, which the live part then reads the
    measures of instead of reading them again (both declare the scenes' table, and read them after the same
    versions)."""

    def __init__(self, request, incident_id: int):
        self.request, self.incident_id = request, incident_id
        self._incident, self._whole = None, False
        self.scenes = None

    def incident(self, *, whole: bool = True):
        """The incident with its partnership, checklist version and exercise; or, not ``whole``, its own row
        alone (for the live part, drawn alone after each action's update), or whatever was found before."""
        if self._incident is None or (whole and not self._whole):
            find = selectors.incident_for_request if whole else selectors.incident_for_live_part
            self._incident, self._whole = find(self.request, self.incident_id), whole
        return self._incident


def incident_page(request, incident_id: int) -> dict:
    """The incident page's title, header and body (its panels, summary, lead, partners, decisions, then its
    live part), and whether this person sees its messages. The rest of the page is kept apart from the live
    part, which a change to the actions, the timeline or the scenes' measures leaves as it was, and the live
    part in two (``_live_part``). The versions are read first: whatever is read after them is at least as new
    as they say."""
    versions = _versions_with_linked(incident_id)
    found = _Found(request, incident_id)

    def draw():
        incident = found.incident()
        context = selectors.incident_page_beyond_live(
            incident, user=request.user, partnership=request.partnership
        )
        can_view_messages = access.can_view_incident_messages(request.user, request.partnership, incident)
        context["can_view_messages"] = can_view_messages
        found.scenes = context["scenes"]
        return {
            "title": f"{incident.reference} {incident.title}",
            "header": render_to_string("incidents/_header.html", {"incident": incident}, request),
            "body": render_to_string("incidents/_page_body.html", context, request),
            "can_view_messages": can_view_messages,
            "is_exercise": incident.is_exercise,
        }

    viewer = _viewer(request)
    key = _key("incident-page", viewer, incident_id, versions.of(THE_REST_READS, with_others=True))
    live_keys = _live_keys(viewer, incident_id, versions)
    kept = kept_parts(key, *live_keys)  # all three in one round trip
    page = cached_part(request, key, draw, reads=THE_REST_READS, kept=kept)
    live, _ = _live_part(request, found, live_keys, kept)
    # The body's last part, as its template once included it.
    return {**page, "body": page["body"] + live + "\n"}


def live_part(request, incident_id: int) -> tuple[str, str]:
    """The live part alone, asked for again every 30 seconds by every open incident page, and what it shows
    (for ``core.cached_parts.answer_refresh``). Found or drawn all the same (the access rule answers first,
    and the part is the same whether the minute or a change nothing shown made its key new): swapped in
    unchanged, it moved a keyboard user's focus and a screen reader's place to the top of the page."""
    versions = changes.versions_of(incident_id)  # first, as for the page
    keys = _live_keys(_viewer(request), incident_id, versions)
    return _live_part(request, _Found(request, incident_id), keys)


def _live_keys(viewer: tuple, incident_id: int, versions: changes.Versions) -> tuple[str, str]:
    """The keys of the live part's two parts: all but its latest entries, and its latest entries. The entries
    are the same for everyone who may see the incident (found by its id alone, shown only beside a rest found
    for this viewer), so they are kept once for all: a new entry is drawn once, not once for each person
    looking at the incident."""
    return (
        _key("incident-live", viewer, incident_id, versions.of(LIVE_BEYOND_ENTRIES_READS)),
        part_key("incident-latest", incident_id, versions.of(LATEST_ENTRIES_READS)),
    )


def _live_part(request, found: _Found, keys: tuple[str, str], kept: dict | None = None) -> tuple[str, str]:
    """The live part, and what it shows (``saying_what_it_shows``, which it carries for its refresh): all but
    its latest entries, then the latest entries put in their place. The first is found (or drawn: the access
    rule finds the incident, or answers 404) before the entries are: its key holds every table the rule reads,
    so the entries, which are found by the incident's id alone, are shown only to someone the rule lets see
    the incident as the tables now are."""
    beyond_key, entries_key = keys
    kept = kept_parts(beyond_key, entries_key) if kept is None else kept

    def draw_beyond_entries():
        incident = found.incident(whole=False)
        context = selectors.incident_live_beyond_entries(
            incident, user=request.user, partnership=request.partnership, scenes=found.scenes
        )
        # Where the entries, drawn apart, go: a mark no one could have typed. Kept in one piece with it, so
        # that the check that the CSRF token shows nowhere but in its forms (core.cached_parts) sees it all.
        hole = f"\x00svt-latest-{secrets.token_hex(16)}\x00"
        context["latest_entries"] = mark_safe(hole)  # noqa: S308 (our own mark)
        context["shown"] = mark_safe(SHOWN_MARK)  # noqa: S308 (our own mark)
        return {"live": jinja_parts.draw("incidents/live.html", context, request), "hole": hole}

    def draw_latest_entries():
        context = {"timeline": selectors.latest_entries(found.incident_id)}
        return {"entries": jinja_parts.draw("incidents/latest_entries.html", context)}

    around = cached_part(request, beyond_key, draw_beyond_entries, reads=LIVE_BEYOND_ENTRIES_READS, kept=kept)
    latest = cached_part(request, entries_key, draw_latest_entries, reads=LATEST_ENTRIES_READS, kept=kept)
    before, _, after = around["live"].partition(around["hole"])
    return saying_what_it_shows(before + latest["entries"] + after)
