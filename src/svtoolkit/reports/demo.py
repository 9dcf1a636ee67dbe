"""Eighteen months of Northbridge's past incidents, so the dashboard and the map have something to show.

The incidents are recorded, led, shared with partners and planned through the incidents services, like any
other (categorised unannounced: the region would be alerted about incidents long past). What happened
afterwards is then written straight to the rows, back-dated: the services stamp everything "now", and would
email partners and invitees about events long past.
The figures are drawn from a fixed seed, so every demo database tells the same story.
"""

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import (
    ActionStatus,
    Categorisation,
    Decision,
    Incident,
    IncidentStatus,
    LeadAssignment,
    Participation,
    PlanAction,
    TimelineEntry,
)
from svtoolkit.meetings.models import Meeting, MeetingKind, MeetingStatus
from svtoolkit.playbooks.models import ReadinessAssessment, ReadinessRating, ReadinessStatus
from svtoolkit.playbooks.selectors import published_version
from svtoolkit.reports.boundaries import boundary_of
from svtoolkit.tension.models import TensionReading

HISTORY_SIZE = 48
DAYS = 540  # eighteen months

# (types, how the title reads, notification source, weight). No title starts as the live demo incidents' do
# ("Stabbing", "Shots fired"): the other apps' seeders find those by their titles.
KINDS = [
    (["knife"], "Knife attack {where}", "police", 14),
    (["knife", "exploitation"], "Teenager stabbed {where}", "ambulance", 6),
    (["firearm"], "Firearm discharged {where}", "police", 4),
    (["homicide", "knife"], "Fatal stabbing {where}", "police", 3),
    (["homicide"], "Man found with fatal injuries {where}", "police", 2),
    (["corrosive"], "Corrosive substance thrown {where}", "btp", 3),
    (["exploitation"], "County lines exploitation uncovered {where}", "childrens_social_care", 5),
    (["other"], "Serious assault {where}", "health", 4),
]
PLACES = [
    ("near Millbrook Lock", "Millbrook"),
    ("on Riverside Walk", "Riverside"),
    ("outside Eastgate Library", "Eastgate"),
    ("in Kingsmead Park", "Kingsmead"),
    ("on Castle Hill Road", "Castle Hill"),
    ("at Hollins Green shops", "Hollins Green"),
    ("by Northbridge Park gates", "Northbridge Park"),
    ("on Northbridge High Street", "Northbridge Central"),
    ("at Eastgate House flats", "Eastgate"),
    ("near Riverside Academy", "Riverside"),
    ("at Kingsmead bus garage", "Kingsmead"),
    ("on the Millbrook estate", "Millbrook"),
    ("outside Castle Hill station", "Castle Hill"),
    ("in Northbridge Market", "Northbridge Central"),
    ("on Hollins Lane", "Hollins Green"),
    ("near the Park Road youth centre", "Northbridge Park"),
]
FACTORS = [
    "death_or_life_changing",
    "young_person",
    "retaliation_risk",
    "community_tension",
    "media_attention",
]
PARTNER_KINDS = [
    "health_hospital",
    "education",
    "childrens_social_care",
    "youth_justice",
    "housing",
    "voluntary",
]


def _title(kind_title: str, where: str, taken: set[str]) -> str:
    title = kind_title.format(where=where)
    return title if title not in taken else f"{title} (second incident)"


def _history_seeded(partnership) -> bool:
    """Whether the history's first incident was recorded: found by its timeline's first line, which keeps the
    title it was recorded with (its title can be corrected; the timeline is never edited)."""
    first_title = KINDS[0][1].format(where=PLACES[0][0])
    return TimelineEntry.objects.filter(
        incident__partnership=partnership, text=f"Incident recorded: {first_title}."
    ).exists()


def _point_in(ward, rng) -> tuple[float, float] | None:
    """A random point inside the ward, for a scene: (latitude, longitude)."""
    longitudes = [x for polygon in ward.polygons for x, _ in polygon[0]]
    latitudes = [y for polygon in ward.polygons for _, y in polygon[0]]
    for _ in range(50):
        longitude = rng.uniform(min(longitudes), max(longitudes))
        latitude = rng.uniform(min(latitudes), max(latitudes))
        if ward.contains(longitude, latitude):
            return round(latitude, 5), round(longitude, 5)
    return None


