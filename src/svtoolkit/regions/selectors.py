"""Reading a region's view of its partnerships' incidents: only the fields each partnership lets the region
see (access.regional_fields), never people affected, and every read written to the partnership's audit log.

An incident reaches a regional page only as a ``RegionalIncident``, built with the fields the region may read
and nothing else, so a template cannot show what the rules hide.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_many
from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.incidents.models import (
    ActionStatus,
    Categorisation,
    Incident,
    IncidentLink,
    IncidentShare,
    IncidentStatus,
    PlanAction,
)
from svtoolkit.incidents.tallies import first_critical_incident_meeting, first_partner_informed
from svtoolkit.partnerships.models import Partnership, Region, RegionalCategory, RegionalSharing
from svtoolkit.playbooks.default import default_vocabularies
from svtoolkit.regions.models import ProposalStatus, RegionalShare, ShareProposal

# The toolkit's first-day expectations: partners informed, the first critical-incident meeting held and a
# communications lead agreed, each within 24 hours of the partnership hearing of the incident.
FIRST_DAY = timedelta(hours=24)
# The board shows the newest open incidents first, this many at most (a region of 33 boroughs has a few
# dozen open at once; the limit keeps a page readable and its cost flat).
BOARD_SIZE = 100
SETTLED_ACTIONS = [ActionStatus.DONE, ActionStatus.NOT_NEEDED]


@dataclass(frozen=True)
class FirstDayStep:
    """One of the first day's expectations and how the incident stands against it: against its 24 hours only
    where the region may read when the partnership was notified (``due_at``), else done or not yet, since
    "Due" turning "Overdue" would tell the region that time."""

    label: str
    done: bool
    done_at: datetime | None  # None when done but the time is not recorded, or not to be compared
    due_at: datetime | None  # None when the partnership keeps its dates from the region
    now: datetime

    @property
    def state(self) -> str:
        if self.due_at is None:
            return "Done" if self.done else "Not yet"
        if self.done:
            if self.done_at is None:
                return "Done"
            return "Done in time" if self.done_at <= self.due_at else "Done late"
        return "Overdue" if self.now > self.due_at else "Due"

    @property
    def colour(self) -> str:
        colours = {"Done": "green", "Done in time": "green", "Done late": "yellow", "Overdue": "red"}
        return colours.get(self.state, "blue")


@dataclass
class RegionalIncident:
    """An incident as the region may see it: each attribute is None unless its field is in ``fields``."""

    pk: int
    reference: str
    partnership: str
    partnership_id: int
    shared_with_region: bool
    fields: frozenset
    incident_types: list[str] | None = None
    serious_violence: bool | None = None
    status: str | None = None
    is_open: bool | None = None
    occurred_at: datetime | None = None
    notified_at: datetime | None = None
    closed_at: datetime | None = None
    actions_settled: int | None = None
    actions_total: int | None = None
    first_day: list[FirstDayStep] | None = None
    areas: list[str] | None = None
    title: str | None = None
    summary: str | None = None
    scenes: list[str] | None = None
    linked: list["RegionalIncident"] = field(default_factory=list)
    links: list["RegionalLink"] = field(default_factory=list)

    def sees(self, name: str) -> bool:
        return name in self.fields


@dataclass(frozen=True)
class RegionalLink:
    """An explicit link (incidents.links) between two incidents of the region, as the region may see it: its
    kind (possible retaliation, same peer group...) and the other incident as far as its partnership shares
    it; the reason typed (free text) only when both incidents are shared with the region."""

    kind: str
    other: RegionalIncident
    reason: str | None = None


def type_labels(codes) -> list[str]:
    labels = default_vocabularies()["incident_types"]
    return [labels.get(code, code.replace("_", " ").capitalize()) for code in codes]


def regional_view(incident, *, now: datetime) -> RegionalIncident:
    """``incident`` (from ``region_incidents``, with its annotations) cut down to what the region may read."""
    fields = access.regional_fields(
        access.regional_categories_of(incident.partnership), shared_with_region=incident.is_shared_with_region
    )
    shown = RegionalIncident(
        pk=incident.pk,
        reference=incident.reference,
        partnership=incident.partnership.area or incident.partnership.name,
        partnership_id=incident.partnership_id,
        shared_with_region=incident.is_shared_with_region,
        fields=fields,
    )
    if "incident_types" in fields:
        shown.incident_types = type_labels(incident.incident_types)
    if "serious_violence" in fields:
        shown.serious_violence = incident.latest_serious_violence
    if "status" in fields:
        shown.status = IncidentStatus(incident.status).label
        shown.is_open = incident.status != IncidentStatus.CLOSED
    if "occurred_at" in fields:
        shown.occurred_at, shown.notified_at = incident.occurred_at, incident.notified_at
        # A closing date says the incident is closed: shown only where its status is.
        if "status" in fields:
            shown.closed_at = incident.closed_at
    if "progress" in fields:
        shown.actions_settled, shown.actions_total = incident.actions_settled, incident.actions_total
        timed = "notified_at" in fields
        due = incident.notified_at + FIRST_DAY if timed else None
        shown.first_day = [
            FirstDayStep(
                "Partners informed",
                incident.first_informed_at is not None,
                incident.first_informed_at if timed else None,
                due,
                now,
            ),
            FirstDayStep(
                "First meeting held",
                incident.first_meeting_at is not None,
                incident.first_meeting_at if timed else None,
                due,
                now,
            ),
            # The communications plan records no time of agreeing: done, or not yet.
            FirstDayStep("Communications lead agreed", incident.has_comms_lead, None, due, now),
        ]
    scenes = list(incident.scenes.all()) if {"areas", "scenes"} & fields else []
    if "areas" in fields:
        shown.areas = sorted({scene.area for scene in scenes if scene.area})
    if "title" in fields:
        shown.title, shown.summary = incident.title, incident.summary
        shown.scenes = [scene.description for scene in scenes]
    return shown


def region_incidents(region, *, partnership_ids=None) -> QuerySet[Incident]:
    """The region's incidents with what the board needs, each figure a subquery (no row per action or
    partner): the latest categorisation, plan progress and the first day's three steps. ``partnership_ids``:
    as ``access.region_incident_condition`` takes them."""
    actions = PlanAction.objects.filter(incident=OuterRef("pk")).order_by().values("incident")
    return (
        Incident.objects.filter(access.region_incident_condition(region, partnership_ids=partnership_ids))
        .select_related("partnership__regional_sharing")
        .prefetch_related("scenes")
        .annotate(
            is_shared_with_region=Exists(
                RegionalShare.objects.filter(incident=OuterRef("pk"), region=region)
            ),
            latest_serious_violence=Subquery(
                Categorisation.objects.filter(incident=OuterRef("pk"))
                .order_by("-decided_at", "-id")
                .values("serious_violence")[:1]
            ),
            actions_total=Coalesce(
                Subquery(actions.annotate(n=Count("pk")).values("n")), 0, output_field=IntegerField()
            ),
            actions_settled=Coalesce(
                Subquery(
                    actions.filter(status__in=SETTLED_ACTIONS).annotate(n=Count("pk")).values("n"),
                ),
                0,
                output_field=IntegerField(),
            ),
            first_informed_at=first_partner_informed(),
            first_meeting_at=first_critical_incident_meeting(),
            has_comms_lead=Exists(CommunicationsPlan.objects.filter(incident=OuterRef("pk"))),
        )
    )


def _audit_reads(*, region, by, shown: list[RegionalIncident], page: str, request=None) -> None:
    """One entry in each partnership's audit log naming the incidents of it the region read on this page,
    all written in one statement."""
    by_partnership: dict[int, list[RegionalIncident]] = {}
    for incident in shown:
        by_partnership.setdefault(incident.partnership_id, []).append(incident)
    partnership_of = Partnership.objects.in_bulk(list(by_partnership))
    record_many(
        action=AuditAction.REGIONAL_VIEW,
        actor=by,
        details=[
            (
                partnership_of[partnership_id],
                {
                    "region": region.name,
                    "page": page,
                    "incidents": [incident.reference for incident in incidents],
                },
            )
            for partnership_id, incidents in by_partnership.items()
        ],
        request=request,
    )


def in_shared_order(incidents: list[RegionalIncident]) -> list[RegionalIncident]:
    """Newest first by the date notified where the partnership shares its dates; after them, by borough and
    newest reference first, the incidents of partnerships that do not, since placing them among the others
    by a date the region may not see would tell it that date to within its neighbours'."""
    dated = [incident for incident in incidents if incident.notified_at is not None]
    dated.sort(key=lambda incident: (incident.notified_at, incident.pk), reverse=True)
    undated = [incident for incident in incidents if incident.notified_at is None]
    undated.sort(key=lambda incident: incident.reference, reverse=True)
    undated.sort(key=lambda incident: incident.partnership)  # stable: newest reference first in each
    return dated + undated


