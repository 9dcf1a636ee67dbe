"""The API's lists take the same number of queries however many rows they return."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.communications import services as communications
from svtoolkit.incidents import services
from svtoolkit.incidents.people import services as people_services
from tests.communications.builders import demo_message
from tests.factories import ContactFactory
from tests.meetings.builders import demo_meeting
from tests.tension.builders import record as record_reading

pytestmark = pytest.mark.django_db


def add_rows(incident, demo, demo_users, count):
    responder, police = demo_users["responder"], demo.organisations.get(kind="police")
    for number in range(count):
        services.add_action(
            incident=incident,
            by=responder,
            title=f"Action {number}",
            guidance="",
            owner_organisation=police,
            owner=demo_users["police"],
            due_at=timezone.now() + timedelta(hours=number),
        )
        services.record_decision(incident=incident, by=responder, what=f"Decision {number}", why="Why")
        services.add_scene(
            incident=incident,
            by=responder,
            description=f"Scene {number}",
            area="",
            latitude=None,
            longitude=None,
        )
        communications.draft_message(
            incident=incident,
            by=responder,
            kind="press",
            title=f"Message {number}",
            body="Body",
            audience="Public",
            channel="Website",
            planned_for=timezone.now() + timedelta(hours=1),
            names_or_images=False,
            approvers=[police],
        )
        demo_meeting(demo, demo_users, incident)
        record_reading(incident, police and demo_users["police"], 2, hours_ago=number + 1)
        ContactFactory(organisation=police, owner=demo_users["coordinator"])


@pytest.mark.parametrize(
    "part", ["actions", "decisions", "scenes", "timeline", "messages", "meetings", "tension-readings"]
)
def test_an_incidents_lists_do_not_grow_in_queries(api_as, incident_and_action, demo, demo_users, part):
    incident, _ = incident_and_action
    api = api_as("police")
    address = f"/api/v1/incidents/{incident.pk}/{part}/"
    add_rows(incident, demo, demo_users, 1)
    api.get(address)  # the token's first use is written down once; the counts below are of reads alone
    with CaptureQueriesContext(connection) as few:
        assert api.get(address).status_code == 200
    add_rows(incident, demo, demo_users, 5)
    with CaptureQueriesContext(connection) as many:
        assert api.get(address).json()["count"] > 5
    assert len(many) == len(few)


def add_messages_naming_someone(incident, demo, demo_users, count):
    for _ in range(count):
        demo_message(demo, demo_users, incident, names_or_images=True)


@pytest.mark.parametrize("role, audited", [("viewer", 0), ("police", 1), ("responder", 1)])
def test_the_messages_list_asks_whether_one_may_read_those_naming_someone_once_not_once_a_message(
    api_as, incident_and_action, demo, demo_users, role, audited
):
    """Someone off the list and no approver reads none of them; an approver or someone on the list reads
    each, and each reading is written to the audit log. The defect: a statement for each reading, so the
    queries grew with the list. Now one statement writes them all."""
    incident, _ = incident_and_action
    responder = demo_users["responder"]
    people_services.add_to_need_to_know(incident=incident, user=responder, by=responder)
    api = api_as(role)
    address = f"/api/v1/incidents/{incident.pk}/messages/"
    add_messages_naming_someone(incident, demo, demo_users, 1)
    api.get(address)
    with CaptureQueriesContext(connection) as few:
        assert api.get(address).status_code == 200
    add_messages_naming_someone(incident, demo, demo_users, 5)
    read = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, target_type="communications.Message")
    before = read.count()
    with CaptureQueriesContext(connection) as many:
        shown = api.get(address).json()["results"]
    assert [message["restricted"] for message in shown] == [not audited] * 6
    assert read.count() - before == 6 * audited
    assert len(many) == len(few)


@pytest.mark.parametrize("address", ["/api/v1/organisations/", "/api/v1/contacts/", "/api/v1/actions/"])
def test_the_other_lists_do_not_grow_in_queries(api_as, incident_and_action, demo, demo_users, address):
    api = api_as("viewer")
    api.get(address)
    with CaptureQueriesContext(connection) as few:
        api.get(address)
    add_rows(incident_and_action[0], demo, demo_users, 5)
    with CaptureQueriesContext(connection) as many:
        api.get(address)
    assert len(many) == len(few)