@transaction.atomic
def seed_demo_history(*, partnership, users) -> None:
    """Skipped when the history is there already, or the partnership has no published checklist yet."""
    rng = random.Random(2026)
    if published_version(partnership) is None or _history_seeded(partnership):
        return
    now = timezone.now()
    organisations = {organisation.kind: organisation for organisation in partnership.organisations.all()}
    boundary = boundary_of(partnership)
    wards = {ward.name: ward for ward in boundary.wards} if boundary else {}
    responder, coordinator = users["responder"], users["coordinator"]
    weights = [kind[3] for kind in KINDS]
    taken: set[str] = set()
    for position in range(HISTORY_SIZE):
        types, kind_title, source, _ = KINDS[0] if position == 0 else rng.choices(KINDS, weights=weights)[0]
        where, ward_name = PLACES[0] if position == 0 else rng.choice(PLACES)
        title = _title(kind_title, where, taken)
        taken.add(title)
        days_ago = 20 + (DAYS - 20) * position / (HISTORY_SIZE - 1) + rng.uniform(-4, 4)
        occurred = (now - timedelta(days=max(days_ago, 15))).replace(
            hour=rng.choice([1, 9, 15, 16, 17, 19, 21, 22, 23]), minute=rng.randrange(60)
        )
        notified = occurred + timedelta(minutes=rng.randrange(15, 240))
        point = _point_in(wards[ward_name], rng) if ward_name in wards else None
        scene = {"description": where[0].upper() + where[1:], "area": ward_name}
        if point:
            scene.update(latitude=point[0], longitude=point[1])
        incident = incident_services.record_incident(
            partnership=partnership,
            by=responder,
            title=title,
            incident_types=types,
            occurred_at=occurred,
            notified_at=notified,
            notification_source=source,
            notified_by="",
            summary=f"{title}. Recorded for the demonstration of Northbridge's reports.",
            scenes=[scene],
        )
        _respond(
            incident,
            rng=rng,
            now=now,
            organisations=organisations,
            responder=responder,
            chair=coordinator,
            police_officer=users["police"],
        )
    _readiness_history(partnership, coordinator, now=now)


