"""The demo region's neighbours: two partnerships beside Northbridge, with a few incidents each, so the
regional board has something real to show. (The region and its staff are seeded with Northbridge, in
partnerships/demo.py.)

Their incidents are written straight to the rows, back-dated, like Northbridge's history (reports/demo.py):
the services would stamp everything "now" and message partners about events long past.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.incidents import history, tallies
from svtoolkit.incidents.models import (
    ActionStatus,
    Categorisation,
    Incident,
    IncidentLink,
    IncidentStatus,
    LinkKind,
    Participation,
    PlanAction,
    Scene,
    TimelineEntry,
)
from svtoolkit.partnerships.models import Organisation, OrganisationKind, Partnership


@dataclass(frozen=True)
class DemoIncident:
    title: str
    types: list
    area: str
    hours_ago: int
    status: IncidentStatus
    serious_violence: bool = True
    informed_after_hours: int | None = None  # None: partners not informed yet
    comms_lead: bool = False
    actions_done: int = 0


NEIGHBOURS = [
    (
        {
            "name": "Eastmere Community Safety Partnership",
            "slug": "eastmere",
            "area": "London Borough of Eastmere",
            "reference_prefix": "EM",
        },
        [
            DemoIncident(
                "Stabbing at Eastmere Broadway",
                ["knife"],
                "Broadway",
                5,
                IncidentStatus.RESPONDING,
                informed_after_hours=1,
            ),
            DemoIncident(
                "Teenager hurt near Marsh Lane park",
                ["knife"],
                "Marsh Lane",
                30,
                IncidentStatus.RESPONDING,
                informed_after_hours=3,
                comms_lead=True,
                actions_done=4,
            ),
            DemoIncident(
                "Shots fired on the Orchard estate",
                ["firearm"],
                "Orchard",
                24 * 40,
                IncidentStatus.CLOSED,
                informed_after_hours=2,
                comms_lead=True,
                actions_done=8,
            ),
            DemoIncident(
                "Serious assault outside Eastmere station",
                ["other"],
                "Station",
                24 * 90,
                IncidentStatus.CLOSED,
                serious_violence=False,
                informed_after_hours=6,
                actions_done=5,
            ),
        ],
    ),
    (
        {
            "name": "Westford Community Safety Partnership",
            "slug": "westford",
            "area": "London Borough of Westford",
            "reference_prefix": "WF",
        },
        [
            DemoIncident(
                "Corrosive substance thrown at Westford Cross",
                ["corrosive"],
                "Westford Cross",
                50,
                IncidentStatus.RECOVERY,
                informed_after_hours=30,
                actions_done=6,
            ),
            DemoIncident(
                "Fatal stabbing by the canal towpath",
                ["homicide", "knife"],
                "Canalside",
                24 * 20,
                IncidentStatus.RECOVERY,
                informed_after_hours=1,
                comms_lead=True,
                actions_done=10,
            ),
            DemoIncident(
                "County lines exploitation uncovered",
                ["exploitation"],
                "Hillview",
                24 * 120,
                IncidentStatus.CLOSED,
                serious_violence=False,
                informed_after_hours=12,
                actions_done=4,
            ),
        ],
    ),
]
ACTIONS_PER_INCIDENT = 10


@transaction.atomic
def seed_demo_region(*, partnership, users) -> None:
    """Northbridge's two neighbours in its region, each with a council and a police organisation and a few
    incidents (open and past). A neighbour that exists already is skipped: seeding twice changes nothing."""
    region = partnership.region
    if region is None:
        return
    now = timezone.now()
    firsts = []
    for details, incidents in NEIGHBOURS:
        neighbour, created = Partnership.objects.get_or_create(
            slug=details["slug"], defaults={**details, "region": region}
        )
        if not created:
            continue
        council = Organisation.objects.create(
            partnership=neighbour, name=f"{neighbour.area} Council", kind=OrganisationKind.COUNCIL
        )
        police = Organisation.objects.create(
            partnership=neighbour,
            name=f"Metropolitan Police, {details['area'].removeprefix('London Borough of ')} BCU",
            kind=OrganisationKind.POLICE,
            may_report_incidents=True,
        )
        seeded = [
            _seed_incident(
                neighbour,
                sequence,
                planned,
                now=now,
                organisations=(council, police),
                by=users["coordinator"],
            )
            for sequence, planned in enumerate(incidents, start=1)
        ]
        firsts.append(seeded[0])
    if len(firsts) == 2:
        # Across the borough line, as a region sees them: the board and both incidents' pages show the link.
        IncidentLink.objects.create(
            incident=firsts[1],
            linked=firsts[0],
            kind=LinkKind.RETALIATION,
            reason="Named on social media as a reply to the Broadway stabbing.",
            created_by=users["coordinator"],
        )


def _seed_incident(neighbour, sequence, planned: DemoIncident, *, now, organisations, by) -> Incident:
    council, police = organisations
    notified = now - timedelta(hours=planned.hours_ago)
    closed_at = notified + timedelta(days=21) if planned.status == IncidentStatus.CLOSED else None
    incident = Incident.objects.create(
        partnership=neighbour,
        reference=f"{neighbour.reference_prefix}-{notified.year}-{sequence:04d}",
        year=notified.year,
        sequence=sequence,
        title=planned.title,
        incident_types=planned.types,
        occurred_at=notified - timedelta(minutes=40),
        notified_at=notified,
        notification_source="police",
        summary=f"{planned.title}. Details are with {neighbour.name}.",
        status=planned.status,
        closed_at=closed_at,
    )
    Scene.objects.create(incident=incident, description=planned.title, area=planned.area)
    Categorisation.objects.create(
        incident=incident,
        factors={},
        suggested_serious_violence=planned.serious_violence,
        suggested_meeting=planned.serious_violence,
        suggested_cross_borough=False,
        serious_violence=planned.serious_violence,
        meeting_needed=planned.serious_violence,
        cross_borough=False,
        rationale="Demo categorisation.",
        decided_by=None,
    )
    informed = (
        None
        if planned.informed_after_hours is None
        else notified + timedelta(hours=planned.informed_after_hours)
    )
    Participation.objects.bulk_create(
        [
            Participation(incident=incident, organisation=org, informed_at=informed)
            for org in (council, police)
        ]
    )
    if planned.comms_lead:
        CommunicationsPlan.objects.create(incident=incident, lead_organisation=council)
    PlanAction.objects.bulk_create(
        [
            PlanAction(
                incident=incident,
                area_title="First 24 hours",
                title=f"Demo action {position + 1}",
                owner_organisation=council,
                due_at=notified + timedelta(hours=24),
                created_by=by,
                **_how_it_went(position, planned, notified=notified, now=now),
            )
            for position in range(ACTIONS_PER_INCIDENT)
        ]
    )
    timeline = [(notified, f"Incident recorded: {planned.title}.")]
    if closed_at is not None and planned.actions_done < ACTIONS_PER_INCIDENT:
        set_aside = ACTIONS_PER_INCIDENT - planned.actions_done
        timeline.append(
            (closed_at, f"{set_aside} open action{pluralize(set_aside)} marked not needed: {SET_ASIDE}")
        )
    if closed_at is not None:
        timeline.append((closed_at, "The incident was closed."))
    for at, text in timeline:
        TimelineEntry.objects.filter(pk=history.note(incident, by, text).pk).update(at=at)
    # The rows' "made now" stamps, back-dated: drawn and taken part in from the notification.
    PlanAction.objects.filter(incident=incident).update(created_at=notified)
    Participation.objects.filter(incident=incident).update(added_at=notified)
    tallies.recount(incident)  # written straight to the tables, past the services
    return incident


SET_ASIDE = "Set aside when the incident closed."


def _how_it_went(position, planned: DemoIncident, *, notified, now) -> dict:
    """The first ``actions_done`` actions done, three hours apart from the second hour (a ninth and tenth
    after they were due, late); on a closed incident the rest set aside, as closing requires; otherwise still
    to do."""
    if position < planned.actions_done:
        return {
            "status": ActionStatus.DONE,
            "completed_at": min(notified + timedelta(hours=2 + 3 * position), now),
        }
    if planned.status == IncidentStatus.CLOSED:
        return {"status": ActionStatus.NOT_NEEDED, "not_needed_reason": SET_ASIDE}
    return {"status": ActionStatus.TO_DO}
