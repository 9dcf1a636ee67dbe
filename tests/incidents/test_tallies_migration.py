"""Upgrading counts again the totals kept while a meeting still planned or cancelled counted as the first
critical-incident meeting (migration 0030), so the figures agree with the records at once."""

from datetime import timedelta

import pytest
from django.db.models import F

from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import DashboardTally, IncidentTally
from svtoolkit.meetings import services as meeting_services
from tests.incidents.builders import demo_incident
from tests.meetings.builders import demo_meeting
from tests.migrating import migrate

BEFORE = [("incidents", "0029_escalation_timetable_revision")]
AFTER = [("incidents", "0030_count_only_meetings_held")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_totals_that_counted_a_cancelled_meeting_are_counted_again(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    meeting = demo_meeting(demo, demo_users, incident, starts_in=timedelta(hours=4))
    meeting_services.cancel_meeting(meeting=meeting, by=demo_users["responder"], reason="Not needed")
    migrate(BEFORE)
    try:
        # What the earlier code kept for the cancelled meeting.
        hours = 6 * 3600
        IncidentTally.objects.filter(incident=incident).update(with_meeting=True, seconds_to_meeting=hours)
        DashboardTally.objects.filter(partnership=demo).update(
            with_meeting=F("with_meeting") + 1, seconds_to_meeting=F("seconds_to_meeting") + hours
        )
        assert tallies.differences() != []
    finally:
        migrate(AFTER)
    assert tallies.differences() == []
    assert not IncidentTally.objects.get(incident=incident).with_meeting
