"""Demo tension readings for the open stabbing incident: ten days in two areas, one past the alert level."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.incidents.models import Incident
from svtoolkit.tension import services
from svtoolkit.tension.models import TensionReading

READINGS = {
    ("Northbridge Central", "ward"): [2, 2, 3, 3, 2, 3, 3, 3, 4, 4],
    ("Northbridge Academy", "school"): [1, 2, 2, 3, 3, 2, 2, 2, 3, 2],
}


def seed_demo_tension(*, partnership, users) -> None:
    incident = Incident.objects.filter(partnership=partnership, title__startswith="Stabbing").first()
    if incident is None or TensionReading.objects.filter(incident=incident).exists():
        return
    now = timezone.now()
    for (area, kind), levels in READINGS.items():
        for day, level in enumerate(levels):
            services.record_reading(
                incident=incident,
                by=users["police"],
                area=area,
                area_kind=kind,
                level=level,
                indicators=["social_media", "community_feedback"] if level >= 3 else ["community_feedback"],
                source="Neighbourhood policing team" if kind == "ward" else "Head teacher",
                confidence="medium",
                notes="",
                observed_at=now - timedelta(days=len(levels) - day, hours=1),
            )
