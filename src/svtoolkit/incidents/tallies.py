"""Running totals of incidents by partnership, month and type, kept by the services in the transaction
of every change that moves a count, so the figures read a few hundred summed rows instead of every
incident, and are never older than the change.

``recount(incident)`` measures the incident again from its records (its own row, its latest
categorisation, its first critical-incident meeting, the first partner informed, its plan actions),
compares that with what it last added (``IncidentTally``) and moves each month's counters by the
difference with atomic increments (``UPDATE ... SET n = n + d``, the row first made with ``INSERT ... ON
CONFLICT DO NOTHING``), so two changes at once never lose a count on SQLite or PostgreSQL. The incident's
tally row is locked first, so two recounts of one incident take turns. ``recount_actions(incident)`` is the
same for a change to its plan actions alone: it counts only those again. ``rebuild()`` counts everything
again from the records; ``differences()`` says where the kept counts disagree with a rebuild (the
``rebuild_tallies --check`` command and the tests use it).
"""

from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Categorisation,
    Incident,
    IncidentStatus,
    Participation,
    PlanAction,
)
from svtoolkit.incidents.tally_models import ALL_TYPES, COUNTERS, IncidentTally, MonthlyTally

# The meetings and tension apps sit above this one: their tables are reached through the incident's relations,
# the kind of meeting the response times are measured to is named by its stored value, and the alert level
# of tension readings is asked of their model.
CRITICAL_INCIDENT_MEETING = "critical_incident"
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


def _measured(incidents):
    """``incidents`` with everything their tally is made of, one row each: the same expressions for one
    incident's recount and for a rebuild of all, so the two always agree."""
    meetings = Incident._meta.get_field("meetings").related_model
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
            first_meeting=Subquery(
                meetings.objects.filter(incident=OuterRef("pk"), kind=CRITICAL_INCIDENT_MEETING)
                .order_by("starts_at")
                .values("starts_at")[:1],
                output_field=DateTimeField(),
            ),
            first_informed=Subquery(
                Participation.objects.filter(incident=OuterRef("pk"), informed_at__isnull=False)
                .order_by("informed_at")
                .values("informed_at")[:1]
            ),
            on_time=_how_many(ACTIONS_ON_TIME),
            late=_how_many(ACTIONS_LATE),
            open=_how_many(ACTIONS_OPEN),
            alerts=_how_many(Q(level__gte=readings.alert_level()), model=readings),
        )
        .values("pk", *MEASURED)
    )


def _seconds(moment, notified_at) -> int:
    return int((moment - notified_at).total_seconds()) if moment is not None else 0


def _tally_of(row) -> IncidentTally:
    """The tally of a measured incident (``_measured``'s row)."""
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
    )


def contribution(tally: IncidentTally | None) -> dict[tuple, Counter]:
    """What ``tally`` adds to each month's row, by (partnership, month, incident type)."""
    if tally is None or tally.month is None:
        return {}
    key = (tally.partnership_id, tally.month)
    added = {
        (*key, ALL_TYPES): Counter(
            {name: int(getattr(tally, name)) for name in COUNTERS if name != "incidents"} | {"incidents": 1}
        )
    }
    for code in tally.incident_types:
        added[(*key, code)] = Counter(incidents=1)
    return added


def _apply(changes: dict[tuple, dict]) -> None:
    """Move each month's counters by ``changes`` (key to counter to difference), in a fixed order of keys so
    that two transactions never wait on each other's rows in opposite orders."""
    moved = {key: {name: n for name, n in counts.items() if n} for key, counts in changes.items()}
    moved = {key: counts for key, counts in sorted(moved.items()) if counts}
    if not moved:
        return
    MonthlyTally.objects.bulk_create(
        [MonthlyTally(partnership_id=p, month=m, incident_type=t) for p, m, t in moved],
        ignore_conflicts=True,
    )
    for (partnership_id, month, incident_type), counts in moved.items():
        MonthlyTally.objects.filter(
            partnership_id=partnership_id, month=month, incident_type=incident_type
        ).update(**{name: F(name) + n for name, n in counts.items()})


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


@transaction.atomic
def recount(incident) -> None:
    """Count ``incident`` again from its records and move its months' counts by the difference: every service
    that changes what the figures count calls this in its own transaction, after the change."""
    pk = getattr(incident, "pk", incident)
    IncidentTally.objects.bulk_create(
        [IncidentTally(incident_id=pk, partnership_id=_partnership_of(incident, pk))], ignore_conflicts=True
    )
    kept = IncidentTally.objects.select_for_update().get(incident_id=pk)
    row = _measured(Incident.objects.filter(pk=pk)).first()
    fresh = _tally_of(row) if row is not None else None
    before = contribution(kept if kept.month is not None else None)
    _apply(_difference(before, contribution(fresh)))
    if fresh is None:
        kept.delete()
    else:
        fresh.save(force_update=True)


@transaction.atomic(savepoint=False)
def recount_actions(incident) -> None:
    """``recount`` for a change to the incident's plan actions alone (an action's status or owner, the most
    frequent change): counts its actions again and keeps the rest of what it last added, two queries instead
    of measuring everything. An incident not yet counted is counted in full."""
    kept = IncidentTally.objects.select_for_update().filter(incident_id=incident.pk).first()
    if kept is None:
        recount(incident)
        return
    counts = PlanAction.objects.filter(incident_id=incident.pk).aggregate(
        actions_on_time=Count("id", filter=ACTIONS_ON_TIME),
        actions_late=Count("id", filter=ACTIONS_LATE),
        actions_open=Count("id", filter=ACTIONS_OPEN),
    )
    changed = {name: n for name, n in counts.items() if getattr(kept, name) != n}
    if not changed:
        return
    before = contribution(kept)
    for name, n in changed.items():
        setattr(kept, name, n)
    _apply(_difference(before, contribution(kept)))
    kept.save(update_fields=list(changed))


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
        yield from (_tally_of(row) for row in rows)
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
    counted. For a new installation, a bulk load, or after a fault found by ``differences``."""
    IncidentTally.objects.all().delete()
    MonthlyTally.objects.all().delete()
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
    MonthlyTally.objects.bulk_create(
        [
            MonthlyTally(partnership_id=p, month=m, incident_type=t, **counts)
            for (p, m, t), counts in sorted(totals.items())
        ],
        batch_size=2000,
    )
    return counted


def kept_counts() -> dict[tuple, dict]:
    """The kept monthly counts, without rows that count nothing."""
    return {
        (row["partnership_id"], row["month"], row["incident_type"]): {
            name: row[name] for name in COUNTERS if row[name]
        }
        for row in MonthlyTally.objects.values("partnership_id", "month", "incident_type", *COUNTERS)
        if any(row[name] for name in COUNTERS)
    }


def differences() -> list[str]:
    """Where the kept monthly counts differ from counts made afresh from the records (none: they agree)."""
    fresh = {
        key: {name: n for name, n in counts.items() if n}
        for key, counts in _summed(_rebuilt()).items()
        if any(counts.values())
    }
    kept = kept_counts()
    return [
        f"partnership {key[0]}, {key[1]:%Y-%m}, {key[2] or 'all types'}: kept {kept.get(key)}, "
        f"counted {fresh.get(key)}"
        for key in sorted(fresh.keys() | kept.keys())
        if fresh.get(key) != kept.get(key)
    ]
