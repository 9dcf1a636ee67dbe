"""The region's figures: its boroughs' incidents counted by the database, only from what each partnership lets
the region see (access.regional_categories_of: the defaults, or its coordinator's choice).

Each figure sums the running totals the services keep by partnership, month and type
(svtoolkit.incidents.tallies, moved in the transaction of every change, so never stale and never cached),
narrowed to the partnerships that share the categories it needs (types, categorisation, dates, plan
progress): a few hundred rows for 150,000 incidents, in the same handful of queries as for 15. Only what
depends on the moment of reading is counted from the records: the plan actions not yet due (found through the
index of due times) and the latest readiness scores. A borough that does not share a category is named in the
table as "not shared" rather than counted as nought.

The Serious Violence Duty's strategic needs assessment extract counts a year's incidents by borough, type, age
band, place type and month, each count under 5 shown as "fewer than 5" (and one more hidden where a single
hidden count could be worked out from the total).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_in_each
from svtoolkit.core.charts import chart, first_of_last_months, hours, month_of, months_between, percent
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgeBand,
    Incident,
    PersonAffected,
    PlaceKind,
    PlanAction,
    Scene,
)
from svtoolkit.incidents.selectors import of_type
from svtoolkit.incidents.tally_models import ALL_TYPES, MonthlyTally
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.playbooks.default import default_vocabularies
from svtoolkit.playbooks.models import ReadinessAssessment
from svtoolkit.playbooks.selectors import rating_counts, score_from_counts

PERIODS = {3: "3 months", 6: "6 months", 12: "12 months", 24: "2 years", 36: "3 years"}
DEFAULT_PERIOD = 12
SMALL = 5
FEWER_THAN_5 = "fewer than 5"
# A count of 5 or more hidden only so that a lone count under 5 cannot be worked out from the total.
HIDDEN_TO_PROTECT = "not shown (would reveal a smaller count)"


@dataclass(frozen=True)
class Shares:
    """The region's boroughs (id to name) and, for each category, the boroughs that let the region see it."""

    boroughs: dict[int, str]
    by_category: dict[str, frozenset[int]]
    partnerships: tuple = ()

    def sharing(self, *categories) -> list[int]:
        """The boroughs that share every one of ``categories``."""
        return [pk for pk in self.boroughs if all(pk in self.by_category[c] for c in categories)]

    def shares(self, pk: int, *categories) -> bool:
        return all(pk in self.by_category[c] for c in categories)


def shares_of(region) -> Shares:
    """One query: the region's partnerships with their sharing choices."""
    partnerships = list(region.partnerships.select_related("regional_sharing").order_by("name"))
    categories = {p.pk: access.regional_categories_of(p) for p in partnerships}
    return Shares(
        boroughs={p.pk: p.name for p in partnerships},
        partnerships=tuple(partnerships),
        by_category={
            c: frozenset(pk for pk, chosen in categories.items() if c in chosen)
            for c in RegionalCategory.values
        },
    )


def region_incidents(region, shares: Shares):
    """The incidents whose existence the region sees (its partnerships' real incidents), ungrouped; the
    partnerships named (``shares`` read them from the region), not joined."""
    condition = access.region_incident_condition(region, partnership_ids=list(shares.boroughs))
    return Incident.objects.filter(condition).order_by()


def region_tallies(shares: Shares):
    """The running monthly totals of the region's partnerships (exercises are never in them)."""
    return MonthlyTally.objects.filter(partnership_id__in=list(shares.boroughs)).order_by()


def _in_period(shares: Shares, since: datetime, *, through: str = "") -> Q:
    """A borough sharing dates is counted over the period; one that does not, over all time (the region
    cannot tell when its incidents happened). ``through``: the path to the incident from a related row."""
    dated = shares.sharing(RegionalCategory.DATES)
    partnership = f"{through}partnership_id__in"
    return Q(**{partnership: dated, f"{through}occurred_at__gte": since}) | ~Q(**{partnership: dated})


def _months_in_period(shares: Shares, first_month: date) -> Q:
    """``_in_period`` for the monthly totals: a month is in the period when it starts within it."""
    dated = shares.sharing(RegionalCategory.DATES)
    return Q(partnership_id__in=dated, month__gte=first_month) | ~Q(partnership_id__in=dated)


# --- The figures ------------------------------------------------------------------------------------------


