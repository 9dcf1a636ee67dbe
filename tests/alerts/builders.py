"""Test data for alerts: a rota, an alert raised by the police partner, and the token in its message."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.alerts import services
from svtoolkit.alerts.models import DutyRole, EscalationPolicy, EscalationStep
from svtoolkit.incidents import services as incident_services


def rota(demo, demo_users, *, now=None, deputy=None, senior=None):
    """The responder on duty as duty officer and the coordinator as deputy, from an hour ago for a day."""
    now = now or timezone.now()
    coordinator = demo_users["coordinator"]
    shifts = {}
    for person, role in (
        (demo_users["responder"], DutyRole.DUTY_OFFICER),
        (deputy or coordinator, DutyRole.DEPUTY),
        (senior, DutyRole.SENIOR_MANAGER),
    ):
        if person is not None:
            shifts[role] = services.add_shift(
                partnership=demo,
                person=person,
                role=role,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=23),
                out_of_hours_number="07700 900999",
                by=coordinator,
            )
    return shifts


def stored_policy(partnership, by, steps: dict) -> EscalationPolicy:
    """A policy written straight to the database (as the Django admin once could), past the service's rules:
    minutes after the alert for each duty role."""
    policy = EscalationPolicy.objects.create(partnership=partnership, updated_by=by, revision=2)
    EscalationStep.objects.bulk_create(
        EscalationStep(policy=policy, duty_role=role, after_minutes=after) for role, after in steps.items()
    )
    return policy


def raise_police_alert(demo, demo_users, **changes):
    fields = {
        "what": "Stabbing outside Northbridge Academy",
        "details": "One young man hurt; taken to hospital.",
        "where": "Station Road bus stop",
        "occurred_at": timezone.now() - timedelta(minutes=10),
        "how_they_know": "Called by the control room.",
        "callback_number": "07700 900013",
    }
    fields.update(changes)
    return services.raise_alert(partnership=demo, by=demo_users["police"], **fields)


def token_of(recipient) -> str:
    """The raw acknowledgement token, as it is in the person's message (kept there until it is sent)."""
    return recipient.notification.secret


def categorise(incident, by, *, young_person=True, serious_violence=True):
    """Categorise the incident (the launch protocol and the region's alerting run on it)."""
    return incident_services.categorise(
        incident=incident,
        by=by,
        factors=["young_person"] if young_person else [],
        other_factors="",
        serious_violence=serious_violence,
        meeting_needed=False,
        cross_borough=False,
        rationale="A young victim, seriously hurt.",
    )
