"""The partnership dashboard reads running totals the services keep in the transaction of each change
(docs/decisions/0013): each kind of change that moves one of its figures shows on the next request."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from svtoolkit.core.charts import month_of
from svtoolkit.incidents import services, tallies
from svtoolkit.incidents.models import ActionStatus, DashboardTally, IncidentStatus
from svtoolkit.partnerships.models import Contact
from svtoolkit.playbooks import services as playbook_services
from tests.factories import IncidentFactory, IncidentShareFactory, PlanActionFactory
from tests.incidents.builders import (
    categorise,
    moved_to,
    recorded_incident,
    set_aside_as_listed,
    updated_together,
)
from tests.meetings.builders import demo_meeting, held

pytestmark = pytest.mark.django_db


@pytest.fixture
def responder(demo_users):
    return demo_users["responder"]


@pytest.fixture
def shown(client_for):
    """The dashboard over all time (or ``query``) as the coordinator's next request shows it."""
    client = client_for("coordinator")

    def request(query="period=all"):
        response = client.get(reverse("reports:dashboard") + "?" + query)
        assert response.status_code == 200
        times, on_time = response.context["response_times_overall"], response.context["on_time_overall"]
        return {
            "notified": times.incidents,
            "with_meeting": times.with_meeting,
            "partners_informed": times.with_partners_informed,
            "on_time": on_time.on_time,
            "late": on_time.late,
            "still_open": on_time.still_open,
            "by_month": {
                row.month: (row.on_time, row.late, row.still_open)
                for row in response.context["on_time"]
                if row.due
            },
            "notified_by_month": {
                row.month: row.incidents for row in response.context["response_times"] if row.incidents
            },
        }

    return request


def moved(before: dict, after: dict) -> dict:
    return {name: (before[name], after[name]) for name in after if before[name] != after[name]}


def action_due(incident, by, due_at, title="Visit the family"):
    return services.add_action(
        incident=incident, by=by, title=title, guidance="", owner_organisation=None, owner=None, due_at=due_at
    )


def done(action, by):
    services.update_action(
        action=action,
        by=by,
        expected_revision=action.revision,
        status=ActionStatus.DONE,
        owner_organisation=None,
        owner=None,
        not_needed_reason="",
        note="",
    )


def test_a_recorded_incident_counts_in_the_month_it_was_notified_on_the_next_request(shown, demo, responder):
    before = shown()
    notified = timezone.now() - timedelta(days=70)
    recorded_incident(demo, responder, occurred_at=notified - timedelta(hours=2), notified_at=notified)
    after = shown()
    assert after["notified"] == before["notified"] + 1
    month = month_of(notified)
    assert after["notified_by_month"][month] == before["notified_by_month"].get(month, 0) + 1
    assert tallies.differences() == []


def test_correcting_the_notification_time_moves_the_incident_to_that_month(shown, demo, responder):
    incident = recorded_incident(demo, responder)
    was = month_of(incident.notified_at)
    before = shown()
    earlier = timezone.now() - timedelta(days=100)
    services.edit_record(
        incident=incident,
        by=responder,
        expected_revision=incident.revision,
        title=incident.title,
        incident_types=incident.incident_types,
        occurred_at=earlier - timedelta(hours=1),
        notified_at=earlier,
        summary=incident.summary,
    )
    after = shown()
    month = month_of(earlier)
    assert after["notified_by_month"][month] == before["notified_by_month"].get(month, 0) + 1
    assert after["notified_by_month"].get(was, 0) == before["notified_by_month"][was] - 1
    assert after["notified"] == before["notified"]
    assert tallies.differences() == []


def test_informing_a_partner_counts_on_the_next_request(shown, demo, responder):
    incident = recorded_incident(demo, responder)
    police = demo.organisations.get(kind="police")
    contact = Contact.objects.create(organisation=police, name="Insp. Ray", email="ray@police.example.org")
    services.add_participant(incident=incident, organisation=police, contact=contact, by=responder)
    before = shown()
    services.inform_partners(incident=incident, by=responder)
    assert moved(before, shown()) == {
        "partners_informed": (before["partners_informed"], before["partners_informed"] + 1)
    }
    assert tallies.differences() == []


def test_the_first_critical_incident_meeting_held_counts_on_the_next_request(
    shown, demo, demo_users, responder
):
    incident = recorded_incident(demo, responder)
    before = shown()
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    assert shown() == before
    held(meeting, responder)
    assert moved(before, shown()) == {"with_meeting": (before["with_meeting"], before["with_meeting"] + 1)}
    assert tallies.differences() == []


