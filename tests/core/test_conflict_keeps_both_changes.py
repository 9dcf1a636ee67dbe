"""After an edit conflict, saving again writes only what this person changed: a colleague's change to any
other field stays, and a field both changed shows both values for the person to choose (issue 15, defect 1).

Each test opens the edit page as a browser would, lets a colleague save meanwhile, submits what the page
held with one change, and then submits the conflict page as shown."""

import pytest
from django.urls import reverse

from svtoolkit.communications import services as communication_services
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import ActionStatus, Incident, PlanAction
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import Organisation
from svtoolkit.recovery.models import DebriefContribution
from svtoolkit.recovery.review import services as review_recovery_services
from tests.communications.access import demo_message
from tests.incidents.access import demo_incident
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db


def test_saving_again_after_a_conflict_keeps_a_colleagues_new_action_owner(client_for, demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client = client_for("responder")
    typed = form_on(client.get(url), having="revision")
    # An organisation taking part: only those may own the incident's actions.
    taking_part = incident.participations.exclude(organisation=action.owner_organisation_id)
    council = taking_part.first().organisation
    incident_services.update_action(
        action=action, by=demo_users["coordinator"], expected_revision=action.revision, status=action.status,
        owner_organisation=council, owner=None, not_needed_reason="", note="", request=None,
    )  # fmt: skip
    conflict = client.post(url, typed | {"status": ActionStatus.IN_PROGRESS})
    assert "Someone else changed this action while you were editing it" in conflict.content.decode()
    again = client.post(url, form_on(conflict, having="revision"))
    assert again.status_code == 302
    stored = PlanAction.objects.get(pk=action.pk)
    assert stored.status == ActionStatus.IN_PROGRESS and stored.owner_organisation == council


def _record_opened_then_retitled_by_a_colleague(client_for, demo, demo_users):
    """The coordinator's incident record page as opened, then the responder correcting the title meanwhile."""
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:edit_record", args=[incident.pk])
    client = client_for("coordinator")
    typed = form_on(client.get(url), having="revision")
    incident_services.edit_record(
        incident=incident, by=demo_users["responder"], expected_revision=incident.revision,
        title="Stabbing outside Northbridge Academy", incident_types=["knife"],
        occurred_at=incident.occurred_at, notified_at=incident.notified_at, summary=incident.summary,
    )  # fmt: skip
    return incident, url, client, typed


def test_saving_again_after_a_conflict_keeps_a_colleagues_corrected_title(client_for, demo, demo_users):
    incident, url, client, typed = _record_opened_then_retitled_by_a_colleague(client_for, demo, demo_users)
    conflict = client.post(url, typed | {"summary": "A 16-year-old was stabbed; he is in hospital."})
    assert conflict.status_code == 200
    again = client.post(url, form_on(conflict, having="revision"))
    assert again.status_code == 302
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.title == "Stabbing outside Northbridge Academy"
    assert stored.summary == "A 16-year-old was stabbed; he is in hospital."


def test_a_field_both_people_changed_shows_both_values_and_keeps_the_persons_choice(
    client_for, demo, demo_users
):
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:edit_record", args=[incident.pk])
    client = client_for("coordinator")
    typed = form_on(client.get(url), having="revision")
    incident_services.edit_record(
        incident=incident, by=demo_users["responder"], expected_revision=incident.revision,
        title="Their title", incident_types=["knife"],
        occurred_at=incident.occurred_at, notified_at=incident.notified_at, summary=incident.summary,
    )  # fmt: skip
    conflict = client.post(url, typed | {"title": "My title"})
    content = conflict.content.decode()
    assert "“Their title”" in content
    shown = form_on(conflict, having="revision")
    assert shown["title"] == "My title"
    client.post(url, shown)
    assert Incident.objects.get(pk=incident.pk).title == "My title"


def test_saving_again_after_a_conflict_keeps_a_colleagues_directory_change(client_for, demo, demo_users):
    organisation = demo.organisations.first()
    url = reverse("partnerships:organisation_edit", args=[organisation.pk])
    client = client_for("coordinator")
    typed = form_on(client.get(url), having="revision")
    details = {name: getattr(organisation, name) for name in partnership_services.ORGANISATION_FIELDS}
    new_owner = (
        demo_users["responder"] if organisation.owner != demo_users["responder"] else demo_users["police"]
    )
    partnership_services.update_organisation(
        organisation=organisation, expected_revision=organisation.revision,
        details=details | {"owner": new_owner}, by=demo_users["coordinator"], request=None,
    )  # fmt: skip
    conflict = client.post(url, typed | {"name": organisation.name + " (North)"})
    assert conflict.status_code == 200
    again = client.post(url, form_on(conflict, having="revision"))
    assert again.status_code == 302
    stored = Organisation.objects.get(pk=organisation.pk)
    assert stored.owner == new_owner and stored.name.endswith("(North)")


def test_saving_again_after_a_conflict_keeps_a_colleagues_part_of_the_review(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    debrief = review_recovery_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    texts = {"went_well": "Fast arrests", "went_badly": "Radio gaps", "to_change": "Radio plan"}
    ours = review_recovery_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["police"], **texts
    )
    url = reverse("recovery:review_contribute", args=[incident.pk])
    client = client_for("police")
    typed = form_on(client.get(url, {"organisation": police.pk}), having="revision")
    review_recovery_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["responder"], expected_revision=ours.revision,
        **(texts | {"went_badly": "Radio gaps; no interpreter for two hours"}),
    )  # fmt: skip
    conflict = client.post(url, typed | {"went_well": "Fast arrests and a calm cordon"})
    assert "Someone else changed this contribution" in conflict.content.decode()
    client.post(url, form_on(conflict, having="revision"))
    stored = DebriefContribution.objects.get(pk=ours.pk)
    assert stored.went_well == "Fast arrests and a calm cordon"
    assert stored.went_badly == "Radio gaps; no interpreter for two hours"