def board(region, *, user, request=None, now: datetime | None = None) -> dict:
    """The live board: the region's open incidents in ``in_shared_order``, as the region may see them, and
    how each stands against the first day's expectations. Audited in each partnership's log.

    Only the incidents of partnerships that let the region see their status: an incident of one that does
    not would say it was still open by being on the board, and that it was closed by leaving it. Those
    partnerships are named instead."""
    now = now or timezone.now()
    partnerships = list(region.partnerships.select_related("regional_sharing").order_by("name"))
    keeping_status = [
        partnership
        for partnership in partnerships
        if RegionalCategory.STATUS not in access.regional_categories_of(partnership)
    ]
    incidents = _first_on_board(
        region, [partnership for partnership in partnerships if partnership not in keeping_status]
    )
    limited, incidents = len(incidents) > BOARD_SIZE, incidents[:BOARD_SIZE]
    shown = in_shared_order([regional_view(incident, now=now) for incident in incidents])
    board_links(region, shown)
    on_board = {incident.pk for incident in shown}
    named = {link.other.pk: link.other for incident in shown for link in incident.links}
    _audit_reads(
        region=region,
        by=user,
        shown=[*shown, *(other for pk, other in named.items() if pk not in on_board)],
        page="board",
        request=request,
    )
    return {
        "incidents": shown,
        "partnerships": [partnership for partnership in partnerships if partnership.is_active],
        "keeping_status": [partnership for partnership in keeping_status if partnership.is_active],
        "updated_at": now,
        "limited": limited,
    }


