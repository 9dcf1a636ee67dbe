"""Reading the partnership's figures over the incidents the viewer may see (access.visible_incidents),
exercises left out.

The response times, the actions done on time and the incidents per month are read from the running totals the
services keep (``DashboardTally``, ``MonthlyTally``, docs/decisions/0013) when those stand for what the viewer
may see, and otherwise counted from the records in one query each; the figures whose cost follows open
incidents and open actions are always counted from the records. No figure loops over incidents in Python, so
the dashboard costs the same handful of queries whatever the number of incidents; Python only lays out the
grouped rows.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import ClassVar

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from svtoolkit import access
from svtoolkit.core.charts import chart as _chart
from svtoolkit.core.charts import hours as _hours
from svtoolkit.core.charts import month_of as _month
from svtoolkit.core.charts import months_between
from svtoolkit.core.charts import percent as _percent
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    DashboardTally,
    Incident,
    IncidentStatus,
    MonthlyTally,
    PlanAction,
)
from svtoolkit.incidents.people.selectors import DUE_SOON
from svtoolkit.incidents.selectors import of_type
from svtoolkit.incidents.tally_models import ALL_TYPES, DASHBOARD_COUNTERS
from svtoolkit.meetings.selectors import since_notified, with_first_response
from svtoolkit.playbooks.default import default_vocabularies
from svtoolkit.playbooks.models import ReadinessAssessment
from svtoolkit.playbooks.selectors import published_version, rating_counts, score_from_counts

OPEN_STATUSES = [status for status in IncidentStatus if status != IncidentStatus.CLOSED]


@dataclass(frozen=True)
class Filters:
    """Which incidents the figures cover: those that occurred since ``since`` (None: all), of one type."""

    since: datetime | None = None
    incident_type: str = ""


def incident_types(partnership) -> dict[str, str]:
    """The partnership's incident types (its published checklist's vocabulary), code to label."""
    version = published_version(partnership)
    return (version.vocabularies if version else default_vocabularies())["incident_types"]


def reportable_incidents(user, partnership, filters: Filters) -> QuerySet[Incident]:
    """The incidents the figures count: visible to this person, not exercises, within the filters."""
    incidents = access.visible_incidents(user, partnership).filter(is_exercise=False)
    if filters.since is not None:
        incidents = incidents.filter(occurred_at__gte=filters.since)
    if filters.incident_type:
        incidents = incidents.filter(of_type(filters.incident_type))
    # No ordering: the figures group rows, and the model's default ordering would split the groups.
    return incidents.order_by()


# --- The figures -------------------------------------------------------------------------------------------


@dataclass
class StatusRow:
    status: str
    label: str
    total: int
    by_type: list[int]


def _counted_by_type(incidents, group: str, types: dict[str, str], *, key=lambda value: value) -> dict:
    """How many of ``incidents`` there are for each value of ``group`` (a field, or an annotation), by ``key``
    of the value: ``(total, [how many of each of types])``, an incident of two types counting under both;
    none of each for a value no incident has."""
    per_type = {f"type_{i}": Count("id", filter=of_type(code)) for i, code in enumerate(types)}
    counted = defaultdict(lambda: (0, [0] * len(types)))
    for row in incidents.values(group).annotate(total=Count("id"), **per_type):
        counted[key(row[group])] = (row["total"], [row[f"type_{i}"] for i in range(len(types))])
    return counted


def open_by_status_and_type(incidents, types: dict[str, str]) -> list[StatusRow]:
    """Open incidents by status, and by type within each (an incident of two types counts under both)."""
    counted = _counted_by_type(incidents.filter(status__in=OPEN_STATUSES), "status", types)
    return [StatusRow(status.value, status.label, *counted[status]) for status in OPEN_STATUSES]


@dataclass
class OrganisationActions:
    organisation: str
    overdue: int
    due_soon: int


def actions_by_organisation(incidents, *, now: datetime) -> list[OrganisationActions]:
    """Open actions overdue or due within a day, by the organisation that owns them, most overdue first."""
    rows = (
        PlanAction.objects.filter(
            incident__in=incidents, status__in=OPEN_ACTION_STATUSES, due_at__lt=now + DUE_SOON
        )
        .values("owner_organisation__name")
        .annotate(
            overdue=Count("id", filter=Q(due_at__lt=now)),
            due_soon=Count("id", filter=Q(due_at__gte=now)),
        )
        .order_by("-overdue", "-due_soon", "owner_organisation__name")
    )
    return [
        OrganisationActions(
            row["owner_organisation__name"] or "No owner yet", row["overdue"], row["due_soon"]
        )
        for row in rows
    ]


@dataclass
class MonthRow:
    month: date
    total: int = 0
    by_type: list[int] = field(default_factory=list)


def incidents_per_month(incidents, types: dict[str, str], months: list[date]) -> list[MonthRow]:
    """Incidents by the month they occurred in (local time), and by type within each month."""
    counted = _counted_by_type(
        incidents.annotate(month=TruncMonth("occurred_at")), "month", types, key=_month
    )
    return [MonthRow(month, *counted[month]) for month in months]


@dataclass
class ResponseTimes:
    month: date | None  # None: the whole period
    incidents: int = 0
    with_meeting: int = 0
    hours_to_meeting: float | None = None
    with_partners_informed: int = 0
    hours_to_partners_informed: float | None = None


def _weighted_average(rows, average: str, count: str) -> timedelta | None:
    counted = sum(row[count] for row in rows if row[average] is not None)
    if not counted:
        return None
    return sum((row[average] * row[count] for row in rows if row[average] is not None), timedelta()) / counted


def response_times(incidents, months: list[date]) -> tuple[list[ResponseTimes], ResponseTimes]:
    """Average hours from notification to the first critical-incident meeting and to the first partner
    informed, by the month the partnership was notified, and over the whole period."""
    timed = with_first_response(incidents)
    figures = {
        "incidents": Count("id"),
        "with_meeting": Count("first_meeting"),
        "to_meeting": Avg(since_notified("first_meeting")),
        "with_partners_informed": Count("first_informed"),
        "to_informed": Avg(since_notified("first_informed")),
    }
    rows = {
        _month(row["month"]): row
        for row in timed.annotate(month=TruncMonth("notified_at")).values("month").annotate(**figures)
    }
    # The whole period from the months rather than a second pass over every incident: counts add up, and
    # an average is the months' averages weighted by how many each was taken over.
    overall = {
        "incidents": sum(row["incidents"] for row in rows.values()),
        "with_meeting": sum(row["with_meeting"] for row in rows.values()),
        "to_meeting": _weighted_average(rows.values(), "to_meeting", "with_meeting"),
        "with_partners_informed": sum(row["with_partners_informed"] for row in rows.values()),
        "to_informed": _weighted_average(rows.values(), "to_informed", "with_partners_informed"),
    }

    def times(month, row) -> ResponseTimes:
        if not row:
            return ResponseTimes(month)
        return ResponseTimes(
            month=month,
            incidents=row["incidents"],
            with_meeting=row["with_meeting"],
            hours_to_meeting=_hours(row["to_meeting"]),
            with_partners_informed=row["with_partners_informed"],
            hours_to_partners_informed=_hours(row["to_informed"]),
        )

    return [times(month, rows.get(month)) for month in months], times(None, overall)


@dataclass
class OnTime:
    month: date | None  # None: the whole period
    on_time: int = 0
    late: int = 0
    still_open: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.still_open

    @property
    def percent_on_time(self) -> int | None:
        return _percent(self.on_time, self.due)


ON_TIME_FIGURES = {
    "on_time": Count("id", filter=Q(status=ActionStatus.DONE, completed_at__lte=F("due_at"))),
    "late": Count("id", filter=Q(status=ActionStatus.DONE, completed_at__gt=F("due_at"))),
    "still_open": Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)),
}


def _counted_actions(incidents, **due):
    """The actions of ``incidents`` due within ``due`` (lookups on ``due_at``), those not needed left out."""
    actions = PlanAction.objects.filter(incident__in=incidents, **{f"due_at__{k}": v for k, v in due.items()})
    return actions.exclude(status=ActionStatus.NOT_NEEDED)


def _on_time_by_month(rows: dict, months: list[date]) -> tuple[list[OnTime], OnTime]:
    overall = {name: sum(row[name] for row in rows.values()) for name in ON_TIME_FIGURES}
    by_month = [
        OnTime(month, **{k: rows[month][k] for k in ON_TIME_FIGURES}) if month in rows else OnTime(month)
        for month in months
    ]
    return by_month, OnTime(None, **overall)


def actions_on_time(incidents, months: list[date], *, now: datetime) -> tuple[list[OnTime], OnTime]:
    """Of the actions already due (those not needed left out): done on time, done late, or still open; by
    the month they were due, and over the whole period."""
    rows = {
        _month(row["month"]): row
        for row in _counted_actions(incidents, lt=now)
        .annotate(month=TruncMonth("due_at"))
        .values("month")
        .annotate(**ON_TIME_FIGURES)
        .order_by()
    }
    return _on_time_by_month(rows, months)


# --- The same figures from the running totals ---------------------------------------------------------------


def _kept_by_month(partnership, filters: Filters) -> dict[date, dict]:
    """The partnership's dashboard totals for the incidents within ``filters``, summed by the month they
    count in: one query over a few rows a month."""
    rows = DashboardTally.objects.filter(partnership=partnership, incident_type=filters.incident_type)
    if filters.since is not None:
        rows = rows.filter(occurred__gte=_month(filters.since))
    return {
        row["month"]: row
        for row in rows.values("month")
        .annotate(**{name: Sum(name) for name in DASHBOARD_COUNTERS})
        .order_by()
    }


def kept_incidents_per_month(partnership, filters: Filters, types: dict[str, str], months: list[date]):
    """``incidents_per_month`` from the regional figures' monthly totals (by the month incidents occurred,
    a row per type): only unfiltered by type, since a filtered month's types would cross two types."""
    rows = MonthlyTally.objects.filter(partnership=partnership, incident_type__in=[ALL_TYPES, *types])
    if filters.since is not None:
        rows = rows.filter(month__gte=_month(filters.since))
    found: dict[date, dict[str, int]] = {}
    for row in rows.values("month", "incident_type", "incidents"):
        found.setdefault(row["month"], {})[row["incident_type"]] = row["incidents"]
    return [
        MonthRow(
            month=month,
            total=found.get(month, {}).get(ALL_TYPES, 0),
            by_type=[found.get(month, {}).get(code, 0) for code in types],
        )
        for month in months
    ]