@dataclass
class BoroughRow:
    name: str
    incidents: int
    all_time: bool  # the borough does not share dates: counted over all time
    still_open: int | None  # None: status not shared
    serious_violence: int | None  # None: categorisation not shared


def by_borough(tallied, shares: Shares, first_month: date) -> list[BoroughRow]:
    found = {
        row["partnership"]: row
        for row in tallied.filter(_months_in_period(shares, first_month), incident_type=ALL_TYPES)
        .values("partnership")
        .annotate(total=Sum("incidents"), still_open=Sum("still_open"), serious=Sum("serious_violence"))
    }
    rows = []
    for pk, name in shares.boroughs.items():
        row = found.get(pk, {})
        rows.append(
            BoroughRow(
                name=name,
                incidents=row.get("total", 0),
                all_time=not shares.shares(pk, RegionalCategory.DATES),
                still_open=row.get("still_open", 0) if shares.shares(pk, RegionalCategory.STATUS) else None,
                serious_violence=row.get("serious", 0)
                if shares.shares(pk, RegionalCategory.CATEGORISATION)
                else None,
            )
        )
    return rows


@dataclass
class MonthRow:
    month: date
    incidents: int = 0
    serious_violence: int = 0
    by_type: list[int] | None = None


def per_month(tallied, shares: Shares, types: dict[str, str], months: list[date]) -> list[MonthRow]:
    """Incidents by the month they occurred, of the boroughs sharing dates; by type of those sharing types
    too, serious violence of those sharing the categorisation too."""
    found: dict[tuple[date, str], dict] = {
        (row["month"], row["incident_type"]): row
        for row in tallied.filter(
            Q(incident_type=ALL_TYPES) | Q(partnership_id__in=shares.sharing(RegionalCategory.TYPES)),
            partnership_id__in=shares.sharing(RegionalCategory.DATES),
            month__gte=months[0],
        )
        .values("month", "incident_type")
        .annotate(
            total=Sum("incidents"),
            serious=Sum(
                "serious_violence",
                filter=Q(partnership_id__in=shares.sharing(RegionalCategory.CATEGORISATION)),
            ),
        )
    }

    def count(month, incident_type, name="total") -> int:
        return (found.get((month, incident_type)) or {}).get(name) or 0

    return [
        MonthRow(
            month=month,
            incidents=count(month, ALL_TYPES),
            serious_violence=count(month, ALL_TYPES, "serious"),
            by_type=[count(month, code) for code in types],
        )
        for month in months
    ]


def by_type(tallied, shares: Shares, types: dict[str, str], first_month: date) -> list[tuple[str, int]]:
    """Incidents of each type over the period, of the boroughs sharing types (an incident of two types
    counts under each)."""
    counts = dict(
        tallied.filter(
            _months_in_period(shares, first_month),
            partnership_id__in=shares.sharing(RegionalCategory.TYPES),
            incident_type__in=list(types),
        )
        .values("incident_type")
        .annotate(n=Sum("incidents"))
        .values_list("incident_type", "n")
    )
    return [(label, counts.get(code, 0)) for code, label in types.items()]


@dataclass
class Progress:
    name: str
    shared: bool
    incidents: int = 0
    with_meeting: int = 0
    hours_to_meeting: float | None = None
    with_partners_informed: int = 0
    hours_to_partners_informed: float | None = None
    on_time: int = 0
    late: int = 0
    still_open: int = 0
    readiness: int | None = None
    readiness_on: date | None = None
    tension_alerts: int = 0
    actions_due: int = field(init=False)
    percent_on_time: int | None = field(init=False)

    def __post_init__(self):
        self.actions_due = self.on_time + self.late + self.still_open
        self.percent_on_time = percent(self.on_time, self.actions_due)


def _average_hours(seconds: int | None, of: int | None) -> float | None:
    return hours(timedelta(seconds=seconds / of)) if of else None


