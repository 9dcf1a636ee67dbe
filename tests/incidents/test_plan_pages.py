"""What the person on duty sees of the plan (issue 16): Update only where they may update, home leads with
tonight's work, the first hours view completes in one step, several actions are updated at once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.incidents import services
from svtoolkit.incidents.models import ActionStatus, Incident
from tests.incidents.builders import demo_incident, mark_action
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_with_two_owners(demo, demo_users):
    """The demo incident: an action owned by the police (taking part) and one, overdue, by the council."""
    incident, police_action = demo_incident(demo, demo_users)
    council_action = services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Brief the ward councillors",
        guidance="",
        owner_organisation=demo.organisations.get(kind="council"),
        owner=None,
        due_at=timezone.now() - timedelta(minutes=30),
    )
    return incident, police_action, council_action


def update_link(incident, action):
    return reverse("incidents:action", args=[incident.pk, action.pk])


@pytest.mark.parametrize("page", ["incidents:plan", "incidents:incident", "incidents:first_hours"])
def test_a_partner_sees_update_only_on_their_own_organisations_actions(
    client_for, incident_with_two_owners, page
):
    incident, police_action, council_action = incident_with_two_owners
    content = client_for("police").get(reverse(page, args=[incident.pk])).content.decode()
    assert council_action.title in content
    assert update_link(incident, council_action) not in content
    if page != "incidents:incident":  # the live page lists only what is overdue or due within a day
        assert update_link(incident, police_action) in content


def test_the_plan_is_a_govuk_task_list_with_owners_and_a_bulk_update(client_for, incident_with_two_owners):
    incident, police_action, council_action = incident_with_two_owners
    content = client_for("responder").get(reverse("incidents:plan", args=[incident.pk])).content.decode()
    assert 'class="govuk-task-list"' in content
    assert f'name="actions" type="checkbox" value="{council_action.pk}"' in content
    assert "Update the selected actions" in content


def test_home_leads_with_the_live_incident_and_the_organisations_actions(
    client_for, incident_with_two_owners
):
    incident, police_action, council_action = incident_with_two_owners
    content = client_for("responder").get(reverse("core:home")).content.decode()
    assert "Your live incidents" in content and incident.reference in content
    # The responder's organisation (the council) owns the overdue action: it is on her home page.
    assert update_link(incident, council_action) in content
    assert content.index("Your live incidents") < content.index(council_action.title)


def test_an_exercises_actions_on_the_home_page_are_tagged_exercise(client_for, incident_with_two_owners):
    """The defect: the home page tagged an exercise's incident Exercise but listed its actions under "Your
    actions" as if real. Now each is tagged as its incident is."""
    incident, _, council_action = incident_with_two_owners
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    content = client_for("responder").get(reverse("core:home")).content.decode()
    listed = content.split(update_link(incident, council_action), 1)[1].split("</li>", 1)[0]
    assert "Exercise</strong>" in listed


def test_the_first_hours_view_completes_an_action_in_one_step(client_for, incident_with_two_owners):
    incident, police_action, council_action = incident_with_two_owners
    client = client_for("responder")
    page = client.get(reverse("incidents:first_hours", args=[incident.pk]))
    assert "Mark done" in page.content.decode() and council_action.title in page.content.decode()
    mark_done = form_on(page, having="from")  # the first: the council's action, overdue
    assert mark_done["actions"] == str(council_action.pk)
    response = client.post(reverse("incidents:plan_update", args=[incident.pk]), mark_done)
    assert response["Location"] == reverse("incidents:first_hours", args=[incident.pk])
    council_action.refresh_from_db()
    assert council_action.status == ActionStatus.DONE


def test_a_bulk_update_from_a_plan_opened_before_a_colleague_changed_an_action_is_refused_naming_it(
    client_for, demo_users, incident_with_two_owners
):
    """The plan was opened; a colleague then marked the council's action in progress; marking both done from
    the plan as opened would overwrite that unseen: refused, it goes through once sent again knowingly."""
    incident, police_action, council_action = incident_with_two_owners
    client = client_for("responder")
    opened = form_on(client.get(reverse("incidents:plan", args=[incident.pk])), having="note")
    mark_action(council_action, ActionStatus.IN_PROGRESS, by=demo_users["coordinator"])
    url = reverse("incidents:plan_update", args=[incident.pk])
    refused = client.post(url, opened | {"actions": [police_action.pk, council_action.pk], "status": "done"})
    assert refused.status_code == 200
    assert f"since the plan was opened, so none was updated: “{council_action.title}”" in (
        refused.content.decode()
    )
    statuses = dict(incident.actions.values_list("pk", "status"))
    assert (statuses[police_action.pk], statuses[council_action.pk]) == ("to_do", "in_progress")
    assert client.post(url, form_on(refused, having="note")).status_code == 302
    assert set(incident.actions.values_list("status", flat=True)) == {ActionStatus.DONE}


def test_a_bulk_update_of_an_action_a_colleague_completed_meanwhile_says_so_and_keeps_the_note(
    client_for, demo_users, incident_with_two_owners
):
    """The defect: the page said "Select a valid choice. 1 is not one of the available choices.", an
    internal number, for an action a colleague had completed since the plan was opened."""
    incident, police_action, council_action = incident_with_two_owners
    client = client_for("responder")
    opened = form_on(client.get(reverse("incidents:plan", args=[incident.pk])), having="note")
    mark_action(council_action, ActionStatus.DONE, by=demo_users["coordinator"])
    refused = client.post(
        reverse("incidents:plan_update", args=[incident.pk]),
        opened | {"actions": [council_action.pk], "status": "in_progress", "note": "Chased by phone"},
    ).content.decode()
    assert "completed or set aside by someone else meanwhile" in refused
    assert "is not one of the available choices" not in refused
    assert "Chased by phone" in refused
    council_action.refresh_from_db()
    assert council_action.status == ActionStatus.DONE


def test_a_partner_cannot_bulk_update_another_organisations_action(client_for, incident_with_two_owners):
    incident, police_action, council_action = incident_with_two_owners
    response = client_for("police").post(
        reverse("incidents:plan_update", args=[incident.pk]),
        {"actions": [council_action.pk, police_action.pk], "status": "done"},
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    council_action.refresh_from_db()
    police_action.refresh_from_db()
    assert (council_action.status, police_action.status) == (ActionStatus.TO_DO, ActionStatus.TO_DO)


def test_a_bulk_reassignment_to_a_viewer_is_refused_on_the_owner_field(
    client_for, demo, demo_users, incident_with_two_owners
):
    incident, police_action, council_action = incident_with_two_owners
    response = client_for("responder").post(
        reverse("incidents:plan_update", args=[incident.pk]),
        {
            "actions": [council_action.pk],
            "owner_organisation": demo.organisations.get(kind="council").pk,
            "owner": demo_users["viewer"].pk,
            "note": "Val takes these",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200 and "cannot own this action" in content
    assert "Val takes these" in content  # nothing typed is lost
    council_action.refresh_from_db()
    assert council_action.owner is None


def test_the_partners_tab_is_a_call_list_with_out_of_hours_numbers(
    client_for, demo, incident_with_two_owners
):
    incident = incident_with_two_owners[0]
    police_contacts = [c for c in demo.organisations.get(kind="police").contacts.all() if c.out_of_hours]
    assert police_contacts
    content = client_for("responder").get(reverse("incidents:partners", args=[incident.pk])).content.decode()
    assert "Call list" in content
    for contact in police_contacts:
        assert contact.name in content and contact.out_of_hours in content
