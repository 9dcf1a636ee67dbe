"""Police measures at a scene: cordons, rendezvous points, dispersal orders and section 60 authorisations."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import history
from svtoolkit.incidents.models import (
    MeasureKind,
    MeasureState,
    Scene,
    SceneMeasure,
)
from svtoolkit.incidents.places import BOTH_OR_NEITHER, half_a_place
from svtoolkit.incidents.selectors import clock_time
from svtoolkit.incidents.services import refuse_if_closed_meanwhile
from svtoolkit.incidents.signals import measure_changed

# --- Police measures at a scene ----------------------------------------------------------------------------

# How long the law lets an authorisation last. Section 35's dispersal power is authorised for at most 48
# hours (Anti-social Behaviour, Crime and Policing Act 2014, s.34(1)); a section 60 stop and search
# authorisation for at most 24 hours at first (Criminal Justice and Public Order Act 1994, s.60(1)), which a
# superintendent may extend by 24 hours more (s.60(3)): the extension is recorded as a further authorisation.
# The law allows that extension once, so stop and search stands at a scene for 48 hours at most without a
# break (``check_extension``).
LEGAL_MAXIMUM = {
    MeasureKind.DISPERSAL_ORDER: timedelta(hours=48),
    MeasureKind.STOP_AND_SEARCH: timedelta(hours=24),
}
EXTENDED_MAXIMUM = {MeasureKind.STOP_AND_SEARCH: timedelta(hours=48)}
_AUTHORISATION_NAMES = {
    MeasureKind.DISPERSAL_ORDER: "A dispersal order (section 35)",
    MeasureKind.STOP_AND_SEARCH: "A section 60 authorisation",
}
_ADDED = {
    MeasureKind.CORDON: "Cordon in place",
    MeasureKind.RENDEZVOUS_POINT: "Rendezvous point set up",
    MeasureKind.DISPERSAL_ORDER: "Section 35 dispersal order authorised",
    MeasureKind.STOP_AND_SEARCH: "Section 60 stop and search authorised",
    MeasureKind.ROAD_CLOSURE: "Road closed",
}
_LIFTED = {
    MeasureKind.CORDON: "Cordon lifted",
    MeasureKind.RENDEZVOUS_POINT: "Rendezvous point stood down",
    MeasureKind.DISPERSAL_ORDER: "Section 35 dispersal order withdrawn",
    MeasureKind.STOP_AND_SEARCH: "Section 60 stop and search authorisation withdrawn",
    MeasureKind.ROAD_CLOSURE: "Road reopened",
}


def measure_problems(
    *, kind, description, latitude, longitude, starts_at, ends_at, authorised_by
) -> list[tuple[str, str]]:
    """What stops a measure being recorded as given, as (field, message) pairs: the form shows them all at
    once, and ``add_measure`` refuses the first."""
    problems = []
    if kind not in MeasureKind.values:
        problems.append(("kind", "Choose what kind of measure it is."))
    if not description.strip():
        problems.append(("description", "Describe the measure and exactly where it is."))
    if half_a_place(latitude, longitude):
        problems.append(("longitude", BOTH_OR_NEITHER))
    if ends_at is not None and ends_at <= starts_at:
        problems.append(("ends_at", "The end must be after the start."))
    maximum = LEGAL_MAXIMUM.get(kind)
    if maximum is None:
        return problems
    name, hours = _AUTHORISATION_NAMES[kind], int(maximum.total_seconds() // 3600)
    lasts = f"{name} lasts at most {hours} hours"
    if not authorised_by.strip():
        problems.append(
            ("authorised_by", "Say who gave the authorisation (an inspector or above), like Supt A. Khan.")
        )
    if ends_at is None:
        problems.append(("ends_at", f"Say when the authorisation ends: {lasts[0].lower()}{lasts[1:]}."))
    elif ends_at - starts_at > maximum:
        latest = clock_time(starts_at + maximum, relative_to=starts_at)
        extension = (
            " An extension by a superintendent, of up to 24 hours more, is recorded as a new authorisation."
            if kind == MeasureKind.STOP_AND_SEARCH
            else ""
        )
        problems.append(("ends_at", f"{lasts}: make it end by {latest}.{extension}"))
    return problems


def _ends(measure) -> datetime:
    """When an authorisation stops: its end, or when it was lifted if that came first."""
    if measure.lifted_at is not None and measure.lifted_at < measure.ends_at:
        return measure.lifted_at
    return measure.ends_at


def check_extension(*, scene, kind, starts_at, ends_at) -> None:
    """A section 60 authorisation lasts at most 24 hours and may be extended once, by up to 24 hours more
    (s.60(3)), the extension recorded as a further authorisation: one that, with those at the same scene it
    carries on or is carried on by, would authorise stop and search there for more than 48 hours without a
    break is refused."""
    longest = EXTENDED_MAXIMUM.get(kind)
    if longest is None or ends_at is None:
        return
    spans = [(other.starts_at, _ends(other)) for other in SceneMeasure.objects.filter(scene=scene, kind=kind)]
    begins, finishes = starts_at, ends_at
    grown = True
    while grown:
        touching = [
            (start, end) for start, end in spans if start < end and start <= finishes and end >= begins
        ]
        grown_to = (
            min([begins, *(start for start, _ in touching)]),
            max([finishes, *(end for _, end in touching)]),
        )
        grown = grown_to != (begins, finishes)
        begins, finishes = grown_to
    if finishes - begins <= longest:
        return
    now, hours = timezone.now(), int(longest.total_seconds() // 3600)
    latest = begins + longest
    end_by = (
        f"Make it end by {clock_time(latest, relative_to=now)}, or start" if latest > starts_at else "Start"
    )
    raise DomainError(
        f"Stop and search here would be authorised for more than {hours} hours without a break, from "
        f"{clock_time(begins, relative_to=now)}: a section 60 authorisation lasts at most 24 hours and may "
        f"be extended once, by up to 24 hours. {end_by} a new authorisation, on new grounds, after the last "
        "one ends.",
        field="ends_at",
    )


def _tell_of_measure_changed(*, incident, measure, change: str, by) -> None:
    # Inside the change's transaction: the update to those alerted is written with the measure or not at all,
    # never lost to a worker that stops between the commit and a callback after it.
    measure_changed.send(sender=SceneMeasure, incident=incident, measure=measure, change=change, by=by)


@transaction.atomic
def add_measure(
    *,
    scene,
    by,
    kind,
    description,
    area,
    latitude,
    longitude,
    starts_at: datetime,
    ends_at: datetime | None,
    authorised_by,
    request=None,
) -> SceneMeasure:
    """Record a police measure at a scene (a cordon, a rendezvous point, a s.35 or s.60 authorisation, a
    road closure); refused beyond its legal maximum. Alert recipients hear of it by ``measure_changed``."""
    incident = scene.incident
    refuse_if_closed_meanwhile(incident)  # first, before the scene (locks.py)
    problems = measure_problems(
        kind=kind,
        description=description,
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        authorised_by=authorised_by,
    )
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    # Locked, so two extensions recorded at once cannot together pass the limit.
    Scene.objects.select_for_update().filter(pk=scene.pk).first()
    check_extension(scene=scene, kind=kind, starts_at=starts_at, ends_at=ends_at)
    measure = SceneMeasure.objects.create(
        scene=scene,
        kind=kind,
        description=description.strip(),
        area=area.strip(),
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        authorised_by=authorised_by.strip(),
        added_by=by,
    )
    now = timezone.now()
    text = _ADDED[measure.kind]
    if measure.starts_at > now:
        text += f" from {clock_time(measure.starts_at, relative_to=now)}"
    if measure.ends_at:
        text += f" until {clock_time(measure.ends_at, relative_to=now)}"
    if measure.area:
        text += f" in {measure.area}"
    if measure.authorised_by:
        text += f" by {measure.authorised_by}"
    history.note(incident, by, f"{text}. {measure.description}")
    history.audit(incident, by, AuditAction.CREATE, measure, request, kind=measure.kind, scene=scene.pk)
    _tell_of_measure_changed(incident=incident, measure=measure, change="added", by=by)
    return measure


@transaction.atomic
def lift_measure(*, measure, by, request=None) -> SceneMeasure:
    """End a measure before its time (the cordon comes down, the authorisation is withdrawn)."""
    refuse_if_closed_meanwhile(measure.scene.incident)  # first, before the measure (locks.py)
    # Locked, so two people lifting it at once write one timeline entry between them.
    measure = (
        SceneMeasure.objects.select_for_update(of=("self",))
        .select_related("scene__incident")
        .get(pk=measure.pk)
    )
    now = timezone.now()
    state = measure.state_at(now)
    if state == MeasureState.LIFTED:
        lifted = clock_time(measure.lifted_at, relative_to=now)
        raise DomainError(f"This measure was already lifted at {lifted}.")
    if state == MeasureState.EXPIRED:
        raise DomainError(
            f"This measure ended at {clock_time(measure.ends_at, relative_to=now)}: there is nothing to lift."
        )
    measure.lifted_at = now
    measure.lifted_by = by
    measure.save(update_fields=["lifted_at", "lifted_by"])
    incident = measure.scene.incident
    text = _LIFTED[measure.kind] + (f" in {measure.area}" if measure.area else "")
    if measure.ends_at:
        text += f" (it was to end at {clock_time(measure.ends_at, relative_to=now)})"
    history.note(incident, by, f"{text}. {measure.description}")
    history.audit(incident, by, AuditAction.UPDATE, measure, request, lifted=True)
    _tell_of_measure_changed(incident=incident, measure=measure, change="lifted", by=by)
    return measure