def test_saving_again_after_a_conflict_keeps_a_colleagues_change_to_a_draft_message(
    client_for, demo, demo_users
):
    message = demo_message(demo, demo_users)
    url = reverse("communications:message_edit", args=[message.incident_id, message.pk])
    client = client_for("responder")
    typed = form_on(client.get(url), having="revision")
    communication_services.revise_draft(
        message=message, by=demo_users["coordinator"], expected_revision=message.revision, kind=message.kind,
        title=message.title, body="Partners are supporting the school; a vigil is planned for Friday.",
        audience=message.audience, channel=message.channel, planned_for=message.planned_for,
        names_or_images=message.names_or_images,
        approvers=[sign_off.organisation for sign_off in message.sign_offs.all()],
    )  # fmt: skip
    conflict = client.post(url, typed | {"audience": "Parents at Northbridge Academy"})
    assert "Someone else changed this draft" in conflict.content.decode()
    client.post(url, form_on(conflict, having="revision"))
    message.refresh_from_db()
    assert message.audience == "Parents at Northbridge Academy"
    assert message.body == "Partners are supporting the school; a vigil is planned for Friday."


def test_a_stale_edit_whose_page_held_garbled_originals_is_shown_as_a_conflict(client_for, demo, demo_users):
    incident, url, client, typed = _record_opened_then_retitled_by_a_colleague(client_for, demo, demo_users)
    for garbled in ("[" * 100_000, "{", '"not a dict"'):
        conflict = client.post(url, typed | {"summary": "In hospital.", "originals": garbled})
        assert conflict.status_code == 200
        assert "In hospital." in conflict.content.decode()
    assert Incident.objects.get(pk=incident.pk).summary == incident.summary


@pytest.mark.parametrize("page", ["incidents:plan_update", "incidents:partners"])
def test_a_list_page_sent_back_with_garbled_records_shown_changes_nothing_and_says_so(
    client_for, demo, demo_users, page
):
    """The defect: what a list page showed of its records, nested past the JSON decoder's depth, was a server
    error. Garbled in any way, it now says nothing of what the page showed: the page is shown again (the plan
    saying its actions changed meanwhile) and nothing is saved."""
    incident, action = demo_incident(demo, demo_users)
    client = client_for("responder")
    url = reverse(page, args=[incident.pk])
    sent = (
        {"actions": [action.pk], "status": "done", "note": ""}
        if page == "incidents:plan_update"
        else form_on(client.get(url), having="shown")
    )

    def stored():
        actions = PlanAction.objects.filter(incident=incident).values_list("pk", "status", "revision")
        partners = incident.participations.values_list("organisation_id", "contact_id", "informed_at")
        return sorted(actions), sorted(partners)

    before = stored()
    for garbled in ("[" * 100_000, "{", '"not a dict"'):
        response = client.post(url, {**sent, "shown": garbled})
        assert response.status_code == 200, garbled
        assert stored() == before, garbled