def _average(seconds: int, counted: int) -> timedelta | None:
    return timedelta(seconds=seconds / counted) if counted else None


def kept_response_times(
    kept: dict[date, dict], months: list[date]
) -> tuple[list[ResponseTimes], ResponseTimes]:
    """``response_times`` from the kept totals (``_kept_by_month``)."""

    def times(month, rows) -> ResponseTimes:
        def total(name):
            return sum(row[name] for row in rows)

        return ResponseTimes(
            month=month,
            incidents=total("notified"),
            with_meeting=total("with_meeting"),
            hours_to_meeting=_hours(_average(total("seconds_to_meeting"), total("with_meeting"))),
            with_partners_informed=total("with_informed"),
            hours_to_partners_informed=_hours(_average(total("seconds_to_informed"), total("with_informed"))),
        )

    notified = [row for row in kept.values() if row["notified"]]
    return [times(month, [kept[month]] if month in kept else []) for month in months], times(None, notified)


def kept_actions_on_time(
    incidents, kept: dict[date, dict], months: list[date], *, now: datetime
) -> tuple[list[OnTime], OnTime]:
    """``actions_on_time`` from the kept totals, which count every action by how it stands whatever its due
    time: the months before this one whole; this one less the actions due later in it, counted from the
    records (as the regional figures do: through the due-time index, a few open actions); later months not."""
    this_month = _month(now)
    rows = {
        month: {
            "on_time": row["actions_on_time"],
            "late": row["actions_late"],
            "still_open": row["actions_open"],
        }
        for month, row in kept.items()
        if month <= this_month
    }
    if this_month in rows:
        year, month = divmod(this_month.year * 12 + this_month.month, 12)
        next_month = timezone.localtime(now).replace(
            year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        later = _counted_actions(incidents, gte=now, lt=next_month).aggregate(**ON_TIME_FIGURES)
        rows[this_month] = {name: n - later[name] for name, n in rows[this_month].items()}
    return _on_time_by_month(rows, months)


@dataclass
class ReadinessPoint:
    assessed_on: date
    score: int | None


def readiness_over_time(partnership, *, since: datetime | None) -> list[ReadinessPoint]:
    """The partnership's readiness score at each assessment, oldest first, scored as on its own pages."""
    assessments = ReadinessAssessment.objects.filter(partnership=partnership)
    if since is not None:
        assessments = assessments.filter(assessed_on__gte=timezone.localtime(since).date())
    rows = assessments.values("id", "assessed_on").annotate(**rating_counts()).order_by("assessed_on", "id")
    return [
        ReadinessPoint(
            row["assessed_on"],
            score_from_counts(ready=row["ready"], in_progress=row["in_progress"], total=row["total"]),
        )
        for row in rows
    ]


# --- The dashboard -----------------------------------------------------------------------------------------


def dashboard(user, partnership, filters: Filters, *, now: datetime | None = None) -> dict:
    """Every figure of the dashboard, in a fixed number of queries whatever the number of incidents."""
    now = now or timezone.now()
    types = incident_types(partnership)
    incidents = reportable_incidents(user, partnership, filters)
    if filters.since is not None:
        first_month = timezone.localtime(filters.since).date()
    else:
        oldest = incidents.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        first_month = timezone.localtime(oldest or now).date()
    months = months_between(first_month, timezone.localtime(now).date())
    month_labels = [f"{month:%b %Y}" for month in months]

    by_status = open_by_status_and_type(incidents, types)
    by_organisation = actions_by_organisation(incidents, now=now)
    # The totals are kept per partnership and by whole months: they serve whoever sees every incident of the
    # partnership and no other, over a period of whole months (the form's periods are).
    whole_months = filters.since is None or filters.since == timezone.localtime(filters.since).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    if whole_months and access.sees_every_incident_and_no_other(user, partnership):
        kept = _kept_by_month(partnership, filters)
        if filters.incident_type:
            per_month = incidents_per_month(incidents, types, months)
        else:
            per_month = kept_incidents_per_month(partnership, filters, types, months)
        times_by_month, times_overall = kept_response_times(kept, months)
        on_time_by_month, on_time_overall = kept_actions_on_time(incidents, kept, months, now=now)
    else:
        per_month = incidents_per_month(incidents, types, months)
        times_by_month, times_overall = response_times(incidents, months)
        on_time_by_month, on_time_overall = actions_on_time(incidents, months, now=now)
    readiness = readiness_over_time(partnership, since=filters.since)
    type_labels = list(types.values())
    return {
        "types": type_labels,
        "months": months,
        "open_by_status": by_status,
        "open_total": sum(row.total for row in by_status),
        "actions_by_organisation": by_organisation,
        "overdue_total": sum(row.overdue for row in by_organisation),
        "due_soon_total": sum(row.due_soon for row in by_organisation),
        "per_month": per_month,
        "incidents_total": sum(row.total for row in per_month),
        "response_times": times_by_month,
        "response_times_overall": times_overall,
        "on_time": on_time_by_month,
        "on_time_overall": on_time_overall,
        "readiness": readiness,
        "charts": {
            "open": _chart(
                "bar",
                "Open incidents by status and type",
                [row.label for row in by_status],
                [(label, [row.by_type[i] for row in by_status]) for i, label in enumerate(type_labels)],
                stacked=True,
            ),
            "actions": _chart(
                "bar",
                "Open actions overdue and due within a day, by organisation",
                [row.organisation for row in by_organisation],
                [
                    ("Overdue", [row.overdue for row in by_organisation]),
                    ("Due within a day", [row.due_soon for row in by_organisation]),
                ],
                horizontal=True,
            ),
            "per_month": _chart(
                "bar",
                "Incidents per month by type",
                month_labels,
                [(label, [row.by_type[i] for row in per_month]) for i, label in enumerate(type_labels)],
                stacked=True,
            ),
            "response_times": _chart(
                "line",
                "Average hours from notification",
                month_labels,
                [
                    (
                        "To the first critical-incident meeting",
                        [row.hours_to_meeting for row in times_by_month],
                    ),
                    (
                        "To the first partner informed",
                        [row.hours_to_partners_informed for row in times_by_month],
                    ),
                ],
            ),
            "on_time": _chart(
                "bar",
                "Actions due each month: done on time, done late, still open",
                month_labels,
                [
                    ("Done on time", [row.on_time for row in on_time_by_month]),
                    ("Done late", [row.late for row in on_time_by_month]),
                    ("Still open", [row.still_open for row in on_time_by_month]),
                ],
                stacked=True,
            ),
            "readiness": _chart(
                "line",
                "Readiness score at each assessment (per cent)",
                [f"{point.assessed_on:%d %b %Y}" for point in readiness],
                [("Readiness score", [point.score for point in readiness])],
                max=100,
            ),
        },
    }


# --- The situation report ----------------------------------------------------------------------------------


def situation_report(incident, *, user, partnership, people=None, reason: str = "", request=None) -> dict:
    """What a sitrep shows: the incident page's figures, tension by area and communications. People
    affected appear only as counts by role, unless ``people`` holds records read (and audited) on request,
    for ``reason``.
    So does the title of a message naming someone: without ``people`` the file is not marked as holding
    personal data, so it shows the title as restricted; with them, as the message page would, and the
    reading is audited."""
    from svtoolkit.communications.models import Message
    from svtoolkit.communications.selectors import plan_of, read_messages, title_shown
    from svtoolkit.incidents.people.selectors import people_summary
    from svtoolkit.incidents.selectors import incident_page
    from svtoolkit.incidents.strands.selectors import strands_for_report
    from svtoolkit.tension.selectors import level_labels, trends

    context = incident_page(incident, user=user, partnership=partnership)
    messages = list(
        Message.objects.filter(incident=incident)
        .select_related("incident")
        .prefetch_related("sign_offs")
        .order_by("planned_for", "id")
    )
    readable = (
        set()
        if people is None
        else read_messages(
            messages,
            incident=incident,
            user=user,
            partnership=partnership,
            request=request,
            what="situation report with the records of people affected",
        )
    )
    labels = level_labels()
    return {
        **context,
        "tension": [
            {
                "area": trend.area,
                "latest": trend.latest,
                "label": labels.get(trend.latest.level, ""),
                "above_alert": trend.above_alert,
            }
            for trend in trends(incident)
        ],
        "communications_plan": plan_of(incident),
        "incident_messages": [
            (message, title_shown(message, readable=message.pk in readable)) for message in messages
        ],
        "people_summary": people_summary(incident),
        "people": people,
        **strands_for_report(incident, people=people, user=user, reason=reason, request=request),
    }


# --- The map -----------------------------------------------------------------------------------------------

MAP_LIMIT = 1000


@dataclass
class OnTheMap:
    """Something shown on the map (a scene, a police measure) where ``place`` put it for the viewer, and the
    map's JSON of it."""

    ward: str  # the ward it is in, or "" when outside every ward or without a location
    latitude: float | None  # None: not shown on the map
    longitude: float | None
    exact: bool

    # What the map's JSON gives of each kind of point besides where it is, in this order.
    json_fields: ClassVar[tuple[str, ...]] = ()

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in self.json_fields} | {
            "ward": self.ward,
            "lat": self.latitude,
            "lng": self.longitude,
            "exact": self.exact,
        }


