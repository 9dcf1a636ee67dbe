"""Running totals of incidents by partnership, month and type, kept by the services in the transaction
of every change that moves a count, so the figures read a few hundred summed rows instead of every
incident, and are never older than the change.

``recount(incident)`` measures the incident again from its records (its own row, its latest
categorisation, its first critical-incident meeting held, the first partner informed, its plan actions),
compares that with what it last added (``IncidentTally``) and moves each month's counters by the
difference with atomic increments (one ``INSERT ... ON CONFLICT DO UPDATE SET n = n + d`` per table, which
makes a missing row too), so two changes at once never lose a count on SQLite or PostgreSQL. The incident's
row is locked first, then its tally row (the order of ``locks``), so two recounts of one incident take
turns. The same recount keeps the partnership dashboard's counts (``DashboardTally``): response times by the
month the partnership was notified, actions by the month they are due, each under the month the incident
occurred. ``rebuild()`` counts everything again from the records; ``differences()`` says where the kept
counts disagree with a rebuild (the ``rebuild_tallies --check`` command and the tests use it). Both may run
while the system is in use: a rebuild keeps recounts waiting until it commits, and a check reads the records
and the counts at one moment.
"""

from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date
from functools import cache

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from svtoolkit.core.charts import month_of
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Categorisation,
    Incident,
    IncidentStatus,
    Participation,
    PlanAction,
)
from svtoolkit.incidents.tally_models import (
    ALL_TYPES,
    COUNTERS,
    DASHBOARD_COUNTERS,
    DashboardTally,
    IncidentTally,
    MonthlyTally,
)

# Each table of counts: its model, the fields that name a row, and its counters.
TABLES = {
    "monthly": (MonthlyTally, ("partnership_id", "month", "incident_type"), COUNTERS),
    "dashboard": (
        DashboardTally,
        ("partnership_id", "occurred", "incident_type", "month"),
        DASHBOARD_COUNTERS,
    ),
}

# The meetings and tension apps sit above this one: their tables are reached through the incident's relations,
# the kind and status of meeting the response times are measured to are named by their stored values, and the
# alert level of tension readings is asked of their model.
CRITICAL_INCIDENT_MEETING = "critical_incident"
MEETING_HELD = "held"
MEASURED = (
    "partnership_id",
    "occurred_at",
    "notified_at",
    "incident_types",
    "status",
    "is_exercise",
    "sv",
    "first_meeting",
    "first_informed",
    "on_time",
    "late",
    "open",
    "alerts",
)


# How an incident's plan actions stand: written once, for a recount of everything and of its actions alone.
ACTIONS_ON_TIME = Q(status=ActionStatus.DONE, completed_at__lte=F("due_at"))
ACTIONS_LATE = Q(status=ActionStatus.DONE, completed_at__gt=F("due_at"))
ACTIONS_OPEN = Q(status__in=OPEN_ACTION_STATUSES)