def _one_of(ids: list[int]):
    """Incidents whose id is one of ``ids`` (a few thousand): on PostgreSQL as one array parameter, since a
    placeholder for each id cost 90 ms of Python to build and send for 1,800 ids, the array 12 ms."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{Incident._meta.db_table}"."id" = ANY(%s)', (ids,), output_field=BooleanField())
    return Q(pk__in=ids)


def _not_yet_due(region, shares: Shares, sharing: list[int], since: datetime, *, now) -> dict[int, Counter]:
    """The plan actions not yet due at ``now`` (not those marked not needed) by how they stand, by borough,
    of the region's incidents in the period: the few actions due later are found through the index of due
    times and counted by incident, then only those incidents are looked up (by primary key). Two queries
    whose cost follows the actions not yet due, never the region's incidents or their 10 million actions."""
    per_incident = {
        row["incident"]: row
        for row in PlanAction.objects.filter(due_at__gte=now)
        .exclude(status=ActionStatus.NOT_NEEDED)
        .values("incident")
        .annotate(
            on_time=Count("id", filter=Q(status=ActionStatus.DONE, completed_at__lte=F("due_at"))),
            late=Count("id", filter=Q(status=ActionStatus.DONE, completed_at__gt=F("due_at"))),
            still_open=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)),
        )
        .order_by()
    }
    counted = (
        region_incidents(region, shares)
        .filter(_one_of(list(per_incident)), _in_period(shares, since), partnership_id__in=sharing)
        .values_list("pk", "partnership_id")
        if per_incident
        else []
    )
    by_borough: dict[int, Counter] = defaultdict(Counter)
    for pk, partnership_id in counted:
        row = per_incident[pk]
        by_borough[partnership_id].update(
            on_time=row["on_time"], late=row["late"], still_open=row["still_open"]
        )
    return by_borough


def progress_by_borough(tallied, region, shares: Shares, since: datetime, *, now) -> list[Progress]:
    """Response times (notification to the first critical-incident meeting and to the first partner
    informed), actions on time, the latest readiness score and tension alerts, by borough, over the
    boroughs sharing plan progress: the running totals (tension alerts among them), less the actions not
    yet due at ``now`` (``_not_yet_due``), with readiness from the records."""
    sharing = shares.sharing(RegionalCategory.PROGRESS)
    since_month = timezone.localtime(since).date()
    times = {
        row["partnership"]: row
        for row in tallied.filter(
            _months_in_period(shares, since_month), partnership_id__in=sharing, incident_type=ALL_TYPES
        )
        .values("partnership")
        .annotate(
            incidents=Sum("incidents"),
            with_meeting=Sum("with_meeting"),
            to_meeting=Sum("seconds_to_meeting"),
            with_informed=Sum("with_informed"),
            to_informed=Sum("seconds_to_informed"),
            on_time=Sum("actions_on_time"),
            late=Sum("actions_late"),
            still_open=Sum("actions_open"),
            tension_alerts=Sum("tension_alerts"),
        )
    }
    not_yet_due = _not_yet_due(region, shares, sharing, since, now=now)
    latest = ReadinessAssessment.objects.filter(partnership=OuterRef("partnership")).order_by(
        "-assessed_on", "-id"
    )
    readiness = {
        row["partnership"]: row
        for row in ReadinessAssessment.objects.filter(partnership__in=sharing)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .values("partnership", "assessed_on")
        .annotate(**rating_counts())
        .order_by()
    }
    rows = []
    for pk, name in shares.boroughs.items():
        if pk not in sharing:
            rows.append(Progress(name=name, shared=False))
            continue
        timed, later, ready = times.get(pk, {}), not_yet_due.get(pk, Counter()), readiness.get(pk)

        def due(counter, timed=timed, later=later) -> int:
            return (timed.get(counter) or 0) - later[counter]

        rows.append(
            Progress(
                name=name,
                shared=True,
                incidents=timed.get("incidents") or 0,
                with_meeting=timed.get("with_meeting") or 0,
                hours_to_meeting=_average_hours(timed.get("to_meeting"), timed.get("with_meeting")),
                with_partners_informed=timed.get("with_informed") or 0,
                hours_to_partners_informed=_average_hours(
                    timed.get("to_informed"), timed.get("with_informed")
                ),
                on_time=due("on_time"),
                late=due("late"),
                still_open=due("still_open"),
                readiness=score_from_counts(
                    ready=ready["ready"], in_progress=ready["in_progress"], total=ready["total"]
                )
                if ready
                else None,
                readiness_on=ready["assessed_on"] if ready else None,
                tension_alerts=timed.get("tension_alerts") or 0,
            )
        )
    return rows


def incident_types() -> dict[str, str]:
    """The toolkit's incident types, code to label: the region counts every borough by this vocabulary."""
    return default_vocabularies()["incident_types"]


def regional_read(*, region, shares: Shares, by, request, what: str) -> None:
    """The region read figures counted from each borough's incidents: written to each borough's own log."""
    record_in_each(
        partnerships=shares.partnerships,
        action=AuditAction.REGIONAL_VIEW,
        actor=by,
        detail={"regional_read": what, "region": region.pk},
        request=request,
    )