@dataclass
class MapPoint(OnTheMap):
    """One scene as the viewer may see it: exact for the response team, its ward's centre for the rest."""

    incident_id: int
    reference: str
    title: str
    status: str
    occurred_at: datetime
    scene: str

    json_fields = ("reference", "title", "status")


@dataclass(frozen=True)
class Placed:
    """Where a point may be shown to one viewer: its own coordinates for the response team; for everyone else
    its ward's centre, or nowhere when it lies outside every ward. ``ward`` is "" outside every ward."""

    latitude: float | None
    longitude: float | None
    ward: str
    exact: bool


def place(latitude, longitude, *, boundary, exact: bool) -> Placed:
    """The map's one rule for showing a scene's or a police measure's location; ``exact`` is
    access.sees_exact_scenes for the viewer (the API gives those who may not see it no coordinates at all)."""
    located = latitude is not None and longitude is not None
    ward = boundary.ward_at(float(latitude), float(longitude)) if located and boundary else None
    ward_name = ward.name if ward else ""
    if not located:
        return Placed(None, None, ward_name, exact)
    if exact:
        return Placed(float(latitude), float(longitude), ward_name, exact)
    if ward is not None:
        return Placed(*ward.centre, ward_name, exact)
    return Placed(None, None, ward_name, exact)


