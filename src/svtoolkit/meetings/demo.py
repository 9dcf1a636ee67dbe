"""Demo meeting: the critical-incident meeting for Northbridge's open stabbing incident."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.incidents.models import Incident
from svtoolkit.meetings import selectors, services
from svtoolkit.meetings.models import Meeting


def seed_demo_meetings(*, partnership, users) -> None:
    incident = Incident.objects.filter(partnership=partnership, title__startswith="Stabbing").first()
    if incident is None or Meeting.objects.filter(incident=incident).exists():
        return
    services.schedule_meetings(
        incident=incident,
        by=users["responder"],
        kind="critical_incident",
        starts_at=(timezone.now() + timedelta(hours=20)).replace(minute=0, second=0, microsecond=0),
        duration_minutes=60,
        place="Committee room 2, Northbridge Town Hall",
        online_link="",
        chair=users["coordinator"],
        organisations=[p.organisation for p in incident.participations.all()],
        agenda=selectors.draft_agenda(incident),
        daily_for=3,
        then_weekly_for=2,
    )
