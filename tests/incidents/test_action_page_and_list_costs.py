"""Issue 19: the action page (shown, and its update saved) and the incident list read a fixed number of
queries, however big the plan, the action's history or the list (docs/performance.md, "The action page and
the incident list")."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.selectors import member_users
from svtoolkit.incidents import selectors, services, tallies
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Incident,
    IncidentStatus,
    PlanAction,
    TimelineEntry,
)
from svtoolkit.incidents.tally_models import DashboardTally, IncidentTally, MonthlyTally
from tests.factories import TimelineEntryFactory
from tests.incidents.builders import action_due, demo_incident, mark_action, more_actions, recorded_incident

pytestmark = pytest.mark.django_db

# Signing in 2 (the session and the person); the action with its incident, found through the access rule (the
# incidents shared with the partnership read in the same statement), 1; the owners' lists, kept in the cache
# once drawn, the changes to the tables they read 1 (core.kept_lists); its updates 1.
ACTION_PAGE_QUERIES = 5
# Signing in 2; the action with its incident 1; the transaction 2; the saved action, its timeline entry and
# audit entry 3; the message "The action was updated." kept in the session 1 (one UPDATE, no transaction:
# accounts.sessions); the organisation sent back, read once to check it is one that may be chosen (the action
# is found without its owners' rows, which the page does not need).
ACTION_UPDATE_QUERIES = 10
# And when the action moves between open, done and neither: its incident locked before the action 1
# (incidents/locks.py), and counted again (the incident locked again, its tally made if missing, locked and
# measured, its plan by due month 5; the months' and the dashboard's counts moved, one statement each 2; the
# tally saved 1).
ACTION_UPDATE_COUNTED_QUERIES = 19
# Signing in 2; the shared incidents 1; the page of incidents 1; their open and overdue actions 1.
INCIDENT_LIST_QUERIES = 5


def _queries(send, url, data=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = send(url, data) if data is not None else send(url)
    return len(captured), response


def _grow_plan(incident, action, by, *, by_how_much: int):
    """More actions in the plan and more updates on ``action``."""
    more_actions(incident, by, how_many=by_how_much)
    for number in range(by_how_much):
        action.refresh_from_db()
        services.update_action(
            action=action,
            by=by,
            expected_revision=action.revision,
            status=ActionStatus.IN_PROGRESS,
            owner_organisation=action.owner_organisation,
            owner=None,
            not_needed_reason="",
            note=f"Checked {number}",
        )


def _update(action, **changes) -> dict:
    action.refresh_from_db()
    return {
        "status": ActionStatus.IN_PROGRESS,
        "owner_organisation": action.owner_organisation_id,
        "owner": "",
        "not_needed_reason": "",
        "note": "Progress checked.",
        "revision": action.revision,
        **changes,
    }


def test_the_action_page_reads_a_fixed_number_of_queries_whatever_the_plan_and_the_actions_history(
    client_for, demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client.get(url)  # the session's first request settles it
    small, _ = _queries(client.get, url)
    _grow_plan(incident, action, demo_users["responder"], by_how_much=12)
    grown, response = _queries(client.get, url)
    assert (small, grown) == (ACTION_PAGE_QUERIES, ACTION_PAGE_QUERIES)
    page = response.content.decode()
    assert "Checked 11" in page and "Review CCTV of the bus stop" in page
    assert f'name="revision" value="{PlanAction.objects.get(pk=action.pk).revision}"' in page


def test_the_action_page_reads_its_lists_of_owners_without_a_server_side_cursor(client_for, demo, demo_users):
    """On PostgreSQL Django reads a choice list through a server-side cursor (DECLARE, FETCH, CLOSE): for the
    tens of records of a partnership's list a plain query costs less (core.forms.ListedChoiceIterator)."""
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("incidents:action", args=[incident.pk, action.pk]))
    assert response.status_code == 200
    assert f'value="{action.owner_organisation_id}" selected' in response.content.decode()
    assert [query["sql"] for query in captured if "DECLARE" in query["sql"].upper()] == []