def map_points(user, partnership, filters: Filters, boundary) -> tuple[list[MapPoint], bool]:
    """The scenes of the incidents this person may see, newest first, at most MAP_LIMIT; and whether more
    were left off. Partners and viewers never receive a scene's own coordinates: only its ward's centre."""
    from svtoolkit.incidents.models import Scene

    exact = access.sees_exact_scenes(user, partnership)
    scenes = list(
        Scene.objects.filter(incident__in=reportable_incidents(user, partnership, filters))
        .select_related("incident")
        .only(
            "description",
            "area",
            "latitude",
            "longitude",
            "incident__reference",
            "incident__title",
            "incident__status",
            "incident__occurred_at",
        )
        .order_by("-incident__occurred_at", "-incident_id", "id")[: MAP_LIMIT + 1]
    )
    points = []
    for scene in scenes[:MAP_LIMIT]:
        where = place(scene.latitude, scene.longitude, boundary=boundary, exact=exact)
        points.append(
            MapPoint(
                incident_id=scene.incident_id,
                reference=scene.incident.reference,
                title=scene.incident.title,
                status=scene.incident.get_status_display(),
                occurred_at=scene.incident.occurred_at,
                # Those who see only wards get the scene's area as recorded, not its description.
                scene=scene.description if exact else scene.area,
                **asdict(where),
            )
        )
    return points, len(scenes) > MAP_LIMIT