def _how_many(condition: Q, model=PlanAction):
    """How many of the incident's plan actions (or rows of ``model``) meet ``condition`` (a subquery, 0 when
    none)."""
    return Coalesce(
        Subquery(
            model.objects.filter(condition, incident=OuterRef("pk"))
            .order_by()
            .values("incident")
            .annotate(n=Count("id"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def first_partner_informed() -> Subquery:
    """When the first partner taking part was sent the notice of the incident, or None: the one meaning of
    "partners informed" for the totals, the dashboards' response times and the regional board."""
    return Subquery(
        Participation.objects.filter(incident=OuterRef("pk"), informed_at__isnull=False)
        .order_by("informed_at")
        .values("informed_at")[:1]
    )


def first_critical_incident_meeting() -> Subquery:
    """When the incident's first critical-incident meeting began, of those held (their outcome recorded), or
    None: the one meaning of "the first critical-incident meeting" for the totals, the dashboards' response
    times and the regional board's first day. A meeting still planned has not happened, and a cancelled one
    never will (the toolkit's expectation is that the meeting is held within 24 hours)."""
    meetings = Incident._meta.get_field("meetings").related_model
    return Subquery(
        meetings.objects.filter(incident=OuterRef("pk"), kind=CRITICAL_INCIDENT_MEETING, status=MEETING_HELD)
        .order_by("starts_at")
        .values("starts_at")[:1],
        output_field=DateTimeField(),
    )


def _measured(incidents):
    """``incidents`` with everything their tally is made of, one row each: the same expressions for one
    incident's recount and for a rebuild of all, so the two always agree."""
    readings = Incident._meta.get_field("tension_readings").related_model
    return (
        incidents.order_by()
        .annotate(
            sv=Subquery(
                Categorisation.objects.filter(incident=OuterRef("pk"))
                .order_by("-decided_at", "-id")
                .values("serious_violence")[:1],
                output_field=BooleanField(),
            ),
            first_meeting=first_critical_incident_meeting(),
            first_informed=first_partner_informed(),
            on_time=_how_many(ACTIONS_ON_TIME),
            late=_how_many(ACTIONS_LATE),
            open=_how_many(ACTIONS_OPEN),
            alerts=_how_many(Q(level__gte=readings.alert_level()), model=readings),
        )
        .values("pk", *MEASURED)
    )


@cache
def _measuring() -> QuerySet:
    """``_measured`` of every incident, made once per process for each recount to filter to its incident
    (making its seven subqueries took longer than running them). Nothing it is made of changes while the
    process runs: the alert level is the scale's, read once from its data file."""
    return _measured(Incident.objects.all())


@cache
def _actions_grouped_by_due_month() -> QuerySet:
    """Every incident's actions by the month they are due (local time), done on time, done late and still
    open (those not needed left out), as the dashboard grouped them: made once a process (``_measuring``)."""
    done = Q(status=ActionStatus.DONE)
    return (
        PlanAction.objects.exclude(status=ActionStatus.NOT_NEEDED)
        .annotate(due_month=TruncMonth("due_at"))
        .values("incident_id", "due_month")
        .annotate(
            on_time=Count("id", filter=done & Q(completed_at__lte=F("due_at"))),
            late=Count("id", filter=done & Q(completed_at__gt=F("due_at"))),
            open=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES)),
        )
        .order_by()
    )


def _actions_by_due_month(pks) -> dict[int, dict[str, list[int]]]:
    """The actions of the incidents ``pks`` by the month they are due (``_actions_grouped_by_due_month``): one
    grouped query."""
    rows = _actions_grouped_by_due_month().filter(incident_id__in=pks)
    found: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for row in rows:
        counts = [row["on_time"], row["late"], row["open"]]
        if any(counts):
            found[row["incident_id"]][month_of(row["due_month"]).isoformat()] = counts
    return found


def _seconds(moment, notified_at) -> int:
    return int((moment - notified_at).total_seconds()) if moment is not None else 0


def _tally_of(row, actions_by_due_month: dict[str, list[int]]) -> IncidentTally:
    """The tally of a measured incident (``_measured``'s row, and its actions by due month)."""
    return IncidentTally(
        incident_id=row["pk"],
        partnership_id=row["partnership_id"],
        month=None if row["is_exercise"] else timezone.localtime(row["occurred_at"]).date().replace(day=1),
        incident_types=sorted(set(row["incident_types"] or [])),
        still_open=row["status"] != IncidentStatus.CLOSED,
        serious_violence=bool(row["sv"]),
        with_meeting=row["first_meeting"] is not None,
        seconds_to_meeting=_seconds(row["first_meeting"], row["notified_at"]),
        with_informed=row["first_informed"] is not None,
        seconds_to_informed=_seconds(row["first_informed"], row["notified_at"]),
        actions_on_time=row["on_time"],
        actions_late=row["late"],
        actions_open=row["open"],
        tension_alerts=row["alerts"],
        notified_month=month_of(row["notified_at"]),
        actions_by_due_month=actions_by_due_month,
    )


def contribution(tally: IncidentTally | None) -> dict[tuple, Counter]:
    """What ``tally`` adds to each row of counts, by (table, *the fields that name the row*): the monthly
    rows (partnership, month, incident type) and the dashboard rows (partnership, month occurred, incident
    type, month counted in)."""
    if tally is None or tally.month is None:
        return {}
    key = (tally.partnership_id, tally.month)
    added = {
        ("monthly", *key, ALL_TYPES): Counter(
            {name: int(getattr(tally, name)) for name in COUNTERS if name != "incidents"} | {"incidents": 1}
        )
    }
    for code in tally.incident_types:
        added[("monthly", *key, code)] = Counter(incidents=1)
    # The dashboard's rows: every counter under each type too, so the figures can be filtered by type.
    by_month: dict = defaultdict(Counter)
    by_month[tally.notified_month].update(
        notified=1,
        with_meeting=int(tally.with_meeting),
        seconds_to_meeting=tally.seconds_to_meeting,
        with_informed=int(tally.with_informed),
        seconds_to_informed=tally.seconds_to_informed,
    )
    for month, (on_time, late, still_open) in tally.actions_by_due_month.items():
        by_month[date.fromisoformat(month)].update(
            actions_on_time=on_time, actions_late=late, actions_open=still_open
        )
    for code in (ALL_TYPES, *tally.incident_types):
        for month, counts in by_month.items():
            added[("dashboard", *key, code, month)] = Counter(counts)
    return added


def _apply(changes: dict[tuple, dict]) -> None:
    """Move each row's counters by ``changes`` (key to counter to difference): one ``INSERT ... ON CONFLICT DO
    UPDATE SET n = n + d`` per table, which makes a missing row and adds to one that exists in one step, so no
    count is lost between the two. Its rows are written, and locked, in a fixed order of keys, so that two
    transactions never wait on each other's rows in opposite orders."""
    moved = {key: {name: n for name, n in counts.items() if n} for key, counts in changes.items()}
    moved = {key: counts for key, counts in sorted(moved.items()) if counts}
    for table, (model, fields, counters) in TABLES.items():
        rows = [(key[1:], counts) for key, counts in moved.items() if key[0] == table]
        if rows:
            _add_to_rows(model, fields, counters, rows)


def _add_to_rows(model, fields, counters, rows) -> None:
    """Add ``rows``' counts (key, counter to difference) to ``model``'s rows of those keys, made when missing:
    the key ``fields`` are those of the model's unique constraint (``ON CONFLICT`` needs it)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_fields = [model._meta.get_field(name) for name in fields]
    keys = [quote(field.column) for field in key_fields]
    # Every counter is written (a new row needs them all: their defaults are Django's, not the database's);
    # only those that move are added to.
    columns = [quote(model._meta.get_field(name).column) for name in counters]
    moving = [
        column for name, column in zip(counters, columns, strict=True) if any(name in c for _, c in rows)
    ]
    params = []
    for key, counts in rows:
        params += [
            field.get_db_prep_value(value, connection) for field, value in zip(key_fields, key, strict=True)
        ]
        params += [counts.get(name, 0) for name in counters]
    one_row = "(" + ", ".join(["%s"] * (len(keys) + len(columns))) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(keys + columns)}) VALUES {', '.join([one_row] * len(rows))}"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in moving)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _difference(before: dict[tuple, Counter], after: dict[tuple, Counter]) -> dict[tuple, dict]:
    changes: dict[tuple, dict] = defaultdict(dict)
    for key in before.keys() | after.keys():
        old, new = before.get(key, Counter()), after.get(key, Counter())
        for name in old.keys() | new.keys():
            changes[key][name] = new[name] - old[name]
    return changes


def action_counted_as(status) -> str:
    """What the totals count a plan action of ``status`` as (``_measured``): open, done (on time or late, by
    when it was first done, which stays while it stays done), or neither. A change of an action that keeps
    this moves no count, so needs no recount."""
    if status in OPEN_ACTION_STATUSES:
        return "open"
    return "done" if status == ActionStatus.DONE else "neither"


# Without a savepoint of its own (two statements less each time): an error here fails the service's whole
# transaction, as it should, since the change would be left counted wrongly.
@transaction.atomic(savepoint=False)
def recount(incident) -> None:
    """Count ``incident`` again from its records and move its months' counts by the difference: every service
    that changes what the figures count calls this in its own transaction, after the change. A recount that
    finds nothing changed writes nothing."""
    pk = getattr(incident, "pk", incident)
    lock_incident(pk)
    IncidentTally.objects.bulk_create(
        [IncidentTally(incident_id=pk, partnership_id=_partnership_of(incident, pk))], ignore_conflicts=True
    )
    kept = IncidentTally.objects.select_for_update().get(incident_id=pk)
    row = _measuring().filter(pk=pk).first()
    fresh = _tally_of(row, _actions_by_due_month([pk]).get(pk, {})) if row is not None else None
    before = contribution(kept if kept.month is not None else None)
    _apply(_difference(before, contribution(fresh)))
    if fresh is None:
        kept.delete()
    elif _as_kept(fresh) != _as_kept(kept):
        fresh.save(force_update=True)


def _as_kept(tally: IncidentTally) -> list:
    return [getattr(tally, field.attname) for field in IncidentTally._meta.concrete_fields]


def _partnership_of(incident, pk) -> int:
    known = getattr(incident, "partnership_id", None)
    return known or Incident.objects.values_list("partnership_id", flat=True).get(pk=pk)


def _rebuilt(incidents=None, *, chunk: int = 5000):
    """Fresh tallies of ``incidents`` (all by default), measured in chunks."""
    query = _measured((incidents if incidents is not None else Incident.objects.all()).order_by("pk"))
    last = 0
    while True:
        rows = list(query.filter(pk__gt=last).order_by("pk")[:chunk])
        if not rows:
            return
        actions = _actions_by_due_month([row["pk"] for row in rows])
        yield from (_tally_of(row, actions.get(row["pk"], {})) for row in rows)
        last = rows[-1]["pk"]


def _summed(tallies) -> dict[tuple, Counter]:
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for tally in tallies:
        for key, counts in contribution(tally).items():
            totals[key].update(counts)
    return totals


@transaction.atomic
def rebuild() -> int:
    """Count every incident again from its records and replace the kept counts; answers the incidents
    counted. For a new installation, a bulk load, or after a fault found by ``differences``. Safe while the
    system is in use: every recount waits for it, and it for those already writing."""
    _keep_recounts_waiting()
    IncidentTally.objects.all().delete()
    for model, _, _ in TABLES.values():
        model.objects.all().delete()
    tallies, counted = [], 0
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for tally in _rebuilt():
        tallies.append(tally)
        for key, counts in contribution(tally).items():
            totals[key].update(counts)
        if len(tallies) >= 5000:
            IncidentTally.objects.bulk_create(tallies)
            counted += len(tallies)
            tallies = []
    IncidentTally.objects.bulk_create(tallies)
    counted += len(tallies)
    for table, (model, fields, _) in TABLES.items():
        model.objects.bulk_create(
            [
                model(**dict(zip(fields, key[1:], strict=True)), **counts)
                for key, counts in sorted(totals.items())
                if key[0] == table
            ],
            batch_size=2000,
        )
    return counted


def _keep_recounts_waiting() -> None:
    """Keep every recount waiting until this transaction ends, after those already writing have committed, so
    that a change is counted by the rebuild or by its own recount after it, never by both or neither. On
    PostgreSQL the tables of counts are locked against writes (not reads), ``IncidentTally`` first since every
    recount writes it first (so the two never wait on each other); on SQLite the transaction (``BEGIN
    IMMEDIATE``) already holds the one writer's place."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    tables = [IncidentTally, *(model for model, _, _ in TABLES.values())]
    with connection.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE "
            + ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
            + " IN EXCLUSIVE MODE"
        )


@contextmanager
def _at_one_moment():
    """A transaction whose reads all see the database as it stood at the first, so the records and the kept
    counts agree as they did then, whatever commits meanwhile. On PostgreSQL a read-only repeatable-read
    transaction, which stops no one writing; on SQLite a transaction (which holds the writer's place, as
    every one does there). Inside a transaction already, that one."""
    connection = transaction.get_connection()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def kept_counts() -> dict[tuple, dict]:
    """The kept counts of every table, by (table, *the fields that name the row*), without rows that count
    nothing."""
    kept = {}
    for table, (model, fields, counters) in TABLES.items():
        for row in model.objects.values(*fields, *counters):
            counts = {name: row[name] for name in counters if row[name]}
            if counts:
                kept[(table, *(row[name] for name in fields))] = counts
    return kept


def _named(key: tuple) -> str:
    if key[0] == "monthly":
        return f"partnership {key[1]}, {key[2]:%Y-%m}, {key[3] or 'all types'}"
    return (
        f"partnership {key[1]}, dashboard, occurred {key[2]:%Y-%m}, {key[3] or 'all types'}, "
        f"in {key[4]:%Y-%m}"
    )


def differences() -> list[str]:
    """Where the kept counts differ from counts made afresh from the records (none: they agree), both read at
    one moment, so a change committed while it runs is not a difference."""
    with _at_one_moment():
        fresh = {
            key: {name: n for name, n in counts.items() if n}
            for key, counts in _summed(_rebuilt()).items()
            if any(counts.values())
        }
        kept = kept_counts()
    return [
        f"{_named(key)}: kept {kept.get(key)}, counted {fresh.get(key)}"
        for key in sorted(fresh.keys() | kept.keys())
        if fresh.get(key) != kept.get(key)
    ]