def _first_on_board(region, partnerships) -> list[Incident]:
    """The first ``BOARD_SIZE`` open incidents of these partnerships in ``in_shared_order``, and the next one
    if there is one, which tells a full board from one with incidents left off. Those of partnerships sharing
    their dates come newest first, through the index of open incidents; the rest only after them, by borough
    and newest reference: picked by a date the region may not see, whether an incident made the board would
    tell the region that date."""
    keeping_dates = {
        partnership.pk
        for partnership in partnerships
        if RegionalCategory.DATES not in access.regional_categories_of(partnership)
    }
    sharing_dates = [partnership.pk for partnership in partnerships if partnership.pk not in keeping_dates]
    incidents = list(
        region_incidents(region, partnership_ids=sharing_dates)
        .exclude(status=IncidentStatus.CLOSED)
        .order_by("-notified_at", "-id")[: BOARD_SIZE + 1]
    )
    if keeping_dates and len(incidents) <= BOARD_SIZE:
        borough = Coalesce(NullIf("partnership__area", Value("")), "partnership__name")
        incidents += (
            region_incidents(region, partnership_ids=keeping_dates)
            .exclude(status=IncidentStatus.CLOSED)
            .order_by(borough, "-reference")[: BOARD_SIZE + 1 - len(incidents)]
        )
    return incidents


