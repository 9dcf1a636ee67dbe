"""Reading incidents, always through the access rules: what a person may not see is not found."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.core.pagination import KeysetPage, newest_first_page
from svtoolkit.incidents.deadlines import deadlines_for
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Categorisation,
    Decision,
    EscalationStep,
    HospitalStay,
    Incident,
    LeadAssignment,
    MeasureKind,
    MeasureState,
    Participation,
    PlanAction,
    PoliceDeclaration,
    SafeguardingReferral,
    Scene,
    SceneMeasure,
    SchoolInvolved,
    TimelineEntry,
    TimelineKind,
    status_display,
)
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.partnerships.models import Contact, Organisation
from svtoolkit.playbooks.default import default_vocabularies
from svtoolkit.playbooks.selectors import published_version

DUE_SOON = timedelta(hours=24)


# --- Panels of the incident page that apps above incidents add ------------------------------------------
# Incidents knows nothing of those apps (the alerts app's alert panel, say): each registers its panel in its
# AppConfig.ready, as a template and a function giving its context, or None to leave the panel out.


@dataclass(frozen=True)
class IncidentPanel:
    template_name: str
    context: Callable[..., dict | None]
    order: int


_incident_panels: list[IncidentPanel] = []


def register_incident_panel(*, template_name: str, context: Callable[..., dict | None], order: int) -> None:
    if any(panel.template_name == template_name for panel in _incident_panels):
        return
    _incident_panels.append(IncidentPanel(template_name, context, order))
    _incident_panels.sort(key=lambda panel: panel.order)


def incident_panels(incident, *, user, partnership) -> list[tuple[str, dict]]:
    """The registered panels this person should see on the incident page, in order, each with its context."""
    shown = []
    for panel in _incident_panels:
        context = panel.context(incident=incident, user=user, partnership=partnership)
        if context is not None:
            shown.append((panel.template_name, context))
    return shown


INCIDENTS_PER_PAGE = 50


@dataclass(slots=True)
class IncidentRow:
    """A row of the incident list (incidents/list_rows.html): what it shows and its cursor reads, read as
    values. The other columns, the JSON ones above all, were a third of the list's reading, fetched and
    decoded for fifty rows to be thrown away; and fifty Incidents built from the rest were a fifth of the
    page's reading. A row that shows more names it here and in INCIDENT_LIST_COLUMNS, in the same order."""

    pk: int
    reference: str
    title: str
    is_exercise: bool
    occurred_at: datetime
    status: str
    open_actions: int = 0
    overdue_actions: int = 0
    url: str = ""  # its page's address (incidents.pages.with_page_urls)

    @property
    def status_display(self) -> str:
        return status_display(self.status)


INCIDENT_LIST_COLUMNS = ("pk", "reference", "title", "is_exercise", "occurred_at", "status")


def count_actions(incidents: list) -> list:
    """Give each incident (or IncidentRow) its open and overdue action counts, in one query for the whole
    list."""
    ids = [incident.pk for incident in incidents]
    counts = _open_and_overdue_actions(ids) if ids else {}
    for incident in incidents:
        incident.open_actions, incident.overdue_actions = counts.get(incident.pk, (0, 0))
    return incidents


