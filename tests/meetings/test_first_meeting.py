"""The first critical-incident meeting is the first one held, wherever it is shown: the partnership dashboard
(from the running totals, and from the records for a partner), the regional dashboard and the regional board's
first day. A meeting still planned, or cancelled, counts nowhere; the kept totals always equal a recount."""

from datetime import timedelta

import pytest

from svtoolkit.incidents import tallies
from svtoolkit.meetings import services
from svtoolkit.meetings.models import MeetingKind, MeetingStatus
from svtoolkit.regions import figures
from svtoolkit.regions import selectors as region_selectors
from svtoolkit.reports import selectors as reports
from tests.incidents.builders import demo_incident
from tests.meetings.builders import demo_meeting, held

pytestmark = pytest.mark.django_db

NONE_YET = {
    "partnership dashboard": (0, None),
    "partner's dashboard": (0, None),
    "regional dashboard": (0, None),
    "regional board": None,
}


def first_meeting_shown(demo, demo_users, incident) -> dict:
    """The incidents with a first critical-incident meeting and the average hours to it, as each figure shows
    them for Northbridge; and when the regional board says ``incident``'s first meeting was held."""
    kept = reports.dashboard(demo_users["coordinator"], demo, reports.Filters())["response_times_overall"]
    counted = reports.dashboard(demo_users["police"], demo, reports.Filters())["response_times_overall"]
    region = figures.dashboard(demo.region)
    northbridge = next(row for row in region["progress"] if row.name == demo.name)
    board = region_selectors.board(demo.region, user=demo_users["regional_viewer"])
    [on_board] = [row for row in board["incidents"] if row.pk == incident.pk]
    [step] = [step for step in on_board.first_day if step.label == "First meeting held"]
    return {
        "partnership dashboard": (kept.with_meeting, kept.hours_to_meeting),
        "partner's dashboard": (counted.with_meeting, counted.hours_to_meeting),
        "regional dashboard": (northbridge.with_meeting, northbridge.hours_to_meeting),
        "regional board": step.done_at if step.done else None,
    }


@pytest.fixture
def incident(demo, demo_users):
    """Northbridge's incident, told of two hours ago, with the police taking part."""
    return demo_incident(demo, demo_users)[0]


def test_a_meeting_scheduled_then_cancelled_counts_nowhere_and_the_totals_equal_a_recount(
    incident, demo, demo_users
):
    assert first_meeting_shown(demo, demo_users, incident) == NONE_YET
    meeting = demo_meeting(demo, demo_users, incident, starts_in=timedelta(hours=4))
    assert first_meeting_shown(demo, demo_users, incident) == NONE_YET
    assert tallies.differences() == []
    services.cancel_meeting(meeting=meeting, by=demo_users["responder"], reason="The chair is unavailable")
    assert first_meeting_shown(demo, demo_users, incident) == NONE_YET
    assert tallies.differences() == []


def test_a_meeting_counts_everywhere_once_its_outcome_is_recorded(incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    assert first_meeting_shown(demo, demo_users, incident) == NONE_YET  # begun, but not yet known to be held
    held(meeting, demo_users["responder"])
    hours = round((meeting.starts_at - incident.notified_at).total_seconds() / 3600, 1)
    assert first_meeting_shown(demo, demo_users, incident) == {
        "partnership dashboard": (1, hours),
        "partner's dashboard": (1, hours),
        "regional dashboard": (1, hours),
        "regional board": meeting.starts_at,
    }
    assert tallies.differences() == []


def test_a_cancelled_earlier_meeting_does_not_stand_for_the_first_one_held(incident, demo, demo_users):
    earlier = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=50))
    services.cancel_meeting(meeting=earlier, by=demo_users["responder"], reason="Moved to later")
    later = held(
        demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=10)), demo_users["responder"]
    )
    hours = round((later.starts_at - incident.notified_at).total_seconds() / 3600, 1)
    shown = first_meeting_shown(demo, demo_users, incident)
    assert shown["regional board"] == later.starts_at
    assert {shown[figure] for figure in NONE_YET if figure != "regional board"} == {(1, hours)}
    assert tallies.differences() == []


def test_only_a_critical_incident_meeting_is_the_first_meeting_on_the_board_too(incident, demo, demo_users):
    review = demo_meeting(
        demo, demo_users, incident, starts_in=-timedelta(minutes=30), kind=MeetingKind.REVIEW
    )
    held(review, demo_users["responder"])
    assert first_meeting_shown(demo, demo_users, incident) == NONE_YET
    assert tallies.differences() == []


def test_the_totals_name_the_meetings_kind_and_status_as_the_meetings_app_stores_them():
    assert tallies.CRITICAL_INCIDENT_MEETING == MeetingKind.CRITICAL_INCIDENT
    assert tallies.MEETING_HELD == MeetingStatus.HELD
