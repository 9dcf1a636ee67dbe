"""The dashboard's figures on known data: what is counted, in which month, for whom."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svtoolkit.incidents import tallies
from svtoolkit.playbooks.models import ReadinessStatus
from svtoolkit.playbooks.selectors import readiness_summary
from svtoolkit.reports import selectors
from svtoolkit.reports.selectors import Filters
from tests.factories import (
    IncidentFactory,
    MeetingFactory,
    ParticipationFactory,
    PlanActionFactory,
)
from tests.reports.builders import an_assessment

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=LONDON)


def figures(user, partnership, filters=None, now=NOW):
    """The dashboard as ``user`` sees it, after counting the totals the factories wrote past (the services
    keep them as they go); where the totals serve, their figures must equal those counted from the records."""
    filters = filters or Filters()
    tallies.rebuild()
    shown = selectors.dashboard(user, partnership, filters, now=now)
    incidents = selectors.reportable_incidents(user, partnership, filters)
    types = selectors.incident_types(partnership)
    assert shown["per_month"] == selectors.incidents_per_month(incidents, types, shown["months"])
    assert (shown["response_times"], shown["response_times_overall"]) == selectors.response_times(
        incidents, shown["months"]
    )
    assert (shown["on_time"], shown["on_time_overall"]) == selectors.actions_on_time(
        incidents, shown["months"], now=now
    )
    return shown


def test_open_incidents_by_status_and_type_leave_out_closed_ones_exercises_and_other_partnerships(
    demo, demo_users, other_partnership
):
    IncidentFactory(partnership=demo, status="responding", incident_types=["knife"])
    IncidentFactory(partnership=demo, status="responding", incident_types=["knife", "exploitation"])
    IncidentFactory(partnership=demo, status="recovery", incident_types=["firearm"])
    IncidentFactory(partnership=demo, status="closed", incident_types=["knife"])
    IncidentFactory(partnership=demo, status="responding", incident_types=["knife"], is_exercise=True)
    IncidentFactory(partnership=other_partnership[0], status="responding", incident_types=["knife"])

    shown = figures(demo_users["coordinator"], demo)

    rows = {row.status: row for row in shown["open_by_status"]}
    types = shown["types"]
    assert rows["responding"].total == 2
    assert rows["responding"].by_type[types.index("Knife crime")] == 2
    assert rows["responding"].by_type[types.index("Exploitation")] == 1
    assert rows["recovery"].by_type[types.index("Firearm")] == 1
    assert rows["reported"].total == 0
    assert "closed" not in rows
    assert shown["open_total"] == 3


def test_a_type_code_never_matches_part_of_another(demo, demo_users):
    IncidentFactory(partnership=demo, incident_types=["knife_crime_extra"])
    IncidentFactory(partnership=demo, incident_types=["knife"])
    incidents = selectors.reportable_incidents(
        demo_users["coordinator"], demo, Filters(incident_type="knife")
    )
    assert incidents.count() == 1


def test_incidents_are_counted_in_the_local_month_they_happened(demo, demo_users):
    # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time): an April incident.
    IncidentFactory(partnership=demo, occurred_at=datetime(2026, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC")))
    IncidentFactory(partnership=demo, occurred_at=datetime(2026, 3, 10, 12, 0, tzinfo=LONDON))
    IncidentFactory(
        partnership=demo, occurred_at=datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), incident_types=["firearm"]
    )
    since = datetime(2026, 1, 1, tzinfo=LONDON)

    shown = figures(demo_users["coordinator"], demo, Filters(since=since))

    months = {row.month: row for row in shown["per_month"]}
    assert list(months) == [date(2026, month, 1) for month in range(1, 7)]
    assert [months[date(2026, m, 1)].total for m in range(1, 7)] == [0, 0, 1, 1, 0, 1]
    firearm = shown["types"].index("Firearm")
    assert months[date(2026, 6, 1)].by_type[firearm] == 1
    assert shown["incidents_total"] == 3


def test_the_period_and_type_filters_choose_the_incidents(demo, demo_users):
    IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=400))
    IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=10), incident_types=["firearm"])
    IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=10))
    coordinator = demo_users["coordinator"]
    assert figures(coordinator, demo)["incidents_total"] == 3
    assert figures(coordinator, demo, Filters(since=NOW - timedelta(days=30)))["incidents_total"] == 2
    assert figures(coordinator, demo, Filters(incident_type="firearm"))["incidents_total"] == 1


def test_overdue_and_due_soon_actions_by_organisation(demo, demo_users):
    incident = IncidentFactory(partnership=demo)
    police, council = demo.organisations.get(kind="police"), demo.organisations.get(kind="council")
    PlanActionFactory(incident=incident, owner_organisation=police, due_at=NOW - timedelta(hours=5))
    PlanActionFactory(incident=incident, owner_organisation=police, due_at=NOW - timedelta(days=2))
    PlanActionFactory(incident=incident, owner_organisation=police, due_at=NOW + timedelta(hours=3))
    PlanActionFactory(incident=incident, owner_organisation=council, due_at=NOW + timedelta(hours=20))
    PlanActionFactory(incident=incident, owner_organisation=council, due_at=NOW + timedelta(days=3))
    PlanActionFactory(
        incident=incident, owner_organisation=council, due_at=NOW - timedelta(days=1), status="done"
    )
    PlanActionFactory(incident=incident, owner_organisation=None, due_at=NOW - timedelta(hours=1))

    rows = figures(demo_users["coordinator"], demo)["actions_by_organisation"]

    assert [(row.organisation, row.overdue, row.due_soon) for row in rows] == [
        (police.name, 2, 1),
        ("No owner yet", 1, 0),
        (council.name, 0, 1),
    ]


def test_hours_from_notification_to_the_first_meeting_and_the_first_partner_informed(demo, demo_users):
    notified = datetime(2026, 5, 4, 10, 0, tzinfo=LONDON)
    first = IncidentFactory(partnership=demo, occurred_at=notified, notified_at=notified)
    MeetingFactory(incident=first, starts_at=notified + timedelta(hours=10), status="held")
    MeetingFactory(incident=first, starts_at=notified + timedelta(hours=4), status="held")
    MeetingFactory(
        incident=first, starts_at=notified + timedelta(hours=1), kind="key_partners", status="held"
    )
    # Neither a meeting not yet held nor one cancelled is the first held.
    MeetingFactory(incident=first, starts_at=notified + timedelta(hours=2))
    MeetingFactory(incident=first, starts_at=notified + timedelta(hours=3), status="cancelled")
    ParticipationFactory(incident=first, informed_at=notified + timedelta(hours=3))
    ParticipationFactory(incident=first, informed_at=notified + timedelta(hours=1))
    second = IncidentFactory(partnership=demo, occurred_at=notified, notified_at=notified + timedelta(days=1))
    MeetingFactory(incident=second, starts_at=second.notified_at + timedelta(hours=8), status="held")
    IncidentFactory(partnership=demo, occurred_at=notified, notified_at=notified)  # neither yet

    shown = figures(demo_users["coordinator"], demo, Filters(since=datetime(2026, 5, 1, tzinfo=LONDON)))

    may = shown["response_times"][0]
    assert may.month == date(2026, 5, 1)
    assert (may.incidents, may.with_meeting, may.hours_to_meeting) == (3, 2, 6.0)
    assert (may.with_partners_informed, may.hours_to_partners_informed) == (1, 1.0)
    assert shown["response_times_overall"].hours_to_meeting == 6.0
    assert shown["response_times"][1].hours_to_meeting is None


def test_the_whole_periods_response_times_weigh_each_month_by_its_incidents(demo, demo_users):
    may = datetime(2026, 5, 4, 10, 0, tzinfo=LONDON)
    june = datetime(2026, 6, 8, 10, 0, tzinfo=LONDON)
    for notified, hours in [(may, 2), (may, 4), (june, 9)]:
        incident = IncidentFactory(partnership=demo, occurred_at=notified, notified_at=notified)
        MeetingFactory(incident=incident, starts_at=notified + timedelta(hours=hours), status="held")
        ParticipationFactory(incident=incident, informed_at=notified + timedelta(hours=hours))
    IncidentFactory(partnership=demo, occurred_at=june, notified_at=june)  # neither yet

    shown = figures(demo_users["coordinator"], demo, Filters(since=datetime(2026, 5, 1, tzinfo=LONDON)))

    assert [row.hours_to_meeting for row in shown["response_times"][:2]] == [3.0, 9.0]
    overall = shown["response_times_overall"]
    # (2 + 4 + 9) / 3, not the average of the months' averages (6.0).
    assert (overall.incidents, overall.with_meeting, overall.hours_to_meeting) == (4, 3, 5.0)
    assert (overall.with_partners_informed, overall.hours_to_partners_informed) == (3, 5.0)


def test_share_of_actions_done_on_time(demo, demo_users):
    incident = IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=60))
    due = datetime(2026, 5, 20, 12, 0, tzinfo=LONDON)
    PlanActionFactory(incident=incident, due_at=due, status="done", completed_at=due - timedelta(hours=1))
    PlanActionFactory(incident=incident, due_at=due, status="done", completed_at=due)
    PlanActionFactory(incident=incident, due_at=due, status="done", completed_at=due + timedelta(days=1))
    PlanActionFactory(incident=incident, due_at=due, status="in_progress")
    PlanActionFactory(incident=incident, due_at=due, status="not_needed", not_needed_reason="Done by police")
    PlanActionFactory(incident=incident, due_at=NOW + timedelta(days=1), status="to_do")  # not due yet

    shown = figures(demo_users["coordinator"], demo)

    overall = shown["on_time_overall"]
    assert (overall.on_time, overall.late, overall.still_open, overall.percent_on_time) == (2, 1, 1, 50)
    may = next(row for row in shown["on_time"] if row.month == date(2026, 5, 1))
    assert (may.on_time, may.late, may.still_open) == (2, 1, 1)


def test_readiness_over_time_scores_each_assessment_as_its_own_page_does(demo, demo_users):
    coordinator = demo_users["coordinator"]
    earlier = an_assessment(demo, coordinator)
    earlier.assessed_on = date(2026, 1, 10)
    earlier.save()
    later = an_assessment(demo, coordinator)
    later.assessed_on = date(2026, 4, 10)
    later.save()
    ratings = list(later.ratings.order_by("id"))
    for rating in ratings[:10]:
        rating.status = ReadinessStatus.READY
        rating.save()
    for rating in ratings[10:15]:
        rating.status = ReadinessStatus.IN_PROGRESS
        rating.save()

    points = figures(coordinator, demo)["readiness"]

    assert [(point.assessed_on, point.score) for point in points] == [
        (date(2026, 1, 10), 0),
        (date(2026, 4, 10), readiness_summary(later).score),
    ]
    assert points[1].score > 0


def test_a_partner_counts_only_the_incidents_their_organisation_takes_part_in(demo, demo_users):
    police = demo.organisations.get(kind="police")
    theirs = IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=3))
    ParticipationFactory(incident=theirs, organisation=police)
    PlanActionFactory(incident=theirs, due_at=NOW - timedelta(hours=1))
    not_theirs = IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=3))
    PlanActionFactory(incident=not_theirs, due_at=NOW - timedelta(hours=1))

    assert figures(demo_users["police"], demo)["incidents_total"] == 1
    assert figures(demo_users["police"], demo)["overdue_total"] == 1
    assert figures(demo_users["health"], demo)["incidents_total"] == 0
    assert figures(demo_users["viewer"], demo)["overdue_total"] == 2


def _dashboard_queries(user, partnership, filters):
    tallies.rebuild()  # as the services would have kept them
    with CaptureQueriesContext(connection) as queries:
        selectors.dashboard(user, partnership, filters, now=NOW)
    return len(queries)


# The dashboard as it opens (the last 12 whole months) and over all time; a coordinator reads the totals, a
# partner (who sees only some incidents) the records.
@pytest.mark.parametrize("period", [Filters(since=datetime(2025, 7, 1, tzinfo=LONDON)), Filters()])
@pytest.mark.parametrize("role", ["coordinator", "police"])
def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_incidents(
    demo, demo_users, role, period
):
    police = demo.organisations.get(kind="police")

    def add_incidents(count):
        for day in range(count):
            incident = IncidentFactory(partnership=demo, occurred_at=NOW - timedelta(days=day * 11))
            ParticipationFactory(incident=incident, organisation=police, informed_at=incident.notified_at)
            PlanActionFactory(incident=incident, due_at=incident.occurred_at + timedelta(days=1))
            MeetingFactory(incident=incident)

    add_incidents(2)
    _dashboard_queries(demo_users[role], demo, period)  # reads the memberships once, as a request does
    few = _dashboard_queries(demo_users[role], demo, period)
    add_incidents(20)
    assert _dashboard_queries(demo_users[role], demo, period) == few
    assert few <= 11