def test_the_action_page_finds_its_action_without_reading_its_owners_records(client_for, demo, demo_users):
    # The form starts from the owners' ids: joining their rows read every column of both for nothing.
    incident, action = demo_incident(demo, demo_users)
    PlanAction.objects.filter(pk=action.pk).update(owner=demo_users["responder"])
    with CaptureQueriesContext(connection) as captured:
        response = client_for("coordinator").get(reverse("incidents:action", args=[incident.pk, action.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{action.owner_organisation_id}" selected' in page
    assert f'value="{demo_users["responder"].pk}" selected' in page
    actions = 'SELECT "incidents_planaction"'
    (found,) = [query["sql"] for query in captured if query["sql"].startswith(actions)]
    assert '"accounts_user"' not in found and '"partnerships_organisation"' not in found


def test_the_action_page_lists_its_updates_reading_only_when_who_and_what(client_for, demo, demo_users):
    # Each update and its author were read whole (every column of both) to write a line of three values.
    incident, action = demo_incident(demo, demo_users)
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 00:30 in London; an hour later, 02:30 (summer time)
    responder = demo_users["responder"]
    by_the_service = TimelineEntryFactory(incident=incident, action=action, text="Escalated <automatically>")
    by_someone = TimelineEntryFactory(incident=incident, action=action, by=responder, text="Seen")
    again = TimelineEntryFactory(incident=incident, action=action, by=responder, text="Seen again")
    TimelineEntry.objects.filter(pk=by_the_service.pk).update(at=at)
    TimelineEntry.objects.filter(pk__in=[by_someone.pk, again.pk]).update(at=at + timedelta(hours=1))
    with CaptureQueriesContext(connection) as captured:
        response = client_for("coordinator").get(reverse("incidents:action", args=[incident.pk, action.pk]))

    assert response.status_code == 200
    (updates,) = [query["sql"] for query in captured if "FROM incidents_timelineentry" in query["sql"]]
    assert updates.split(" FROM ")[0] == "SELECT e.at, e.kind, e.text, e.by_id, u.full_name AS by_full_name"
    assert (  # newest first, the later of two at the same minute first
        f"<li>29 Mar 02:30, {responder.full_name}: Seen again</li>"
        f"<li>29 Mar 02:30, {responder.full_name}: Seen</li>"
        "<li>29 Mar 00:30, svtoolkit: Escalated &lt;automatically&gt;</li>"
    ) in response.content.decode()


def test_the_action_pages_list_of_people_reads_only_the_columns_of_their_names(client_for, demo, demo_users):
    # Every column of tens of people was read (and their dates decoded) to write their names as options.
    incident, action = demo_incident(demo, demo_users)
    with CaptureQueriesContext(connection) as captured:
        response = client_for("coordinator").get(reverse("incidents:action", args=[incident.pk, action.pk]))
    assert response.status_code == 200
    (people,) = [query["sql"] for query in captured if 'INNER JOIN "accounts_membership"' in query["sql"]]
    assert people.split(" FROM ")[0] == (
        'SELECT "accounts_user"."id", "accounts_user"."email", "accounts_user"."full_name"'
    )
    listed = list(member_users(demo))
    assert demo_users["responder"] in listed
    for person in listed:
        assert f'<option value="{person.pk}">{person}</option>' in response.content.decode()


def test_saving_an_action_reads_a_fixed_number_of_queries_and_saves_what_was_sent(
    client_for, demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client.get(url)
    small, response = _queries(client.post, url, _update(action))
    assert response.status_code == 302
    _grow_plan(incident, action, demo_users["responder"], by_how_much=12)
    grown, response = _queries(client.post, url, _update(action))
    assert response.status_code == 302
    assert (small, grown) == (ACTION_UPDATE_QUERIES, ACTION_UPDATE_QUERIES)
    done, response = _queries(client.post, url, _update(action, status=ActionStatus.DONE, note=""))
    assert response.status_code == 302
    assert done == ACTION_UPDATE_COUNTED_QUERIES
    saved = PlanAction.objects.get(pk=action.pk)
    assert (saved.status, saved.completed_at is not None) == (ActionStatus.DONE, True)
    assert incident.timeline.order_by("-id").first().text == "“Review CCTV of the bus stop”: now done."
    assert tallies.differences() == []


def test_an_action_saved_on_a_new_owner_names_them_on_the_timeline(client_for, demo, demo_users):
    """The saved action is not read again: the timeline names the owner chosen from what was saved."""
    incident, action = demo_incident(demo, demo_users)
    council = demo.organisations.get(kind="council")
    response = client_for("coordinator").post(
        reverse("incidents:action", args=[incident.pk, action.pk]),
        _update(action, owner_organisation=council.pk, owner=demo_users["responder"].pk, note=""),
    )
    assert response.status_code == 302
    saved = PlanAction.objects.get(pk=action.pk)
    assert (saved.owner_organisation, saved.owner, saved.revision) == (
        council,
        demo_users["responder"],
        action.revision + 1,
    )
    entry = incident.timeline.order_by("-id").first().text
    assert entry == f"“Review CCTV of the bus stop”: now in progress, owner {demo_users['responder']}."


def test_an_action_of_an_incident_not_yet_counted_counts_it_in_full(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    # As after a bulk load that went past the services: nothing counted yet.
    for kept in (IncidentTally, MonthlyTally, DashboardTally):
        kept.objects.all().delete()
    services.update_action(
        action=action,
        by=demo_users["responder"],
        expected_revision=action.revision,
        status=ActionStatus.DONE,
        owner_organisation=action.owner_organisation,
        owner=None,
        not_needed_reason="",
        note="",
    )
    assert IncidentTally.objects.filter(incident=incident).exists()
    assert tallies.differences() == []


def test_the_incident_list_reads_a_fixed_number_of_queries_whatever_its_length(client_for, demo, demo_users):
    client = client_for("coordinator")
    url = reverse("incidents:list")
    first = recorded_incident(demo, demo_users["responder"])
    client.get(url)
    small, _ = _queries(client.get, url)
    others = [recorded_incident(demo, demo_users["responder"]) for _ in range(5)]
    grown, response = _queries(client.get, url)
    assert (small, grown) == (INCIDENT_LIST_QUERIES, INCIDENT_LIST_QUERIES)
    page = response.content.decode()
    for incident in [first, *others]:
        assert f'href="{reverse("incidents:incident", args=[incident.pk])}">{incident.title}</a>' in page


def test_the_incident_list_reads_only_the_columns_its_rows_show(client_for, demo, demo_users):
    # The JSON columns (types, recorded events) and the summary were read and decoded for each row, unshown.
    recorded_incident(demo, demo_users["responder"])
    with CaptureQueriesContext(connection) as captured:
        response = client_for("coordinator").get(reverse("incidents:list"))
    assert response.status_code == 200
    (page_query,) = [
        query["sql"] for query in captured if query["sql"].startswith('SELECT "incidents_incident"."id"')
    ]
    selected = page_query.split(" FROM ")[0]
    for unshown in ("incident_types", "recorded_events", "summary", "notified_at", "created_at"):
        assert f'"incidents_incident"."{unshown}"' not in selected


def test_the_incident_lists_rows_are_read_as_values_not_built_as_incidents(client_for, demo, demo_users):
    # Fifty Incidents built from the columns the rows show took as long as reading the columns did.
    shown = [recorded_incident(demo, demo_users["responder"]) for _ in range(3)]
    built = []

    def count(instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Incident)
    try:
        response = client_for("coordinator").get(reverse("incidents:list"))
    finally:
        post_init.disconnect(count, sender=Incident)
    assert response.status_code == 200
    assert built == []
    page = response.content.decode()
    for incident in shown:
        assert f'href="{reverse("incidents:incident", args=[incident.pk])}">{incident.title}</a>' in page
        assert f'<td data-label="Reference" class="govuk-table__cell">{incident.reference}</td>' in page


@pytest.mark.parametrize("status", [*IncidentStatus.values, "no-such-status"])
def test_an_incidents_status_reads_as_djangos_own_display_of_it(status):
    # The list's rows show it fifty times a page: looked up in labels made once, not Django's dictionary made
    # again at each call, yet the same words (the value itself when it is not one of the choices).
    incident = Incident(status=status)
    djangos = incident._get_FIELD_display(Incident._meta.get_field("status"))
    assert incident.get_status_display() == djangos
    assert type(incident.get_status_display()) is str
    row = selectors.IncidentRow(1, "SV-1", "A title", False, timezone.now(), status)
    assert row.status_display == djangos


def test_the_incident_lists_open_and_overdue_counts_are_djangos_in_one_written_query(demo, demo_users):
    responder = demo_users["responder"]
    busy, quiet, idle = (recorded_incident(demo, responder) for _ in range(3))
    overdue, _, _, later, _ = more_actions(busy, responder, how_many=5)  # due from two hours ago
    mark_action(overdue, ActionStatus.DONE, by=responder, note="Done.")
    mark_action(later, ActionStatus.NOT_NEEDED, by=responder, not_needed_reason="Covered by another.")
    action_due(quiet, responder, timezone.now() + timedelta(days=1))
    now = timezone.now()
    djangos = {
        row["incident_id"]: (row["open"], row["overdue"])
        for row in PlanAction.objects.filter(status__in=OPEN_ACTION_STATUSES)
        .values("incident_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        .order_by()
    }

    with CaptureQueriesContext(connection) as captured:
        counted = selectors.count_actions([busy, quiet, idle])
    assert (
        [(incident.open_actions, incident.overdue_actions) for incident in counted]
        == [
            djangos[busy.pk],
            djangos[quiet.pk],
            (0, 0),
        ]
        == [(3, 2), (1, 0), (0, 0)]
    )
    # Written, not built by Django's ORM (three times the database's own time: docs/performance.md).
    (query,) = captured
    assert "SUM(CASE WHEN" in query["sql"]
    with CaptureQueriesContext(connection) as captured:
        assert selectors.count_actions([]) == []
    assert len(captured) == 0


# Signing in 2; the incident with its partnership (and the incidents shared with the partnership, in the same
# statement) 1; the transaction 2; its status read again 1 (closed meanwhile?); the timeline entry and audit
# entry 2; the message kept in the session 1.
TIMELINE_ADD_QUERIES = 9


def test_adding_to_the_timeline_reads_the_incident_without_its_checklist_version(
    client_for, demo, demo_users
):
    """Issue 19: the mixed load's most frequent write reads what the page shows and the entries name, not
    the checklist version's vocabularies nor the exercise (selectors.incident_to_add_to)."""
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("responder")
    url = reverse("incidents:update", args=[incident.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"text": "Community reassurance patrol completed."})
    assert response.status_code == 302
    assert len(captured) == TIMELINE_ADD_QUERIES
    assert not [query for query in captured if "playbooks_" in query["sql"]]  # the version's, the exercise's
    entry = incident.timeline.order_by("-id").first()
    assert (entry.text, entry.by) == ("Community reassurance patrol completed.", demo_users["responder"])
    page = client.get(url).content.decode()
    assert incident.reference in page and incident.title in page
