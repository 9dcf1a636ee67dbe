"""Test data for meetings: a critical-incident meeting on the demo incident, and its outcome recorded."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.meetings import services
from tests.incidents.builders import demo_incident


def demo_meeting(demo, demo_users, incident=None, *, starts_in=timedelta(hours=3), kind="critical_incident"):
    """A critical-incident meeting (or of ``kind``) in three hours (or ``starts_in``: negative for one that
    has begun), chaired by the responder, every partner invited."""
    incident = incident or demo_incident(demo, demo_users)[0]
    return scheduled(incident, demo_users["responder"], starts_at=timezone.now() + starts_in, kind=kind)[0]


def scheduled(incident, by, **changes):
    """The meetings ``by`` schedules: a critical-incident meeting in three hours at the town hall, chaired by
    ``by``, every partner invited, but for the ``changes`` (``daily_for``, ``then_weekly_for``: a series)."""
    return services.schedule_meetings(
        **{
            "incident": incident,
            "by": by,
            "kind": "critical_incident",
            "starts_at": timezone.now() + timedelta(hours=3),
            "duration_minutes": 60,
            "place": "Committee room 2, Northbridge Town Hall",
            "online_link": "",
            "chair": by,
            "organisations": [p.organisation for p in incident.participations.all()],
            "agenda": "1. Introductions",
        }
        | changes
    )


def held(meeting, by):
    """``meeting``'s outcome recorded (it has begun): everyone invited came, nothing decided or asked for."""
    return services.record_outcome(
        meeting=meeting,
        by=by,
        attended=list(meeting.invited_organisations.all()),
        minutes="Partners agreed the plan.",
        decisions=[],
        actions=[],
    )
