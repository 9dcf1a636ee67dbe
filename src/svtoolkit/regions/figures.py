"""The region's figures: its boroughs' incidents counted by the database, only from what each partnership lets
the region see (access.regional_categories_of: the defaults, or its coordinator's choice).

Each figure is one grouped query over the region's real incidents, narrowed to the partnerships that share
the categories it needs (types, categorisation, dates, plan progress): no loop over incidents in Python, so
the page costs the same handful of queries for 150,000 incidents as for 15. A borough that does not share a
category is named in the table as "not shared" rather than counted as nought.

The Serious Violence Duty's strategic needs assessment extract counts a year's incidents by borough, type, age
band, place type and month, each count under 5 shown as "fewer than 5" (and one more hidden where a single
hidden count could be worked out from the total).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_in_each
from svtoolkit.core.charts import chart, hours, month_of, months_between, percent
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AgeBand,
    Categorisation,
    Incident,
    IncidentStatus,
    PersonAffected,
    PlaceKind,
    PlanAction,
    Scene,
)
from svtoolkit.incidents.selectors import of_type
from svtoolkit.meetings.selectors import since_notified, with_first_response
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.playbooks.default import default_vocabularies
from svtoolkit.playbooks.models import ReadinessAssessment, ReadinessStatus
from svtoolkit.playbooks.selectors import score_from_counts
from svtoolkit.tension.models import TensionReading
from svtoolkit.tension.scale import scale

PERIODS = {3: "3 months", 6: "6 months", 12: "12 months", 24: "2 years", 36: "3 years"}
DEFAULT_PERIOD = 12
OPEN_STATUSES = [status for status in IncidentStatus if status != IncidentStatus.CLOSED]
SMALL = 5
FEWER_THAN_5 = "fewer than 5"


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


def region_incidents(region):
    """The incidents whose existence the region sees (its partnerships' real incidents), ungrouped."""
    return Incident.objects.filter(access.region_incident_condition(region)).order_by()


def _serious_violence():
    """The incident's current categorisation's answer (None when not categorised)."""
    return Subquery(
        Categorisation.objects.filter(incident=OuterRef("pk"))
        .order_by("-decided_at", "-id")
        .values("serious_violence")[:1],
        output_field=BooleanField(),
    )


def _in_period(shares: Shares, since: datetime) -> Q:
    """A borough sharing dates is counted over the period; one that does not, over all time (the region
    cannot tell when its incidents happened)."""
    dated = shares.sharing(RegionalCategory.DATES)
    return Q(partnership_id__in=dated, occurred_at__gte=since) | ~Q(partnership_id__in=dated)


# --- The figures ------------------------------------------------------------------------------------------


@dataclass
class BoroughRow:
    name: str
    incidents: int
    all_time: bool  # the borough does not share dates: counted over all time
    still_open: int | None  # None: status not shared
    serious_violence: int | None  # None: categorisation not shared


def by_borough(incidents, shares: Shares, since: datetime) -> list[BoroughRow]:
    found = {
        row["partnership"]: row
        for row in incidents.filter(_in_period(shares, since))
        .annotate(sv=_serious_violence())
        .values("partnership")
        .annotate(
            total=Count("id"),
            still_open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            serious=Count("id", filter=Q(sv=True)),
        )
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


def per_month(incidents, shares: Shares, types: dict[str, str], months: list[date], since) -> list[MonthRow]:
    """Incidents by the month they occurred, of the boroughs sharing dates; by type of those sharing types
    too, serious violence of those sharing the categorisation too."""
    typed = Q(partnership_id__in=shares.sharing(RegionalCategory.TYPES))
    categorised = Q(partnership_id__in=shares.sharing(RegionalCategory.CATEGORISATION), sv=True)
    per_type = {f"type_{i}": Count("id", filter=typed & of_type(code)) for i, code in enumerate(types)}
    found = {
        month_of(row["month"]): row
        for row in incidents.filter(
            partnership_id__in=shares.sharing(RegionalCategory.DATES), occurred_at__gte=since
        )
        .annotate(sv=_serious_violence(), month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(total=Count("id"), serious=Count("id", filter=categorised), **per_type)
    }
    return [
        MonthRow(
            month=month,
            incidents=found.get(month, {}).get("total", 0),
            serious_violence=found.get(month, {}).get("serious", 0),
            by_type=[found.get(month, {}).get(f"type_{i}", 0) for i in range(len(types))],
        )
        for month in months
    ]


def by_type(incidents, shares: Shares, types: dict[str, str], since) -> list[tuple[str, int]]:
    """Incidents of each type over the period, of the boroughs sharing types (an incident of two types
    counts under each)."""
    counts = incidents.filter(
        _in_period(shares, since), partnership_id__in=shares.sharing(RegionalCategory.TYPES)
    ).aggregate(**{f"type_{i}": Count("id", filter=of_type(code)) for i, code in enumerate(types)})
    return [(label, counts[f"type_{i}"]) for i, label in enumerate(types.values())]


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


def progress_by_borough(incidents, shares: Shares, since, *, now) -> list[Progress]:
    """Response times (notification to the first critical-incident meeting and to the first partner
    informed), actions on time, the latest readiness score and tension alerts, by borough: four grouped
    queries, over the boroughs sharing plan progress."""
    sharing = shares.sharing(RegionalCategory.PROGRESS)
    counted = incidents.filter(_in_period(shares, since), partnership_id__in=sharing)
    times = {
        row["partnership"]: row
        for row in with_first_response(counted)
        .values("partnership")
        .annotate(
            incidents=Count("id"),
            with_meeting=Count("first_meeting"),
            to_meeting=Avg(since_notified("first_meeting")),
            with_informed=Count("first_informed"),
            to_informed=Avg(since_notified("first_informed")),
        )
    }
    actions = {
        row["incident__partnership"]: row
        for row in PlanAction.objects.filter(incident__in=counted, due_at__lt=now)
        .exclude(status=ActionStatus.NOT_NEEDED)
        .values("incident__partnership")
        .annotate(
            on_time=Count("id", filter=Q(status=ActionStatus.DONE, completed_at__lte=F("due_at"))),
            late=Count("id", filter=Q(status=ActionStatus.DONE, completed_at__gt=F("due_at"))),
            still_open=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)),
        )
        .order_by()
    }
    latest = ReadinessAssessment.objects.filter(partnership=OuterRef("partnership")).order_by(
        "-assessed_on", "-id"
    )
    readiness = {
        row["partnership"]: row
        for row in ReadinessAssessment.objects.filter(partnership__in=sharing)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .values("partnership", "assessed_on")
        .annotate(
            total=Count("ratings"),
            ready=Count("ratings", filter=Q(ratings__status=ReadinessStatus.READY)),
            in_progress=Count("ratings", filter=Q(ratings__status=ReadinessStatus.IN_PROGRESS)),
        )
        .order_by()
    }
    tension = dict(
        TensionReading.objects.filter(incident__in=counted, level__gte=scale()["alert_at"])
        .values("incident__partnership")
        .annotate(alerts=Count("id"))
        .values_list("incident__partnership", "alerts")
        .order_by()
    )
    rows = []
    for pk, name in shares.boroughs.items():
        if pk not in sharing:
            rows.append(Progress(name=name, shared=False))
            continue
        timed, done, ready = times.get(pk, {}), actions.get(pk, {}), readiness.get(pk)
        rows.append(
            Progress(
                name=name,
                shared=True,
                incidents=timed.get("incidents", 0),
                with_meeting=timed.get("with_meeting", 0),
                hours_to_meeting=hours(timed.get("to_meeting")),
                with_partners_informed=timed.get("with_informed", 0),
                hours_to_partners_informed=hours(timed.get("to_informed")),
                on_time=done.get("on_time", 0),
                late=done.get("late", 0),
                still_open=done.get("still_open", 0),
                readiness=score_from_counts(
                    ready=ready["ready"], in_progress=ready["in_progress"], total=ready["total"]
                )
                if ready
                else None,
                readiness_on=ready["assessed_on"] if ready else None,
                tension_alerts=tension.get(pk, 0),
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
        action=AuditAction.VIEW_SENSITIVE,
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
    incidents; kept for ``settings.REGION_FIGURES_CACHE_SECONDS`` under a key that holds every borough's
    sharing choice, so a borough that shares less is counted so at once (``now`` given: never cached)."""
    shares = shares_of(region)
    if now is not None or not settings.REGION_FIGURES_CACHE_SECONDS:
        return {**_counted(region, shares, period=period, now=now or timezone.now()), "shares": shares}
    chosen = sorted((category, sorted(pks)) for category, pks in shares.by_category.items())
    key = "region-figures:" + hashlib.sha256(repr((region.pk, period, chosen)).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = _counted(region, shares, period=period, now=timezone.now())
        cache.set(key, figures, settings.REGION_FIGURES_CACHE_SECONDS)
    return {**figures, "shares": shares}


def _counted(region, shares: Shares, *, period: int, now: datetime) -> dict:
    today = timezone.localtime(now).date()
    first_month = (today.replace(day=1) - timedelta(days=31 * (period - 1))).replace(day=1)
    since = timezone.make_aware(datetime.combine(first_month, datetime.min.time()))
    months = months_between(first_month, today)
    month_labels = [f"{month:%b %Y}" for month in months]
    types = incident_types()
    incidents = region_incidents(region)
    boroughs = by_borough(incidents, shares, since)
    months_rows = per_month(incidents, shares, types, months, since)
    types_rows = by_type(incidents, shares, types, since)
    progress = progress_by_borough(incidents, shares, since, now=now)
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
    published, the next smallest is hidden too, so the hidden one cannot be worked out by subtraction."""
    shown: list[int | str] = [FEWER_THAN_5 if count < SMALL else count for count in counts]
    hidden = [i for i, value in enumerate(shown) if value == FEWER_THAN_5]
    if len(hidden) == 1:
        others = [i for i, value in enumerate(shown) if value != FEWER_THAN_5]
        if others:
            shown[min(others, key=lambda i: counts[i])] = FEWER_THAN_5
    return shown


NEEDS_ASSESSMENT_COLUMNS = ["Counted by", "Group", "Incidents"]


def needs_assessment(region, *, year: int) -> list[list]:
    """The year's incidents of the boroughs sharing dates, counted by borough, type (boroughs sharing types),
    age band of the people affected (incidents shared with the region only: the count, never the person),
    place type of the scenes (boroughs sharing areas, and incidents shared with the region) and month, each
    dimension suppressed by ``suppress``; five grouped queries."""
    shares = shares_of(region)
    dated = shares.sharing(RegionalCategory.DATES)
    start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    counted = region_incidents(region).filter(
        partnership_id__in=dated, occurred_at__gte=start, occurred_at__lt=end
    )
    per_borough = dict(counted.values("partnership").annotate(n=Count("id")).values_list("partnership", "n"))
    types = incident_types()
    per_type = counted.filter(partnership_id__in=shares.sharing(RegionalCategory.TYPES)).aggregate(
        **{code: Count("id", filter=of_type(code)) for code in types}
    )
    per_age = dict(
        PersonAffected.objects.filter(incident__in=counted.filter(regional_share__isnull=False))
        .values("age_band")
        .annotate(n=Count("incident", distinct=True))
        .values_list("age_band", "n")
        .order_by()
    )
    per_place = dict(
        Scene.objects.filter(
            incident__in=counted.filter(
                Q(partnership_id__in=shares.sharing(RegionalCategory.AREAS)) | Q(regional_share__isnull=False)
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
                for month in months_between(date(year, 1, 1), date(year, 12, 1))
            ],
        ),
    ]
    rows = [["All incidents", str(year), suppress([total])[0]]]
    for name, groups in dimensions:
        for (label, _), shown in zip(groups, suppress([count for _, count in groups]), strict=True):
            rows.append([name, label, shown])
    return rows
