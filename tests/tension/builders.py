"""Test data for tension: a reading on the incident's ward."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.tension import services


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
