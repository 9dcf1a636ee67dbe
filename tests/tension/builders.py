"""Test data for tension: a reading on the incident's ward, and an incident with a lead to alert."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.incidents import services as incident_services
from svtoolkit.tension import services
from tests.incidents.builders import demo_incident


def led_incident(demo, demo_users, *, lead="responder"):
    """The demo incident with ``lead`` (a demo user's role) as its lead officer, the one a reading past the
    alert level alerts."""
    incident, _ = demo_incident(demo, demo_users)
    incident_services.assign_lead(
        incident=incident,
        organisation=demo.organisations.get(kind="council"),
        officer=demo_users[lead],
        by=demo_users["responder"],
    )
    return incident


def record(incident, by, level, *, hours_ago=0, area="Northbridge Central"):
    """A tension reading at ``level`` observed ``hours_ago`` hours ago in ``area``."""
    return services.record_reading(
        incident=incident,
        by=by,
        area=area,
        area_kind="ward",
        level=level,
        indicators=["social_media"],
        source="Neighbourhood policing team",
        confidence="medium",
        notes="",
        observed_at=timezone.now() - timedelta(hours=hours_ago),
    )