def test_an_action_added_counts_still_open_in_the_month_it_was_due(shown, demo, responder):
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=80))
    before = shown()
    due = timezone.now() - timedelta(days=75)  # a month before this one: read from the totals
    action_due(incident, responder, due)
    action_due(incident, responder, timezone.now() + timedelta(days=1))  # not yet due: not counted
    after = shown()
    assert moved(before, after) == {
        "still_open": (before["still_open"], before["still_open"] + 1),
        "by_month": (before["by_month"], after["by_month"]),
    }
    month = month_of(due)
    assert after["by_month"][month][2] == before["by_month"].get(month, (0, 0, 0))[2] + 1
    assert tallies.differences() == []


def test_an_action_done_late_or_on_time_counts_on_the_next_request(shown, demo, responder):
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=80))
    overdue = action_due(incident, responder, timezone.now() - timedelta(days=75))
    now_due = action_due(incident, responder, timezone.now() - timedelta(minutes=1), "Call the school")
    before = shown()
    done(overdue, responder)
    after = shown()
    assert (after["late"], after["still_open"]) == (before["late"] + 1, before["still_open"] - 1)
    # This month's action, due a minute ago: this month's totals less the actions due later in it.
    updated_together(incident, [now_due], by=responder, status=ActionStatus.DONE)
    last = shown()
    assert (last["late"], last["on_time"], last["still_open"]) == (after["late"] + 1, after["on_time"], 0)
    assert tallies.differences() == []


def test_setting_open_actions_aside_takes_them_out_on_the_next_request(shown, demo, responder):
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=80))
    action_due(incident, responder, timezone.now() - timedelta(days=75))
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=responder)
    before = shown()
    set_aside_as_listed(incident, by=responder, reason="Handled by the police.")
    after = shown()
    assert after["still_open"] == before["still_open"] - 1
    assert tallies.differences() == []


def test_the_plan_drawn_and_the_events_that_complete_its_actions_count(shown, demo, demo_users, responder):
    coordinator = demo_users["coordinator"]
    version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
    playbook_services.publish_draft(
        version=version, by=coordinator, change_note="First version", expected_revision=version.revision
    )
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=80))
    before = shown()
    assert services.draw_plan(incident=incident, by=responder)
    categorise(incident, responder)  # completes the plan's categorisation actions by itself
    after = shown()
    due = incident.actions.filter(due_at__lt=timezone.now()).exclude(status=ActionStatus.NOT_NEEDED)
    counted = after["on_time"] + after["late"] + after["still_open"]
    assert counted == before["on_time"] + before["late"] + before["still_open"] + due.count()
    assert after["on_time"] + after["late"] > before["on_time"] + before["late"]
    assert tallies.differences() == []


def test_the_dashboard_filtered_by_type_reads_the_totals_of_that_type(shown, demo, responder):
    incident = recorded_incident(demo, responder, types=("firearm",))
    action_due(incident, responder, timezone.now() - timedelta(minutes=5))
    firearm, knife = shown("period=all&incident_type=firearm"), shown("period=all&incident_type=knife")
    assert (firearm["notified"], firearm["still_open"]) == (1, 1)
    assert (knife["notified"], knife["still_open"]) == (0, 0)
    assert shown("incident_type=firearm")["notified"] == 1  # the last 12 months, as the page opens


def test_incidents_shared_with_the_partnership_are_counted_from_the_records(
    shown, demo, responder, other_partnership
):
    """The totals are kept per partnership: an incident another partnership shares is not in them, so a
    partnership that has any is counted from the records."""
    recorded_incident(demo, responder)
    before = shown()
    theirs = IncidentFactory(partnership=other_partnership[0], notified_at=timezone.now())
    PlanActionFactory(incident=theirs, due_at=timezone.now() - timedelta(hours=1), status="to_do")
    IncidentShareFactory(incident=theirs, partnership=demo)
    after = shown()
    assert (after["notified"], after["still_open"]) == (before["notified"] + 1, before["still_open"] + 1)


def test_the_check_finds_dashboard_totals_that_drifted_and_the_rebuild_puts_them_right(demo, responder):
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=80))
    action_due(incident, responder, timezone.now() - timedelta(days=75))
    call_command("rebuild_tallies", "--check")
    DashboardTally.objects.filter(partnership=demo, actions_open__gt=0).update(actions_open=0)
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_tallies", "--check")
    call_command("rebuild_tallies")
    call_command("rebuild_tallies", "--check")
    assert DashboardTally.objects.filter(partnership=demo, actions_open=1).count() == 2  # all types, knife