def _respond(incident, *, rng, now, organisations, responder, chair, police_officer) -> None:
    factors = rng.sample(FACTORS, rng.randint(1, 3))
    meeting_needed = (
        "death_or_life_changing" in factors or "community_tension" in factors or rng.random() < 0.3
    )
    incident_services.categorise(
        incident=incident,
        by=responder,
        factors=factors,
        other_factors="",
        serious_violence=rng.random() < 0.85,
        meeting_needed=meeting_needed,
        cross_borough=False,
        rationale="Assessed against the partnership's impact factors at the first call.",
        # Months past: the region's duty contacts (Northbridge is in a region) are not alerted about it now.
        announce=False,
    )
    # A homicide is led by the police, through one of its officers; anything else by the council's team.
    police_leads = "homicide" in incident.incident_types
    incident_services.assign_lead(
        incident=incident,
        organisation=organisations["police"] if police_leads else organisations["council"],
        officer=police_officer if police_leads else responder,
        by=responder,
    )
    partners = ["police"] if rng.random() < 0.85 else []
    partners += rng.sample(PARTNER_KINDS, rng.randint(1, 3))
    for kind in partners:
        incident_services.add_participant(
            incident=incident, organisation=organisations[kind], contact=None, by=responder
        )
    incident_services.draw_plan(incident=incident, by=responder)
    incident_services.record_decision(
        incident=incident,
        by=responder,
        what="Increase patrols and youth outreach in the area for a week.",
        why="To reassure residents and reduce the risk of retaliation.",
    )

    notified = incident.notified_at
    first_hour = notified + timedelta(hours=1)
    informed = notified + timedelta(minutes=rng.randrange(20, 360))
    for participation in Participation.objects.filter(incident=incident):
        # Added in the first hour, or as they were told if that came sooner.
        participation.added_at = min(first_hour, informed)
        participation.informed_at = informed
        participation.acknowledged_at = informed + timedelta(minutes=rng.randrange(5, 180))
        participation.acknowledged_by = "Duty manager"
        participation.save(update_fields=["added_at", "informed_at", "acknowledged_at", "acknowledged_by"])
    Categorisation.objects.filter(incident=incident).update(decided_at=first_hour)
    LeadAssignment.objects.filter(incident=incident).update(starts_at=first_hour)
    Decision.objects.filter(incident=incident).update(decided_at=notified + timedelta(hours=6))
    TimelineEntry.objects.filter(incident=incident).update(at=first_hour)

    age = now - incident.occurred_at
    status = (
        IncidentStatus.CLOSED
        if age > timedelta(days=150)
        else IncidentStatus.RECOVERY
        if age > timedelta(days=60) or rng.random() < 0.5
        else IncidentStatus.RESPONDING
    )
    closed_at = (
        incident.occurred_at + timedelta(days=rng.randint(45, 120))
        if status == IncidentStatus.CLOSED
        else None
    )
    Incident.objects.filter(pk=incident.pk).update(status=status, closed_at=closed_at)
    # How the plan went: most actions done on time, some late, a few still open on incidents not closed. The
    # plan was drawn in the first hour; nothing on it was done before.
    actions = list(PlanAction.objects.filter(incident=incident))
    for action in actions:
        action.created_at = first_hour
        if action.completed_record:
            # Done by what the first hour recorded (the categorisation, the lead named...), as it was.
            action.completed_at = first_hour
            continue
        if action.due_at > now and status == IncidentStatus.CLOSED:
            action.status, action.not_needed_reason = (
                ActionStatus.NOT_NEEDED,
                "Set aside when the incident closed.",
            )
            continue
        if action.due_at > now:
            action.status = rng.choice([ActionStatus.TO_DO, ActionStatus.IN_PROGRESS])
            continue
        draw = rng.random()
        if status != IncidentStatus.CLOSED and draw < 0.12:
            action.status = ActionStatus.IN_PROGRESS if draw < 0.05 else ActionStatus.TO_DO
        elif draw < 0.16:
            action.status, action.not_needed_reason = ActionStatus.NOT_NEEDED, "Covered by another action."
        else:
            window = max(action.due_at - first_hour, timedelta(0))
            late = draw > 0.78
            action.status = ActionStatus.DONE
            action.completed_at = (
                max(action.due_at, first_hour) + timedelta(hours=rng.uniform(2, 96))
                if late
                else max(action.due_at - window * rng.uniform(0.05, 0.6), first_hour)
            )
            action.completed_at = min(action.completed_at, closed_at or now)
    # One plain UPDATE a row: bulk_update's CASE expressions cost more to build than the queries they save.
    for action in actions:
        PlanAction.objects.filter(pk=action.pk).update(
            status=action.status,
            completed_at=action.completed_at,
            not_needed_reason=action.not_needed_reason,
            created_at=action.created_at,
        )

    if meeting_needed:
        meeting = Meeting.objects.create(
            incident=incident,
            kind=MeetingKind.CRITICAL_INCIDENT,
            starts_at=notified + timedelta(hours=rng.choice([3, 5, 8, 18, 20, 26, 44])),
            duration_minutes=60,
            place="Committee room 2, Northbridge Town Hall",
            chair=chair,
            agenda="1. Introductions\n2. The incident\n3. The plan\n4. Community tension and communications",
            minutes="Partners agreed the plan and the community messages.",
            status=MeetingStatus.HELD,
            created_by=chair,
            uid=uuid.uuid4(),
        )
        meeting.invited_organisations.set(
            Participation.objects.filter(incident=incident).values_list("organisation", flat=True)
        )
    if "community_tension" in incident.categorisations.get().factors:
        area = incident.scenes.get().area
        TensionReading.objects.bulk_create(
            TensionReading(
                incident=incident,
                area=area,
                area_kind="ward",
                level=level,
                indicators=["community_feedback"],
                source="Neighbourhood policing team",
                confidence="medium",
                observed_at=notified + timedelta(days=day),
                recorded_by=responder,
            )
            for day, level in enumerate(rng.choice([[3, 3, 2, 2], [4, 3, 3, 2], [2, 3, 2, 1]]))
        )
    tallies.recount(incident)  # its history was written straight to the tables, past the services


# Earlier assessments, oldest first: how many of the checklist's items were ready, and in progress.
READINESS_HISTORY = [
    (540, 0.08, 0.1),
    (450, 0.12, 0.12),
    (360, 0.16, 0.14),
    (270, 0.2, 0.16),
    (180, 0.24, 0.18),
]


def _readiness_history(partnership, coordinator, *, now) -> None:
    """Assessments before the two the checklist's demo made, each a little further on."""
    version = published_version(partnership)
    items = list(version.items.filter(retired=False).order_by("area__position", "position"))
    today = timezone.localtime(now).date()
    for days_ago, ready, in_progress in READINESS_HISTORY:
        assessment = ReadinessAssessment.objects.create(
            partnership=partnership,
            version=version,
            assessed_on=today - timedelta(days=days_ago),
            started_by=coordinator,
        )
        ready_count, progress_count = round(len(items) * ready), round(len(items) * in_progress)
        ReadinessRating.objects.bulk_create(
            ReadinessRating(
                assessment=assessment,
                item=item,
                status=ReadinessStatus.READY
                if position < ready_count
                else ReadinessStatus.IN_PROGRESS
                if position < ready_count + progress_count
                else ReadinessStatus.NOT_STARTED,
            )
            for position, item in enumerate(items)
        )