def _borough_chart(title: str, rows: list[Progress], *series: tuple[str, str], **options) -> dict:
    """A bar for each borough of ``rows``, one series for each (label, attribute) pair."""
    return chart(
        "bar",
        title,
        [row.name for row in rows],
        [(label, [getattr(row, name) for row in rows]) for label, name in series],
        horizontal=True,
        **options,
    )


def dashboard(region, *, period: int = DEFAULT_PERIOD, now: datetime | None = None) -> dict:
    """Every figure of the region's dashboard, in a fixed number of queries whatever the number of
    incidents, as things stand at this request: never cached, so a change or a borough's new sharing choice
    shows on the next request."""
    shares = shares_of(region)
    return {**_counted(region, shares, period=period, now=now or timezone.now()), "shares": shares}


def _counted(region, shares: Shares, *, period: int, now: datetime) -> dict:
    today = timezone.localtime(now).date()
    first_month = first_of_last_months(period, today)
    since = timezone.make_aware(datetime.combine(first_month, datetime.min.time()))
    months = months_between(first_month, today)
    month_labels = [f"{month:%b %Y}" for month in months]
    types = incident_types()
    tallied = region_tallies(shares)
    boroughs = by_borough(tallied, shares, first_month)
    months_rows = per_month(tallied, shares, types, months)
    types_rows = by_type(tallied, shares, types, first_month)
    progress = progress_by_borough(tallied, region, shares, since, now=now)
    shared_progress = [row for row in progress if row.shared]
    return {
        "since": first_month,
        "period": period,
        "types": list(types.values()),
        "by_borough": boroughs,
        "per_month": months_rows,
        "by_type": types_rows,
        "progress": progress,
        "incidents_total": sum(row.incidents for row in boroughs),
        "charts": {
            "boroughs": chart(
                "bar",
                "Incidents by borough",
                [row.name for row in boroughs],
                [("Incidents", [row.incidents for row in boroughs])],
                horizontal=True,
            ),
            "per_month": chart(
                "bar",
                "Incidents per month by type",
                month_labels,
                [(label, [row.by_type[i] for row in months_rows]) for i, label in enumerate(types.values())],
                stacked=True,
            ),
            "serious": chart(
                "line",
                "Incidents categorised as serious violence, per month",
                month_labels,
                [("Serious violence", [row.serious_violence for row in months_rows])],
            ),
            "response_times": _borough_chart(
                "Average hours from notification, by borough",
                shared_progress,
                ("To the first critical-incident meeting", "hours_to_meeting"),
                ("To the first partner informed", "hours_to_partners_informed"),
            ),
            "on_time": _borough_chart(
                "Actions already due: done on time, done late, still open, by borough",
                shared_progress,
                ("Done on time", "on_time"),
                ("Done late", "late"),
                ("Still open", "still_open"),
                stacked=True,
            ),
            "readiness": _borough_chart(
                "Latest readiness score by borough (per cent)",
                shared_progress,
                ("Readiness score", "readiness"),
                max=100,
            ),
            "tension": _borough_chart(
                "Tension readings at or above the alert level, by borough",
                shared_progress,
                ("Tension alerts", "tension_alerts"),
            ),
        },
    }


def dashboard_rows(figures: dict) -> list[list]:
    """The dashboard's tables as one table (figure, borough or month, what is counted, value) for the CSV and
    Excel downloads; "not shared" where the borough does not let the region see it."""
    not_shared = "not shared"
    rows = []
    for row in figures["by_borough"]:
        rows.append(["Incidents", row.name, "all time" if row.all_time else "in the period", row.incidents])
        rows.append(["Still open", row.name, "", not_shared if row.still_open is None else row.still_open])
        rows.append(
            [
                "Serious violence",
                row.name,
                "",
                not_shared if row.serious_violence is None else row.serious_violence,
            ]
        )
    for row in figures["per_month"]:
        rows.append(["Incidents per month", f"{row.month:%Y-%m}", "all types", row.incidents])
        rows.append(["Incidents per month", f"{row.month:%Y-%m}", "serious violence", row.serious_violence])
        for label, count in zip(figures["types"], row.by_type, strict=True):
            rows.append(["Incidents per month", f"{row.month:%Y-%m}", label, count])
    for label, count in figures["by_type"]:
        rows.append(["Incidents by type", "", label, count])
    for row in figures["progress"]:
        if not row.shared:
            rows.append(["Progress", row.name, "", not_shared])
            continue
        for what, value in (
            ("hours to the first critical-incident meeting", row.hours_to_meeting),
            ("hours to the first partner informed", row.hours_to_partners_informed),
            ("actions done on time", row.on_time),
            ("actions done late", row.late),
            ("actions still open", row.still_open),
            ("latest readiness score (per cent)", row.readiness),
            ("tension alerts", row.tension_alerts),
        ):
            rows.append(["Progress", row.name, what, "" if value is None else value])
    return rows