def links_in_region(region, incident_ids) -> QuerySet[IncidentLink]:
    """The explicit links of these incidents whose both ends are incidents of the region (never one to an
    exercise or to another region's incident, whose existence the region may not see)."""
    return (
        IncidentLink.objects.filter(
            access.region_incident_condition(region, through="incident__"),
            access.region_incident_condition(region, through="linked__"),
        )
        .filter(Q(incident_id__in=incident_ids) | Q(linked_id__in=incident_ids))
        .select_related("incident__partnership", "linked__partnership")
        .order_by("-created_at", "-id")
    )


def _other_end(link, incident_id: int) -> Incident:
    return link.linked if link.incident_id == incident_id else link.incident


def board_links(region, incidents: list[RegionalIncident]) -> None:
    """Give each incident of the board its explicit links, the other ends by reference and borough only (what
    the region sees of any incident of its boroughs); one query."""
    by_pk = {incident.pk: incident for incident in incidents}
    for link in links_in_region(region, list(by_pk)):
        for end in (link.incident, link.linked):
            if end.pk in by_pk:
                other = _other_end(link, end.pk)
                by_pk[end.pk].links.append(
                    RegionalLink(kind=link.get_kind_display(), other=existence_of(other))
                )


def existence_of(incident) -> RegionalIncident:
    """What the region sees of any incident of its boroughs: that it exists, its reference and borough."""
    return RegionalIncident(
        pk=incident.pk,
        reference=incident.reference,
        partnership=incident.partnership.area or incident.partnership.name,
        partnership_id=incident.partnership_id,
        shared_with_region=False,
        fields=access.regional_fields((), shared_with_region=False),
    )


def linked_incidents(incident) -> QuerySet[Incident]:
    """Incidents linked across borough lines: those shared between two partnerships of the region (with the
    same partnerships as this one), the nearest thing svtoolkit records to "the same peer group"."""
    partnerships = {
        incident.partnership_id,
        *IncidentShare.objects.filter(incident=incident).values_list("partnership_id", flat=True),
    }
    shared_with_these = IncidentShare.objects.filter(partnership_id__in=partnerships).values("incident_id")
    shared_from_these = IncidentShare.objects.filter(
        incident__partnership_id__in=partnerships, partnership_id__in=partnerships
    ).values("incident_id")
    return Incident.objects.filter(
        Q(pk__in=shared_with_these, partnership_id__in=partnerships) | Q(pk__in=shared_from_these)
    ).exclude(pk=incident.pk)


def regional_incident(region, incident_id: int, *, user, request=None, now: datetime | None = None):
    """One incident of the region as it may see it, with its linked incidents and open proposals; 404 for an
    incident not of the region. Audited in the partnership's log (and each linked incident's)."""
    now = now or timezone.now()
    incidents = region_incidents(region)
    try:
        incident = incidents.get(pk=incident_id)
    except Incident.DoesNotExist as missing:
        raise Http404("No such incident in this region.") from missing
    shown = regional_view(incident, now=now)
    shown.linked = in_shared_order(
        [
            regional_view(other, now=now)
            for other in incidents.filter(pk__in=linked_incidents(incident).values("pk"))
        ]
    )
    links = list(links_in_region(region, [incident.pk]))
    others = {
        other.pk: regional_view(other, now=now)
        for other in incidents.filter(pk__in=[_other_end(link, incident.pk).pk for link in links])
    }
    for link in links:
        other = others[_other_end(link, incident.pk).pk]
        reason = link.reason if shown.shared_with_region and other.shared_with_region else None
        shown.links.append(RegionalLink(kind=link.get_kind_display(), other=other, reason=reason))
    _audit_reads(
        region=region,
        by=user,
        shown=[shown, *shown.linked, *others.values()],
        page=f"incident {shown.reference}",
        request=request,
    )
    return shown, incident


def incident_of_region(region, incident_id: int) -> Incident:
    """An incident of the region (for acting on it, not reading it), else 404."""
    try:
        return Incident.objects.select_related("partnership").get(
            access.region_incident_condition(region), pk=incident_id
        )
    except Incident.DoesNotExist as missing:
        raise Http404("No such incident in this region.") from missing