@dataclass
class MapMeasure(OnTheMap):
    """A police measure still current (in force, or authorised to start), placed by the scenes' rule: those
    who see only wards get the area recorded, not its description."""

    incident_id: int
    reference: str
    kind: str
    status: str
    what: str

    json_fields = ("reference", "kind", "status", "what")


def map_measures(user, partnership, filters: Filters, boundary) -> list[MapMeasure]:
    """The current police measures at the scenes of the incidents this person may see (the map's filters
    applied to their incidents, closed ones left out), soonest started first, at most MAP_LIMIT: one query."""
    from svtoolkit.incidents.models import SceneMeasure
    from svtoolkit.incidents.selectors import measure_status

    now = timezone.now()
    exact = access.sees_exact_scenes(user, partnership)
    measures = (
        SceneMeasure.objects.filter(
            scene__incident__in=reportable_incidents(user, partnership, filters), lifted_at__isnull=True
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        # One left current when its incident closed (before closing refused it) can no longer be lifted.
        .exclude(scene__incident__status=IncidentStatus.CLOSED)
        .select_related("scene__incident")
        .order_by("starts_at", "id")[:MAP_LIMIT]
    )
    shown = []
    for measure in measures:
        where = place(measure.latitude, measure.longitude, boundary=boundary, exact=exact)
        shown.append(
            MapMeasure(
                incident_id=measure.scene.incident_id,
                reference=measure.scene.incident.reference,
                kind=measure.get_kind_display(),
                status=measure_status(measure, now=now),
                what=measure.description if exact else measure.area,
                **asdict(where),
            )
        )
    return shown


def boundary_revision(partnership) -> int | None:
    """The revision of the partnership's uploaded ward outlines, which an upload replaces; None before any."""
    from svtoolkit.reports.models import WardBoundary

    return WardBoundary.objects.filter(partnership=partnership).values_list("revision", flat=True).first()
