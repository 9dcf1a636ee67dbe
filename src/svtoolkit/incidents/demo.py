"""Demo incidents for Northbridge: one in its first days (with police measures at its scene), one in
recovery, and an exercise."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from svtoolkit.incidents import services
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import ActionStatus, Incident, MeasureKind, PatientStatus
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.strands import services as strands_services

# The people affected by the demo stabbing, with who reads each record beyond the response team (the council's
# coordinator and responder, on the incident's list): the hospital's liaison reads the victim, the police
# family liaison officer the family, and no one more than their part; the witness is the response team's.
DEMO_PEOPLE = [
    (
        {
            "name": "J.K.",
            "age_band": "16_17",
            "role": "victim",
            "relation": "Stabbed at the bus stop outside the school",
            "support_needs": "In hospital; will need trauma support and a safe route to school.",
            "consent": "given",
            "consent_scope": "Share with the hospital, the school and the youth service.",
        },
        "health",
    ),
    (
        {
            "name": "Mrs A.",
            "age_band": "40_64",
            "role": "family",
            "relation": "The victim's mother",
            "support_needs": "Wants one point of contact; worried about reprisals against her younger son.",
            "consent": "given",
            "consent_scope": "Share with the police family liaison officer and victim support.",
        },
        "police",
    ),
    (
        {
            "name": "Pupil, year 11",
            "age_band": "16_17",
            "role": "witness",
            "relation": "Saw the attack from the bus stop",
            "consent": "not_asked",
        },
        None,
    ),
]


@transaction.atomic
def seed_demo_incidents(*, partnership, users) -> None:
    """Skipped when the partnership already has incidents, so seeding twice changes nothing."""
    if Incident.objects.filter(partnership=partnership).exists():
        return
    responder, coordinator = users["responder"], users["coordinator"]
    organisations = {org.kind: org for org in partnership.organisations.all()}
    now = timezone.now()

    stabbing = services.record_incident(
        partnership=partnership,
        by=responder,
        title="Stabbing near Northbridge Academy",
        incident_types=["knife"],
        occurred_at=now - timedelta(hours=26),
        notified_at=now - timedelta(hours=25, minutes=30),
        notification_source="police",
        notified_by="Duty inspector, Northbridge BCU",
        summary=(
            "A 16-year-old was stabbed at the bus stop outside the school at home time. Injuries are "
            "serious but not life-threatening. Footage is circulating on social media."
        ),
        scenes=[
            {
                "description": "Bus stop, Northbridge Academy, Station Road",
                "area": "Northbridge Central",
                "place": "school",
                # Inside the fictional wards that reports/data/boundaries/northbridge.geojson draws.
                "latitude": 51.57150,
                "longitude": -0.07200,
            }
        ],
    )
    services.categorise(
        incident=stabbing,
        by=responder,
        factors=["young_person", "community_tension", "media_attention", "sensitive_location"],
        other_factors="",
        serious_violence=True,
        meeting_needed=True,
        cross_borough=False,
        rationale="A young victim outside a school, footage online and rumours of retaliation.",
    )
    services.assign_lead(
        incident=stabbing, organisation=organisations["council"], officer=responder, by=responder
    )
    for kind in ("police", "health_hospital", "education", "voluntary"):
        services.add_participant(
            incident=stabbing, organisation=organisations[kind], contact=None, by=responder
        )
    services.acknowledge(
        participation=stabbing.participations.get(organisation=organisations["police"]),
        by_label="police@example.org",
        by=users["police"],
    )
    services.draw_plan(incident=stabbing, by=responder)
    for position, action in enumerate(stabbing.actions.order_by("due_at")[:12]):
        services.update_action(
            action=action,
            by=responder,
            expected_revision=action.revision,
            status=ActionStatus.DONE if position % 3 else ActionStatus.IN_PROGRESS,
            owner_organisation=action.owner_organisation,
            owner=None,
            not_needed_reason="",
            note="",
        )
    # What the police put in place at the scene: the inner cordon has come down; the dispersal order and the
    # partners' rendezvous point remain.
    scene = stabbing.scenes.get()
    # Each measure: its kind, what and where, started how long ago, ends (from now), who authorised it, and
    # whether it has been lifted already.
    measures = [
        (
            MeasureKind.CORDON,
            "Inner cordon: the bus stop to the Academy's gates",
            ("51.57120", "-0.07280"),
            timedelta(hours=25, minutes=50),
            None,
            "",
            True,
        ),
        (
            MeasureKind.RENDEZVOUS_POINT,
            "Rendezvous point for partners: Northbridge Library car park, Station Road",
            ("51.57220", "-0.07050"),
            timedelta(hours=25, minutes=40),
            None,
            "",
            False,
        ),
        (
            MeasureKind.DISPERSAL_ORDER,
            "Dispersal zone: Station Road, the Academy's grounds and Northbridge Park",
            ("51.57300", "-0.07000"),
            timedelta(hours=24),
            timedelta(hours=24),
            "Insp. R. Patel",
            False,
        ),
    ]
    for kind, description, (latitude, longitude), started_ago, ends_in, authorised_by, lifted in measures:
        measure = measures_services.add_measure(
            scene=scene,
            by=users["police"],
            kind=kind,
            description=description,
            area="Northbridge Central",
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            starts_at=now - started_ago,
            ends_at=now + ends_in if ends_in else None,
            authorised_by=authorised_by,
        )
        if lifted:
            measures_services.lift_measure(measure=measure, by=users["police"])
    # The victim, in hospital: the hospital strand has visitors agreed; discharge is still to be planned, and
    # the school the victim attends is in the directory, not yet recorded (the browser test walks both).
    victim = _seed_demo_people(stabbing, users)
    strands_services.record_hospital_stay(
        incident=stabbing,
        patient=victim,
        by=responder,
        hospital=organisations["health_hospital"],
        status=PatientStatus.IN_HOSPITAL,
        ward_restrictions="No visitors but close family; the ward is not named to callers.",
        visitor_arrangements="Mother and grandmother only, identities checked by hospital security.",
        expected_discharge_on=None,
        discharge_plan="",
        discharge_plan_agreed=False,
        violence_reduction_team_informed_at=None,
    )
    services.record_decision(
        incident=stabbing,
        by=coordinator,
        what="Hold a critical-incident meeting at 09:00 tomorrow, chaired by the council.",
        why="Tension is rising online and the school reopens in the morning.",
    )

    shooting = services.record_incident(
        partnership=partnership,
        by=responder,
        title="Shots fired on the Eastgate estate",
        incident_types=["firearm"],
        occurred_at=now - timedelta(days=40),
        notified_at=now - timedelta(days=40) + timedelta(minutes=45),
        notification_source="police",
        notified_by="",
        summary="Shots fired in the car park behind Eastgate House; one man injured. Arrests made.",
        scenes=[
            {
                "description": "Car park behind Eastgate House",
                "area": "Eastgate",
                "latitude": 51.57210,
                "longitude": -0.04710,
            }
        ],
    )
    services.categorise(
        incident=shooting,
        by=responder,
        factors=["retaliation_risk", "community_tension"],
        other_factors="",
        serious_violence=True,
        meeting_needed=False,
        cross_borough=False,
        rationale="Risk of retaliation between two groups on the estate.",
    )
    services.draw_plan(incident=shooting, by=responder)
    services.change_status(incident=shooting, by=responder, status="recovery", status_seen="responding")

    services.record_incident(
        partnership=partnership,
        by=coordinator,
        title="Operation Lantern tabletop: acid attack at a bus station",
        incident_types=["corrosive"],
        occurred_at=now - timedelta(days=3),
        notified_at=now - timedelta(days=3),
        notification_source="btp",
        notified_by="Exercise control",
        summary="Exercise scenario: a corrosive substance thrown at a passenger at Northbridge bus station.",
        scenes=[
            {
                "description": "Northbridge bus station",
                "area": "Northbridge Central",
                "latitude": 51.57400,
                "longitude": -0.06900,
            }
        ],
        is_exercise=True,
    )


def _seed_demo_people(incident, users):
    """The demo stabbing's people affected, each record with its own need-to-know list (issue 20); returns
    the victim."""
    responder, coordinator = users["responder"], users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    recorded = {}
    for fields, also in DEMO_PEOPLE:
        person = recorded[fields["role"]] = people_services.add_person_affected(
            incident=incident,
            by=responder,
            **{
                "support_needs": "",
                "consent_scope": "",
                "referrals": "",
                "single_point_of_contact": responder,
                "lawful_basis": "safeguarding",
                "sharing_agreement": "Northbridge CSP information-sharing agreement 2025",
                **fields,
            },
        )
        if also:
            people_services.change_person_need_to_know(
                person=person,
                users=[responder, coordinator, users[also]],
                by=responder,
                expected_revision=person.revision,
            )
    return recorded["victim"]