def _open_and_overdue_actions(incident_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{incident id: (open actions, those overdue)} for the incidents that have open actions. Written as SQL:
    Django took three times as long to build and read the same grouped count as the database took to answer
    it (a tenth of the incident list's time); the (incident, status, due_at) index answers it alone."""
    quote, field = connection.ops.quote_name, PlanAction._meta.get_field
    incident_id, status, due_at = (quote(field(name).column) for name in ("incident", "status", "due_at"))
    open_statuses = [str(choice) for choice in OPEN_ACTION_STATUSES]
    sql = (
        f"SELECT {incident_id}, COUNT(*), SUM(CASE WHEN {due_at} < %s THEN 1 ELSE 0 END)"
        f" FROM {quote(PlanAction._meta.db_table)}"
        f" WHERE {incident_id} IN ({', '.join(['%s'] * len(incident_ids))})"
        f" AND {status} IN ({', '.join(['%s'] * len(open_statuses))}) GROUP BY {incident_id}"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *incident_ids, *open_statuses])
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def incident_list(user, partnership, *, statuses=(), older_than: str = "", newer_than: str = ""):
    """One page of the incidents this person may see (as IncidentRows), newest first, with their open and
    overdue counts; only those in `statuses` when some are given."""
    incidents = access.visible_incidents(user, partnership)
    if statuses:
        incidents = incidents.filter(status__in=statuses)
    page = newest_first_page(
        incidents.values_list(*INCIDENT_LIST_COLUMNS, named=True),
        field="occurred_at",
        size=INCIDENTS_PER_PAGE,
        older_than=older_than,
        newer_than=newer_than,
    )
    page.items = count_actions([IncidentRow(*row) for row in page.items])
    return page


def incidents_for(user, partnership, *, status: str = "") -> QuerySet[Incident]:
    """The incidents this person may see in their current partnership, with their open and overdue counts
    (the API's list, which pages it; the web's list pages by keyset through incident_list)."""
    now = timezone.now()
    open_actions = Q(actions__status__in=OPEN_ACTION_STATUSES)
    incidents = (
        access.visible_incidents(user, partnership)
        .select_related("partnership")
        .annotate(
            open_actions=Count("actions", filter=open_actions, distinct=True),
            overdue_actions=Count("actions", filter=open_actions & Q(actions__due_at__lt=now), distinct=True),
        )
    )
    return incidents.filter(status=status) if status else incidents


def incident_for(user, partnership, incident_id) -> Incident:
    """The incident with its partnership, checklist version and exercise if this person may see it (404)."""
    return access.visible_incident(user, partnership, incident_id)


def incident_for_request(request, incident_id) -> Incident:
    """The incident a request acts on: not found unless visible, and refused for changes once it is closed."""
    incident = incident_for(request.user, request.partnership, incident_id)
    access.refuse_changes_to_closed(request, incident)
    return incident


def incident_to_add_to(request, incident_id) -> Incident:
    """``incident_for_request`` with its partnership alone, for a page that adds to its timeline: what it
    shows and writes (the reference and title, the exercise banner, the audit entry's partnership) needs
    neither the checklist version nor the exercise, whose rows (the version's vocabularies decoded) cost a
    fifth of the read. Adding an update is a fifth of the mixed load's requests (issue 19)."""
    return _incident_for_request_with(request, incident_id, related=("partnership",))


# What the live part reads of its incident (its id, and the state the access rules and the refusal of a change
# to a closed incident read): the other columns, the JSON ones above all, were a fifth of the read's CPU.
LIVE_PART_INCIDENT_COLUMNS = ("status", "reference", "partnership")


def incident_for_live_part(request, incident_id) -> Incident:
    """``incident_for_request`` with the few columns of its own row that the incident page's live part reads
    (``LIVE_PART_INCIDENT_COLUMNS``), for the part alone, which shows nothing of its partnership, checklist
    version or exercise: their rows are two fifths of the read's CPU, and the part is drawn again after every
    action's update (incidents.page_cache)."""
    return _incident_for_request_with(request, incident_id, related=(), only=LIVE_PART_INCIDENT_COLUMNS)


def _incident_for_request_with(
    request, incident_id, *, related: tuple[str, ...], only: tuple[str, ...] = ()
) -> Incident:
    incident = access.visible_incident(
        request.user, request.partnership, incident_id, related=related, only=only
    )
    access.refuse_changes_to_closed(request, incident)
    return incident


def incident_types(partnership, incident=None) -> dict:
    """The incident's own types vocabulary (its checklist version, else its partnership's), or a new one's."""
    version = (incident.playbook_version if incident else None) or published_version(
        incident.partnership if incident else partnership
    )
    return (version.vocabularies if version else default_vocabularies())["incident_types"]


def current_police_declaration(incident):
    """The police's latest declaration on the incident (critical incident or not, and tier), or None."""
    return incident.police_declarations.select_related("recorded_by").order_by("-declared_at", "-id").first()


def deadlines_of(incident):
    """The incident's statutory and formal deadlines, and the dated ones other apps keep, soonest first."""
    return deadlines_for(incident)


def current_lead(incident) -> LeadAssignment | None:
    """The incident's lead as now assigned (the latest handover), with its organisation and officer."""
    return incident.leads.select_related("organisation", "officer").order_by("-starts_at", "-id").first()


def answering_lead(incident) -> LeadAssignment | None:
    """The current lead while its officer may still be told about the incident as its lead
    (access.may_be_told_about): a lead whose account was switched off, or who has left the partnership (even
    for one the incident is shared with), counts as no lead."""
    lead = current_lead(incident)
    told = lead is not None and access.may_be_told_about(lead.officer, incident, as_its_lead=True)
    return lead if told else None


def lead_officer_or_coordinators(incident) -> list[User]:
    """Who answers for the incident when no one else is named: its lead officer (answering_lead); otherwise
    the partnership's active coordinators."""
    lead = answering_lead(incident)
    if lead is not None:
        return [lead.officer]
    coordinators = Membership.objects.filter(
        partnership_id=incident.partnership_id, role=Role.COORDINATOR, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in coordinators]


def current_categorisation(incident) -> Categorisation | None:
    return incident.categorisations.select_related("decided_by").order_by("-decided_at", "-id").first()


@dataclass
class AreaProgress:
    title: str
    total: int
    done: int
    overdue: int


def plan_progress(incident) -> list[AreaProgress]:
    """Actions finished (done, handed over or not needed) out of all, per checklist area, in checklist order:
    one query.

    Written as SQL: Django building its three counts, each with its own filter, cost more than running it,
    on every drawing of the incident page and its live part."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    still_open = list(OPEN_ACTION_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_title, COUNT(*),"
            f" SUM(CASE WHEN status NOT IN ({_placeholders(still_open)}) THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN status IN ({_placeholders(still_open)}) AND due_at < %s THEN 1 ELSE 0 END)"
            f" FROM {PlanAction._meta.db_table} WHERE incident_id = %s"
            " GROUP BY area_title, area_position ORDER BY area_position, area_title",
            [*still_open, *still_open, now, incident.pk],
        )
        return [AreaProgress(*row) for row in cursor.fetchall()]


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _actions(incident) -> QuerySet[PlanAction]:
    return incident.actions.select_related("owner_organisation", "owner")


# --- The live part's rows, read as plain values -----------------------------------------------------------
# The incident page's live part is drawn again after every action's update and every police measure (issue
# 19). Its rows are read with the database's cursor into the small classes below, which hold what its
# templates show and the access rules read: building the ORM's models (and, for the scenes, its two queries)
# cost more CPU than everything else each read did.


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _moment(value: datetime | None) -> datetime | None:
    """A moment read by the cursor as the ORM gives it, with its zone: SQLite's driver gives it without (in
    the database's zone), PostgreSQL's with."""
    if value is None or value.tzinfo is not None:
        return value
    return timezone.make_aware(value, connection.timezone)


# Each choice's label, as a model's get_FOO_display gives it (the value itself for one it does not know).
_STATUS_LABELS = dict(ActionStatus.choices)
_ESCALATION_LABELS = dict(EscalationStep.choices)
_ENTRY_KINDS = dict(TimelineKind.choices)
_MEASURE_KINDS = dict(MeasureKind.choices)


@dataclass(slots=True)
class Person:
    """Someone the live part names (an action's owner, an entry's author): their full name."""

    full_name: str


@dataclass(slots=True)
class ShownAction:
    """An action as a table of actions shows it (incidents/jinja2/incidents/action_rows.html) and
    ``access.can_update_action_now`` reads it (``may_update``: ``mark_updatable``)."""

    pk: int
    incident: Incident
    title: str
    essential: bool
    owner_reason: str
    due_at: datetime
    status: str
    escalation_step: int
    owner_organisation_id: int | None
    owner_id: int | None
    owner_organisation: str | None  # its name, as an organisation shows itself
    owner: Person | None
    may_update: bool = False

    is_open = PlanAction.is_open
    escalation_badge = PlanAction.escalation_badge

    def get_status_display(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)

    def get_escalation_step_display(self):
        return _ESCALATION_LABELS.get(self.escalation_step, self.escalation_step)


def _overdue_and_due_soon(incident, now, shown=20) -> dict:
    """The incident's first overdue open actions and the first due in the next day, earliest first, with what
    a table of actions shows of them, in one query.

    The first ``shown`` of each are picked by a window function (a row number within overdue and within
    due soon) written as SQL, which picks open actions alone: Django building the same query (a window,
    and the subquery it must wrap a filter on a window in) cost more than the rest of the live part's
    queries together, and filtering the statuses again outside it a fifth of what is left. Their owners'
    names are joined in the same SQL, and the rows read as plain values: the models of the actions and their
    owners (Django's raw query) cost three times the CPU (0.5 against 0.16 ms for 23 actions), on every
    drawing of the live part after an action's update."""
    table, statuses = PlanAction._meta.db_table, _placeholders(OPEN_ACTION_STATUSES)
    moment = connection.ops.adapt_datetimefield_value
    rows = _rows(
        "SELECT a.id, a.title, a.essential, a.owner_reason, a.due_at, a.status, a.escalation_step,"
        " a.owner_organisation_id, a.owner_id,"
        " o.name AS owner_organisation_name, u.full_name AS owner_full_name"
        " FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY due_at < %s ORDER BY due_at, id) AS place"
        f" FROM {table} WHERE incident_id = %s AND status IN ({statuses}) AND due_at < %s) AS ranked"
        f" JOIN {table} AS a ON a.id = ranked.id"
        f" LEFT JOIN {Organisation._meta.db_table} AS o ON o.id = a.owner_organisation_id"
        f" LEFT JOIN {User._meta.db_table} AS u ON u.id = a.owner_id"
        " WHERE ranked.place <= %s ORDER BY a.due_at, a.id",
        (moment(now), incident.pk, *OPEN_ACTION_STATUSES, moment(now + DUE_SOON), shown),
    )
    actions = [_action(row, incident) for row in rows]
    return {
        "overdue": [action for action in actions if action.due_at < now],
        "due_soon": [action for action in actions if action.due_at >= now],
    }


def _action(row, incident) -> ShownAction:
    pk, title, essential, reason, due_at, status, step, organisation_id, owner_id, organisation, owner = row
    return ShownAction(
        pk,
        incident,
        title,
        bool(essential),
        reason,
        _moment(due_at),
        status,
        step,
        organisation_id,
        owner_id,
        organisation if organisation_id is not None else None,
        Person(owner) if owner_id is not None else None,
    )


def incident_live(incident, *, user, partnership) -> dict:
    """What the live part of the incident page shows (``incidents/live.html``: scene measures, plan progress,
    the latest entries and the actions due), and only that: the part is asked for again every 30 seconds by
    every open incident page, so it reads nothing the rest of the page alone needs."""
    live = incident_live_beyond_entries(incident, user=user, partnership=partnership)
    return {**live, "timeline": latest_entries(incident.pk)}


# How many of the latest timeline entries the live part shows.
LATEST_ENTRIES_SHOWN = 10


@dataclass(slots=True)
class ShownEntry:
    """A timeline entry as the live part's latest entries show it (timeline_items.html, as the timeline shows
    a model's)."""

    at: datetime
    kind: str
    text: str
    by: Person | None

    def get_kind_display(self) -> str:
        return _ENTRY_KINDS.get(self.kind, self.kind)


def latest_entries(incident_id: int) -> list[ShownEntry]:
    """The incident's latest timeline entries, newest first, with what ``incidents/latest_entries.html``
    shows of them and their authors. Found by the incident's id alone: the page keeps them apart, under the
    changes to the timeline and its authors, so a new entry (two thirds of the writes) redraws them and
    nothing else (incidents.page_cache). Written as SQL, the authors' names joined, read as plain values: a
    sixth of the CPU of Django's select_related of the entries and their authors."""
    return _shown_entries("incident_id", incident_id, limit=LATEST_ENTRIES_SHOWN)


def _shown_entries(column: str, value: int, *, limit: int | None = None) -> list[ShownEntry]:
    """The timeline entries whose ``column`` is ``value``, newest first (the later of two at the same moment
    first), at most ``limit``, read as plain values with their authors' names joined."""
    rows = _rows(
        "SELECT e.at, e.kind, e.text, e.by_id, u.full_name AS by_full_name"
        f" FROM {TimelineEntry._meta.db_table} AS e LEFT JOIN {User._meta.db_table} AS u ON u.id = e.by_id"
        f" WHERE e.{column} = %s ORDER BY e.at DESC, e.id DESC" + (" LIMIT %s" if limit is not None else ""),
        (value, limit) if limit is not None else (value,),
    )
    return [
        ShownEntry(_moment(at), kind, text, Person(author) if by_id is not None else None)
        for at, kind, text, by_id, author in rows
    ]


def incident_live_beyond_entries(incident, *, user, partnership, scenes: list[Scene] | None = None) -> dict:
    """What the live part shows but its latest entries (scene measures, plan progress, the actions due), and
    only that: it reads no timeline entry, so a new one leaves it as it was kept. ``scenes``: the incident's
    scenes if already read in this request (``scenes_with_measures``)."""
    now = timezone.now()
    partner_organisation = access.partner_organisation_id(user, partnership)
    return {
        "incident": incident,
        "now": now,
        "scenes": scenes_with_measures(incident, now=now, scenes=scenes),
        "sees_exact_scenes": access.sees_exact_scenes(user, partnership),
        "can_record_measures": access.can_record_scene_measures(user, partnership, incident)
        and not access.is_read_only(incident),
        "progress": plan_progress(incident),
        **{
            name: mark_updatable(actions, user, partnership)
            for name, actions in _overdue_and_due_soon(incident, now).items()
        },
        "my_actions": (
            mark_updatable(
                _actions(incident).filter(owner_organisation_id=partner_organisation).order_by("due_at"),
                user,
                partnership,
            )
            if partner_organisation
            else None
        ),
        "can_work": access.can_work_incident_now(user, partnership, incident),
    }


def incident_page(incident, *, user, partnership) -> dict:
    """Everything the incident page shows, in a fixed number of queries whatever the incident's size: its live
    part (``incident_live``) and the rest (``incident_page_beyond_live``)."""
    live = incident_live(incident, user=user, partnership=partnership)
    return {**live, **_beyond_live(incident, user=user, partnership=partnership, scenes=live["scenes"])}


def incident_page_beyond_live(incident, *, user, partnership) -> dict:
    """What the incident page shows beyond its live part (``incidents/_page_body.html``), and only that: it is
    kept apart from the live part, so it reads none of the actions, the timeline or the scenes' measures,
    whose changes (the most frequent) then leave it as it was kept."""
    return _beyond_live(
        incident, user=user, partnership=partnership, scenes=list(incident.scenes.order_by("id"))
    )


def _beyond_live(incident, *, user, partnership, scenes) -> dict:
    version = incident.playbook_version
    vocabularies = version.vocabularies if version else default_vocabularies()
    # Read once, for the page and for the rule on police measures (which looks at who takes part).
    prefetch_related_objects(
        [incident],
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related("organisation", "contact").order_by(
                "organisation__name"
            ),
        ),
    )
    return {
        "incident": incident,
        "scenes": scenes,
        # A partner acknowledges for their organisation (the live part lists its actions).
        "acknowledges_here": access.partner_organisation_id(user, partnership) is not None,
        "type_labels": [vocabularies["incident_types"].get(code, code) for code in incident.incident_types],
        "categorisation": current_categorisation(incident),
        "police_declaration": current_police_declaration(incident),
        "can_record_police": access.can_record_police_declaration(user, partnership, incident)
        and not access.is_read_only(incident),
        "leads": list(
            LeadAssignment.objects.filter(incident=incident)
            .select_related("organisation", "officer")
            .order_by("-starts_at", "-id")
        ),
        "participations": list(incident.participations.all()),
        "decisions": list(
            Decision.objects.filter(incident=incident, superseded_by__isnull=True)
            .select_related("decided_by")
            .order_by("-decided_at")[:5]
        ),
        # A closed incident offers no changes: it is re-opened first.
        "can_manage": access.can_manage_incident_now(user, partnership, incident),
        "can_share": access.can_share_incident(user, partnership, incident)
        and not access.is_read_only(incident),
        "can_name_lead": access.can_name_lead(user, partnership, incident)
        and not access.is_read_only(incident),
        "panels": incident_panels(incident, user=user, partnership=partnership),
    }


def actions_of(incident) -> QuerySet[PlanAction]:
    """Every action of the plan, in checklist order, with their owners."""
    return _actions(incident).order_by("area_position", "due_at", "id")


def actions_visible_to(user, partnership) -> QuerySet[PlanAction]:
    """Every action of every incident this person may see, soonest due first, with their owners."""
    return (
        PlanAction.objects.filter(incident__in=access.visible_incidents(user, partnership).values("pk"))
        .select_related("owner_organisation", "owner")
        .order_by("due_at", "id")
    )


def plan(incident, *, organisation_id=None) -> list[tuple[str, list[PlanAction]]]:
    """The plan (or one organisation's part of it), grouped by area in checklist order."""
    actions = actions_of(incident)
    if organisation_id is not None:
        actions = actions.filter(owner_organisation_id=organisation_id)
    grouped: dict[str, list[PlanAction]] = {}
    for action in actions:
        grouped.setdefault(action.area_title, []).append(action)
    return list(grouped.items())


# How far ahead the plan's "first hours" view looks.
FIRST_HOURS = timedelta(hours=6)


@dataclass
class OwnersActions:
    """One owner's open actions due soon, for the first hours view."""

    owner: str
    actions: list[PlanAction]


def first_hours(incident, *, now: datetime) -> list[OwnersActions]:
    """The open actions overdue or due in the next few hours, by owner (the person, else the organisation),
    soonest due first within each owner; owners in the order of their soonest action."""
    due = (
        _actions(incident)
        .filter(status__in=OPEN_ACTION_STATUSES, due_at__lt=now + FIRST_HOURS)
        .order_by("due_at", "id")
    )
    grouped: dict[str, list[PlanAction]] = {}
    for action in due:
        owner = action.owner.full_name if action.owner else str(action.owner_organisation or "No owner")
        grouped.setdefault(owner, []).append(action)
    return [OwnersActions(owner=owner, actions=actions) for owner, actions in grouped.items()]


def as_stored(actions) -> list[tuple[str, str]]:
    """Each of ``actions`` as stored now, its title with its status and owner: their version, after a change
    to them was refused because someone else had changed them."""
    stored = PlanAction.objects.filter(pk__in=[action.pk for action in actions]).select_related(
        "owner_organisation", "owner"
    )
    return [
        (
            action.title,
            f"{action.get_status_display()}; "
            + (f"{action.owner.full_name}, " if action.owner else "")
            + str(action.owner_organisation or "no owner"),
        )
        for action in stored.order_by("pk")
    ]


def mark_updatable(actions, user, partnership) -> list[PlanAction]:
    """Each action with ``may_update``: whether this person may update it (Update is shown only then)."""
    actions = list(actions)
    for action in actions:
        action.may_update = access.can_update_action_now(user, partnership, action.incident, action)
    return actions


def actions_in(incident) -> QuerySet[PlanAction]:
    """The incident's actions with what an action's page shows (for ``access.get_for``)."""
    return PlanAction.objects.select_related("owner_organisation", "owner", "incident__partnership").filter(
        incident=incident
    )


def action_in(incident, action_id) -> PlanAction:
    return get_object_or_404(actions_in(incident), pk=action_id)


# How many timeline entries a page of the timeline shows; older ones are on the pages after it.
TIMELINE_ENTRIES_PER_PAGE = 100


def timeline(incident, *, kind: str = "") -> QuerySet[TimelineEntry]:
    entries = incident.timeline.select_related("by", "action").order_by("-at", "-id")
    return entries.filter(kind=kind) if kind else entries


def timeline_page(incident, *, kind: str = "", older_than: str = "", newer_than: str = "") -> KeysetPage:
    """One page of the incident's timeline (only entries of ``kind`` when given), newest first, with their
    authors: the page after or before a cursor, so its first entry is reached however long it grows."""
    return newest_first_page(
        timeline(incident, kind=kind),
        field="at",
        size=TIMELINE_ENTRIES_PER_PAGE,
        older_than=older_than,
        newer_than=newer_than,
    )


# The times recorded of what was done about an incident, each with how a message names it (and which of its
# rows count): the police declaration, the partners told and their acknowledgement, the categorisations and
# decisions, the due times of actions added by hand, the strands' records (schools, the hospital, safeguarding
# referrals). None is before the incident happened. An action drawn from the checklist is due counted from
# the time the partnership was told, itself not before the incident: a correction of both re-dates it.
# A hospital stay or a referral is about one person, and whoever corrects the incident may not be on their
# need-to-know list: its message gives no date.
ABOUT_SOMEONE_AFFECTED = (
    "A record about someone affected (a hospital stay or a safeguarding referral) is dated before the time "
    "given; its date is shown only to those on that person's need-to-know list, on the hospital and "
    "safeguarding page"
)
DONE_ABOUT_AN_INCIDENT = (
    (PoliceDeclaration, "declared_at", "The police declaration was made at {}", {}),
    (Participation, "informed_at", "A partner was told at {}", {}),
    (Participation, "acknowledged_at", "A partner acknowledged it at {}", {}),
    (Categorisation, "decided_at", "The incident was categorised at {}", {}),
    (Decision, "decided_at", "A decision was logged at {}", {}),
    (PlanAction, "due_at", "An action added by hand is due at {}", {"item__isnull": True}),
    (SafeguardingReferral, "referred_at", ABOUT_SOMEONE_AFFECTED, {}),
    (SchoolInvolved, "safeguarding_lead_informed_at", "A school's safeguarding lead was told at {}", {}),
    (
        SchoolInvolved,
        "critical_incident_plan_started_at",
        "A school started its critical incident plan at {}",
        {},
    ),
    (HospitalStay, "violence_reduction_team_informed_at", ABOUT_SOMEONE_AFFECTED, {}),
    (HospitalStay, "expected_discharge_on", ABOUT_SOMEONE_AFFECTED, {}),
)


def earliest_done_before(incident, moment: datetime) -> tuple[str, datetime | date] | None:
    """The earliest thing recorded as done about ``incident`` before ``moment`` (a date: before its day), as
    its description (to fill with the time) and its time; None if nothing is. One query."""
    day = timezone.localdate(moment)
    earliest = {}
    for index, (model, field, _, which) in enumerate(DONE_ABOUT_AN_INCIDENT):
        before = day if model._meta.get_field(field).get_internal_type() == "DateField" else moment
        earliest[f"done_{index}"] = Subquery(
            model.objects.filter(incident=OuterRef("pk"), **which, **{f"{field}__lt": before})
            .order_by(field)
            .values(field)[:1]
        )
    found = Incident.objects.filter(pk=incident.pk).values(**earliest).get()
    done = [
        (DONE_ABOUT_AN_INCIDENT[index][2], found[f"done_{index}"])
        for index in range(len(DONE_ABOUT_AN_INCIDENT))
        if found[f"done_{index}"] is not None
    ]

    def as_moment(at) -> datetime:
        if isinstance(at, datetime):
            return at
        return timezone.make_aware(datetime.combine(at, datetime.min.time()))

    return min(done, key=lambda pair: as_moment(pair[1]), default=None)


def decisions(incident) -> QuerySet[Decision]:
    return incident.decisions.select_related("decided_by", "superseded_by").order_by("-decided_at", "-id")


def decision_in(incident, decision_id) -> Decision:
    return get_object_or_404(decisions(incident), pk=decision_id)


def participation_by_token(token: str) -> Participation | None:
    from svtoolkit.accounts.selectors import holding_token

    # A closed incident takes no more acknowledgements, nor does a link sent to a contact since taken out of
    # the directory (they may have left the organisation).
    still_open = (
        Participation.objects.exclude(incident__status="closed")
        .exclude(contact__is_active=False)
        .select_related("incident", "organisation")
    )
    return holding_token(still_open, token, field="acknowledgement_token_hash")


# The kind of message a partner's notice is, in the delivery layer.
PARTNER_NOTICE = "partner_notice"


def notice_reached_no_one() -> Q:
    """Partners whose notice failed for good at every address it went to: told on paper only, so informing
    partners sends it again and they do not count as told."""
    return Q(notice__in=messaging_selectors.reached_no_one(PARTNER_NOTICE))


def partners_told():
    """Partners told of their incident: sent a notice that went, or is still on its way, to at least one of
    its addresses (not one whose every delivery failed)."""
    return Participation.objects.filter(informed_at__isnull=False).exclude(notice_reached_no_one())


@dataclass
class PartnerNotice:
    """A partner taking part, how its latest notice went (one delivery per address it was sent to), and its
    call list: the organisation's directory contacts in escalation order, with their out-of-hours details."""

    participation: Participation
    deliveries: list
    contacts: list

    @property
    def failed(self) -> bool:
        return any(delivery.status == "failed" for delivery in self.deliveries)


def partners_and_notices(incident) -> list[PartnerNotice]:
    partners = incident.participations.select_related("organisation", "contact", "notice").prefetch_related(
        "notice__deliveries",
        Prefetch(
            "organisation__contacts", queryset=Contact.objects.filter(is_active=True), to_attr="call_list"
        ),
    )
    return [
        PartnerNotice(
            participation=p,
            deliveries=list(p.notice.deliveries.all()) if p.notice else [],
            contacts=p.organisation.call_list,
        )
        for p in partners
    ]


def participation_in(incident, participation_id) -> Participation:
    return get_object_or_404(
        incident.participations.select_related("organisation", "notice", "incident__partnership"),
        pk=participation_id,
    )


def participation_of(incident, organisation_id) -> Participation | None:
    return (
        incident.participations.filter(organisation_id=organisation_id).select_related("organisation").first()
    )


def incidents_home_section(*, user, partnership) -> dict | None:
    """Home page: tonight's work first. The live incidents this person works on (they lead it, own an action
    on it, or their organisation takes part), then the open actions on live incidents owned by them or their
    organisation, soonest due first; then the other open incidents they may see."""
    live = access.visible_incidents(user, partnership).exclude(status="closed")
    membership = access.memberships_of(user).get(partnership.pk)
    organisation = membership.organisation_id if membership else None
    owned = Q(owner=user) | (Q(owner_organisation_id=organisation) if organisation else Q(pk__in=[]))
    mine = PlanAction.objects.filter(incident__in=live.values("pk"), status__in=OPEN_ACTION_STATUSES).filter(
        owned
    )
    works_on = Q(leads__officer=user) | Q(actions__owner=user)
    if organisation:
        works_on |= Q(participations__organisation_id=organisation)
    working = list(
        live.filter(pk__in=live.filter(works_on).values("pk")).order_by("-occurred_at", "-id")[:10]
    )
    others = live.exclude(pk__in=[incident.pk for incident in working]).order_by("-occurred_at", "-id")[:10]
    mine_first = list(mine.select_related("incident", "owner_organisation").order_by("due_at", "id")[:15])
    for action in mine_first:
        action.is_yours = action.owner_id == user.pk
    return {
        "working_incidents": count_actions(working),
        "open_incidents": count_actions(list(others)),
        "my_actions": mine_first,
        "now": timezone.now(),
    }


# --- Scenes and their police measures, as the incident page shows them ------------------------------------

CURRENT_MEASURE_STATES = {MeasureState.IN_FORCE, MeasureState.STARTS_LATER}


def clock_time(moment: datetime, *, relative_to: datetime) -> str:
    """A time as people say it on the day: "02:00", or "02:00 on 26 Nov" when it is another day."""
    local, day = timezone.localtime(moment), timezone.localtime(relative_to).date()
    return f"{local:%H:%M}" if local.date() == day else f"{local:%H:%M} on {local.day} {local:%b}"


def measure_status(measure: SceneMeasure, *, now: datetime) -> str:
    """The measure's state in words: "In force until 02:00", "Starts at 18:00", "Lifted at 23:40"..."""
    state = measure.state_at(now)
    if state == MeasureState.LIFTED:
        return f"Lifted at {clock_time(measure.lifted_at, relative_to=now)}"
    if state == MeasureState.EXPIRED:
        return f"Expired at {clock_time(measure.ends_at, relative_to=now)}"
    until = f"until {clock_time(measure.ends_at, relative_to=now)}" if measure.ends_at else "until lifted"
    if state == MeasureState.STARTS_LATER:
        return f"Starts at {clock_time(measure.starts_at, relative_to=now)}, {until}"
    return f"In force {until}"


def current_measures(incident, *, now: datetime) -> list[SceneMeasure]:
    """The measures of the incident's scenes not lifted and not ended: in force, or authorised to start."""
    measures = (
        SceneMeasure.objects.filter(scene__incident=incident, lifted_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("scene")
        .order_by("starts_at", "id")
    )
    return list(measures)


def lift_before_closing(incident, *, now: datetime | None = None) -> str:
    """Why the incident may not close while police measures are current, naming each; "" when none is. A
    closed incident refuses changes, so a measure left current then could never be recorded lifted."""
    measures = current_measures(incident, now=now or timezone.now())
    if not measures:
        return ""
    named = "; ".join(f"{measure.get_kind_display()} – {measure.description}" for measure in measures)
    return (
        f"{len(measures)} police measure{'s are' if len(measures) != 1 else ' is'} still in force or due to "
        f"start: record each one lifted first. {named}."
    )


@dataclass(slots=True)
class ShownMeasure:
    """A police measure as the live part shows it (incidents/jinja2/incidents/measures.html): its columns, and
    its ``state`` (the model's own rule, ``SceneMeasure.state_at``, on them) and ``status`` in words."""

    pk: int
    kind: str
    description: str
    area: str
    latitude: Decimal | float | None  # as the driver gives it: the page shows it through floatformat
    longitude: Decimal | float | None
    starts_at: datetime
    ends_at: datetime | None
    authorised_by: str
    lifted_at: datetime | None
    state: str = ""
    is_current: bool = False
    status: str = ""

    state_at = SceneMeasure.state_at

    @property
    def kind_label(self) -> str:
        return _MEASURE_KINDS.get(self.kind, self.kind)


@dataclass(slots=True)
class ShownScene:
    """A scene as the live part shows it, with its measures, current ones first (``shown_measures``)."""

    pk: int
    description: str
    area: str
    shown_measures: list[ShownMeasure]


_MEASURE_COLUMNS = (
    "id",
    "kind",
    "description",
    "area",
    "latitude",
    "longitude",
    "starts_at",
    "ends_at",
    "authorised_by",
    "lifted_at",
)


def scenes_with_measures(incident, *, now: datetime, scenes: list[Scene] | None = None) -> list[ShownScene]:
    """The incident's scenes in the order they were recorded, each with its measures (current ones first) in
    ``shown_measures``, each measure with its ``state`` and ``status`` in words: one query whatever their
    number. Given ``scenes`` (the rest of the incident page, drawn in the same request, read them after the
    same versions: issue 19), their measures alone are read. Read as plain values, the scenes joined: the
    ORM's two queries and the models they built cost fifteen times the CPU (0.64 against 0.04 ms for a scene
    without measures), on every drawing of the live part."""
    measure_columns = ", ".join(f"m.{column}" for column in _MEASURE_COLUMNS)
    measures = SceneMeasure._meta.db_table
    if scenes is None:
        rows = _rows(
            f"SELECT s.id, s.description, s.area, {measure_columns} FROM {Scene._meta.db_table} AS s"
            f" LEFT JOIN {measures} AS m ON m.scene_id = s.id"
            " WHERE s.incident_id = %s ORDER BY s.id, m.starts_at, m.id",
            [incident.pk],
        )
        shown = {}
        for scene_id, description, area, *measure in rows:
            shown.setdefault(scene_id, ShownScene(scene_id, description, area, []))
            if measure[0] is not None:
                shown[scene_id].shown_measures.append(_measure(measure, now))
    else:
        shown = {scene.pk: ShownScene(scene.pk, scene.description, scene.area, []) for scene in scenes}
        sql = (
            f"SELECT m.scene_id, {measure_columns} FROM {measures} AS m"
            f" WHERE m.scene_id IN ({_placeholders(shown)}) ORDER BY m.starts_at, m.id"
        )
        rows = _rows(sql, list(shown)) if shown else []
        for scene_id, *measure in rows:
            shown[scene_id].shown_measures.append(_measure(measure, now))
    for scene in shown.values():
        scene.shown_measures.sort(key=lambda measure: not measure.is_current)
    return list(shown.values())


def _measure(row, now: datetime) -> ShownMeasure:
    pk, kind, description, area, latitude, longitude, starts_at, ends_at, authorised_by, lifted_at = row
    measure = ShownMeasure(
        pk,
        kind,
        description,
        area,
        latitude,
        longitude,
        _moment(starts_at),
        _moment(ends_at),
        authorised_by,
        _moment(lifted_at),
    )
    measure.state = measure.state_at(now)
    measure.is_current = measure.state in CURRENT_MEASURE_STATES
    measure.status = measure_status(measure, now=now)
    return measure


def people_visible_to(user, incident) -> QuerySet:
    """The people affected by ``incident`` whose records ``user`` may read (each record's own need-to-know
    list, ``access.readable_people_condition``), by role. Every page, document and list that shows people
    affected takes them from here, so a record is never listed to someone off its list; sharing the incident
    discloses only these (nobody discloses what they may not read)."""
    return incident.people.filter(access.readable_people_condition(user)).order_by("role", "id")


def people_left_out_of_share(user, incident) -> int:
    """How many records of people affected a share of ``incident`` by ``user`` leaves out: those they may
    not read (``people_visible_to``), which someone on their lists can share."""
    return incident.people.exclude(pk__in=people_visible_to(user, incident).values("pk")).count()


def of_type(code: str) -> Q:
    """Incidents whose list of types holds ``code``: JSON containment where the database has it (and can
    index it), otherwise the quoted code in the list's text, which cannot match part of another code."""
    if connection.features.supports_json_field_contains:
        return Q(incident_types__contains=[code])
    return Q(incident_types__icontains=f'"{code}"')


def action_updates(action_id: int) -> list[ShownEntry]:
    """The updates of action ``action_id`` its page lists, newest first, with when, what and their authors'
    names, read as plain values as ``latest_entries`` reads the incident's: reading each entry and its author
    whole through Django cost as much CPU as drawing half the page's form."""
    return _shown_entries("action_id", action_id)


def actions_of_visible_incident(incident_id) -> access.RecordsOfVisibleIncident:
    """The actions of incident ``incident_id``, for ``access.get_for`` to find one if this person may see the
    incident, with its incident (and only its partnership): the action page finds its action and incident in
    one query (``get_for`` then refuses a change once the incident is closed). Its owners are not joined: the
    page's form starts from their ids, and a save names only an owner chosen then."""
    return access.RecordsOfVisibleIncident(PlanAction, incident_id, related=("incident__partnership",))