def regional_sharing_of(partnership) -> RegionalSharing:
    """The partnership's stored choice, or an unsaved one holding the defaults."""
    return RegionalSharing.objects.filter(partnership=partnership).first() or RegionalSharing(
        partnership=partnership
    )


def proposals_for(incident, *, region=None) -> QuerySet[ShareProposal]:
    """``region``'s proposals to share the incident (every region's when None), newest first, with the
    partnerships they name."""
    proposals = ShareProposal.objects.filter(incident=incident).select_related("partnership", "proposed_by")
    return proposals if region is None else proposals.filter(region=region)


def open_proposals(incident, *, region) -> QuerySet[ShareProposal]:
    return proposals_for(incident, region=region).filter(status=ProposalStatus.PROPOSED)


def other_partnerships(region, incident) -> QuerySet[Partnership]:
    """The partnerships of the region an incident could be shared with (not its own, not already shared)."""
    already = IncidentShare.objects.filter(incident=incident).values("partnership_id")
    return (
        region.partnerships.filter(is_active=True)
        .exclude(pk=incident.partnership_id)
        .exclude(pk__in=already)
        .order_by("name")
    )


def regions_of(user) -> list:
    """The regions this person holds a role in, with the role."""
    return [
        {"region": membership.region, "role": membership.get_role_display()}
        for membership in access.regional_memberships_of(user).values()
    ]


def region_home_section(*, user, partnership) -> dict | None:
    """Home page: regional staff get a way to their region's board."""
    regions = regions_of(user)
    return {"regions": regions} if regions else None


def region_of_incident_page(incident, region_id) -> Region:
    """The region as the incident page's region and fund panels show it, read once for both: with its fund
    rules, and whether the incident is shared with it (``shared``) or proposed for sharing (``proposed``).

    The two questions are written as SQL: Django building them (two subqueries, one through
    ``open_proposals``) cost twice the rest of the query, each time the page is drawn."""
    read = getattr(incident, "_page_region", None)
    if read is None or read.pk != region_id:
        shared = (
            f"EXISTS (SELECT 1 FROM {RegionalShare._meta.db_table} WHERE incident_id = %s AND region_id = %s)"
        )
        proposed = (
            f"EXISTS (SELECT 1 FROM {ShareProposal._meta.db_table}"
            " WHERE incident_id = %s AND region_id = %s AND status = %s)"
        )
        read = (
            Region.objects.select_related("fund_rules")
            .annotate(
                shared=RawSQL(shared, (incident.pk, region_id), output_field=BooleanField()),
                proposed=RawSQL(
                    proposed, (incident.pk, region_id, ProposalStatus.PROPOSED), output_field=BooleanField()
                ),
            )
            .get(pk=region_id)
        )
        incident._page_region = read
    return read


def region_panel(*, incident, user, partnership) -> dict | None:
    """The incident page's region section, for the response team of an incident's own partnership when that
    partnership is in a region: whether the incident is shared with the region, and the region's proposals
    to share it with a neighbouring partnership, waiting for their decision. One query (shared with the fund
    panel), two with proposals."""
    if (
        partnership is None
        or partnership.region_id is None
        or not access.can_share_incident(user, partnership, incident)
    ):
        return None
    region = region_of_incident_page(incident, partnership.region_id)
    return {
        "region": region,
        "shared": region.shared,
        "proposals": list(open_proposals(incident, region=region)) if region.proposed else [],
        # A closed incident is shared with no one until re-opened (with the region or through a proposal); it
        # can still stop being shared with the region, and its proposals can still be declined.
        "open_to_sharing": not access.is_read_only(incident),
        "closed_to_sharing": closed_to_sharing(incident) if access.is_read_only(incident) else "",
    }


def closed_to_sharing(incident) -> str:
    """What someone deciding a proposal on a closed incident is told: what it takes to share it (re-opening,
    unless its people's details were erased, after which it cannot be), and that declining is still open."""
    return (
        f"{incident.reference} is closed, so it cannot be shared. {access.how_to_change_closed(incident)} "
        "The proposal can still be declined."
    )