DASHBOARD_COLUMNS = ["Figure", "Borough or month", "What", "Value"]


# --- The strategic needs assessment extract ---------------------------------------------------------------


def suppress(counts: list[int]) -> list[int | str]:
    """Counts under 5 shown as "fewer than 5"; where that hides only one count of a dimension whose total is
    published, the next smallest is hidden too (``HIDDEN_TO_PROTECT``: it is not small itself), so the hidden
    one cannot be worked out by subtraction."""
    shown: list[int | str] = [FEWER_THAN_5 if count < SMALL else count for count in counts]
    hidden = [i for i, value in enumerate(shown) if value == FEWER_THAN_5]
    if len(hidden) == 1:
        others = [i for i, value in enumerate(shown) if value != FEWER_THAN_5]
        if others:
            shown[min(others, key=lambda i: counts[i])] = HIDDEN_TO_PROTECT
    return shown


NEEDS_ASSESSMENT_COLUMNS = ["Counted by", "Group", "Incidents"]


def needs_assessment(region, *, year: int, today: date | None = None) -> list[list]:
    """The year's incidents of the boroughs sharing dates, counted by borough, type (boroughs sharing types),
    age band of the people affected (incidents shared with the region only: the count, never the person),
    place type of the scenes (boroughs sharing areas, and incidents shared with the region) and month (those
    begun by ``today``: a month to come is nought by necessity, and hidden beside a small one it would let
    that one be worked out from the total), each dimension suppressed by ``suppress``; five grouped
    queries."""
    today = today or timezone.localdate()
    shares = shares_of(region)
    dated = shares.sharing(RegionalCategory.DATES)
    start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    counted = region_incidents(region, shares).filter(
        partnership_id__in=dated, occurred_at__gte=start, occurred_at__lt=end
    )
    per_borough = dict(counted.values("partnership").annotate(n=Count("id")).values_list("partnership", "n"))
    types = incident_types()
    per_type = counted.filter(partnership_id__in=shares.sharing(RegionalCategory.TYPES)).aggregate(
        **{code: Count("id", filter=of_type(code)) for code in types}
    )
    per_age = dict(
        PersonAffected.objects.filter(incident__in=counted.filter(regional_share__region=region))
        .values("age_band")
        .annotate(n=Count("incident", distinct=True))
        .values_list("age_band", "n")
        .order_by()
    )
    per_place = dict(
        Scene.objects.filter(
            incident__in=counted.filter(
                Q(partnership_id__in=shares.sharing(RegionalCategory.AREAS))
                | Q(regional_share__region=region)
            )
        )
        .exclude(place="")
        .values("place")
        .annotate(n=Count("incident", distinct=True))
        .values_list("place", "n")
        .order_by()
    )
    per_month = {
        month_of(month): n
        for month, n in counted.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    }
    total = sum(per_borough.values())
    dimensions = [
        ("Borough", [(shares.boroughs[pk], per_borough.get(pk, 0)) for pk in dated]),
        ("Incident type", [(label, per_type[code]) for code, label in types.items()]),
        ("Age band of people affected", [(label, per_age.get(value, 0)) for value, label in AgeBand.choices]),
        (
            "Place type of the scenes",
            [(label, per_place.get(value, 0)) for value, label in PlaceKind.choices],
        ),
        (
            "Month",
            [
                (f"{month:%Y-%m}", per_month.get(month, 0))
                for month in months_between(date(year, 1, 1), min(date(year, 12, 1), today))
            ],
        ),
    ]
    rows = [["All incidents", str(year), suppress([total])[0]]]
    for name, groups in dimensions:
        for (label, _), shown in zip(groups, suppress([count for _, count in groups]), strict=True):
            rows.append([name, label, shown])
    return rows
