"""A record chosen on a form and stored, which has since left its list (a member who left, an organisation no
longer active), stays chosen when the form is opened again, shown as "(no longer active)": saving the form
untouched keeps it rather than silently clearing it (core.forms.keep_stored_choice). Choosing it anew for
another record is still refused."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.models import Membership
from svtoolkit.accounts.selectors import member_users
from svtoolkit.accounts.services import remove_member
from svtoolkit.communications import services as communications_services
from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.core.forms import initial_from
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.forms import ActionUpdateForm
from svtoolkit.incidents.models import HospitalStay, PersonAffected, PlanAction
from svtoolkit.incidents.people import services as people_services
from svtoolkit.partnerships.models import Organisation, SharingAgreement, SupportService
from tests.factories import (
    OrganisationFactory,
    SharingAgreementFactory,
    SupportServiceFactory,
    UserFactory,
)
from tests.incidents.builders import demo_hospital_stay, demo_incident, demo_person, given_to
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db


def no_longer_active(organisation) -> Organisation:
    """The organisation taken out of use, as an administrator does in the admin (there is no page for it)."""
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    return organisation


def leaves(user, demo, demo_users):
    remove_member(membership=user.memberships.get(partnership=demo), by=demo_users["coordinator"])
    return user


def communications_plan(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    council, responder = demo.organisations.get(kind="council"), demo_users["responder"]
    communications_services.set_plan(
        incident=incident,
        by=demo_users["coordinator"],
        lead_organisation=council,
        main_channel="Council website",
        update_every_days=7,
        updates_owner=responder,
    )
    kept = {
        "lead_organisation": no_longer_active(council),
        "updates_owner": leaves(responder, demo, demo_users),
    }
    stored = lambda: CommunicationsPlan.objects.get(incident=incident)  # noqa: E731
    return reverse("communications:plan", args=[incident.pk]), stored, kept


def plan_action(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    responder = given_to(action, demo_users["responder"], demo_users)
    kept = {"owner": leaves(responder, demo, demo_users)}
    stored = lambda: PlanAction.objects.get(pk=action.pk)  # noqa: E731
    return reverse("incidents:action", args=[incident.pk, action.pk]), stored, kept


def membership(demo, demo_users):
    police = demo_users["police"].memberships.get(partnership=demo)
    kept = {"organisation": no_longer_active(police.organisation)}
    stored = lambda: Membership.objects.get(pk=police.pk)  # noqa: E731
    return reverse("accounts:member_edit", args=[police.pk]), stored, kept


def person_affected(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    person = demo_person(incident, demo_users["coordinator"])
    spoc = demo_users["responder"]
    people_services.correct_person_affected(
        person=person,
        by=demo_users["coordinator"],
        expected_revision=person.revision,
        single_point_of_contact=spoc,
    )
    kept = {"single_point_of_contact": leaves(spoc, demo, demo_users)}
    stored = lambda: PersonAffected.objects.get(pk=person.pk)  # noqa: E731
    return reverse("incidents:person_edit", args=[incident.pk, person.pk]), stored, kept


def hospital_stay(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    stay = demo_hospital_stay(
        incident, demo_person(incident, demo_users["coordinator"]), demo_users["coordinator"]
    )
    kept = {"hospital": no_longer_active(stay.hospital)}
    stored = lambda: HospitalStay.objects.get(pk=stay.pk)  # noqa: E731
    return reverse("incidents:hospital_edit", args=[incident.pk, stay.pk]), stored, kept


def support_service(demo, demo_users):
    provider = OrganisationFactory(partnership=demo, name="Street Doctors Trust")
    service = SupportServiceFactory(
        partnership=demo, provider=provider, owner=demo_users["coordinator"], review_due=next_year()
    )
    kept = {"provider": no_longer_active(provider)}
    stored = lambda: SupportService.objects.get(pk=service.pk)  # noqa: E731
    return reverse("partnerships:support_service_edit", args=[service.pk]), stored, kept


def sharing_agreement(demo, demo_users):
    police, gone = (
        demo.organisations.get(kind="police"),
        OrganisationFactory(partnership=demo, name="Old trust"),
    )
    agreement = SharingAgreementFactory(
        partnership=demo, parties=[police, gone], owner=demo_users["coordinator"], review_due=next_year()
    )
    no_longer_active(gone)
    stored = lambda: SharingAgreement.objects.get(pk=agreement.pk)  # noqa: E731
    return reverse("partnerships:sharing_agreement_edit", args=[agreement.pk]), stored, {"parties": gone}


def next_year() -> date:
    return timezone.localdate() + timedelta(days=365)


@pytest.mark.parametrize(
    "form",
    [
        communications_plan,
        plan_action,
        membership,
        person_affected,
        hospital_stay,
        support_service,
        sharing_agreement,
    ],
)
def test_a_stored_choice_no_longer_active_is_shown_so_and_kept_by_a_form_saved_untouched(
    client_for, demo, demo_users, form
):
    url, stored, kept = form(demo, demo_users)
    client = client_for("coordinator")
    page = client.get(url)
    content = page.content.decode()
    for record in kept.values():
        assert f"{record} (no longer active)" in content

    response = client.post(url, form_on(page, having="revision"))

    assert response.status_code == 302, response.content.decode()[:3000]
    now = stored()
    for name, record in kept.items():
        value = getattr(now, name)
        assert record in (value.all() if hasattr(value, "all") else [value]), name


def test_an_organisation_no_longer_active_cannot_be_made_a_party_anew(client_for, demo, demo_users):
    url, _, kept = sharing_agreement(demo, demo_users)
    other = SharingAgreementFactory(
        partnership=demo, parties=[demo.organisations.get(kind="police")], owner=demo_users["coordinator"]
    )
    other_url = reverse("partnerships:sharing_agreement_edit", args=[other.pk])
    client = client_for("coordinator")
    sent = form_on(client.get(other_url), having="revision")
    response = client.post(other_url, sent | {"parties": [*sent["parties"], str(kept["parties"].pk)]})
    assert "Choose organisations from the list" in response.content.decode()
    assert list(SharingAgreement.objects.get(pk=other.pk).parties.all()) == list(other.parties.all())


def test_an_action_cannot_be_given_anew_to_someone_who_left(client_for, demo, demo_users):
    url, stored, kept = plan_action(demo, demo_users)
    action = stored()
    another = incident_services.add_action(
        incident=action.incident,
        by=demo_users["coordinator"],
        title="Visit the school",
        guidance="",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now() + timedelta(hours=2),
    )
    another_url = reverse("incidents:action", args=[action.incident_id, another.pk])
    client = client_for("coordinator")
    sent = form_on(client.get(another_url), having="revision") | {"owner": str(kept["owner"].pk)}
    response = client.post(another_url, sent)
    assert response.status_code == 200
    assert PlanAction.objects.get(pk=another.pk).owner is None


def _action_form(demo, action):
    initial = initial_from(action, "status", "owner_organisation", "owner", "not_needed_reason", "revision")
    return ActionUpdateForm(initial=initial, partnership=demo, can_reassign=True)


def _owners_shown(form) -> tuple[list[str], list]:
    with CaptureQueriesContext(connection) as read:
        labels = [label for _, label in form.fields["owner"].choices]
    return labels, [query["sql"] for query in read.captured_queries]


def test_a_list_whose_stored_record_is_still_in_it_is_read_with_one_query_of_the_list_alone(demo, demo_users):
    _, action = demo_incident(demo, demo_users)
    given_to(action, demo_users["responder"], demo_users)
    form = _action_form(demo, PlanAction.objects.get(pk=action.pk))

    labels, queries = _owners_shown(form)

    # The changes to the list's tables (its key in the cache: core.kept_lists), then the list alone.
    assert len(queries) == 2 and "core_change" in queries[0]
    assert "EXISTS" not in queries[1].upper() and "DISTINCT" not in queries[1].upper()
    assert labels == ["Nobody yet", *(str(user) for user in member_users(demo))]
    assert _owners_shown(form)[1] == []  # shown again (a select's required check, say): not read again


def test_a_stored_record_no_longer_listed_is_shown_in_the_lists_order_and_only_it_labelled_so(
    demo, demo_users
):
    _, stored, kept = plan_action(demo, demo_users)
    form = _action_form(demo, stored())

    labels, queries = _owners_shown(form)

    in_order = sorted([*member_users(demo), kept["owner"]], key=lambda user: (user.full_name, user.email))
    assert labels == [
        "Nobody yet",
        *(f"{user} (no longer active)" if user == kept["owner"] else str(user) for user in in_order),
    ]
    # The changes to its tables and the list (kept), then the list with the stored record that left it.
    assert len(queries) == 3


def test_a_stored_record_no_longer_listed_is_accepted_and_no_one_else_outside_the_list(demo, demo_users):
    _, stored, kept = plan_action(demo, demo_users)
    action = stored()
    outsider = UserFactory()
    initial = initial_from(action, "status", "owner_organisation", "owner", "not_needed_reason", "revision")
    sent = {
        "status": action.status,
        "owner_organisation": action.owner_organisation_id or "",
        "note": "",
        "not_needed_reason": "",
        "revision": action.revision,
    }

    kept_owner = ActionUpdateForm(
        sent | {"owner": kept["owner"].pk}, initial=initial, partnership=demo, can_reassign=True
    )
    someone_else = ActionUpdateForm(
        sent | {"owner": outsider.pk}, initial=initial, partnership=demo, can_reassign=True
    )

    assert kept_owner.is_valid(), kept_owner.errors
    assert kept_owner.cleaned_data["owner"] == kept["owner"]
    assert not someone_else.is_valid()
    assert "owner" in someone_else.errors


@pytest.mark.parametrize("can_reassign", [True, False], ids=["chosen", "disabled"])
def test_the_stored_records_sent_back_are_the_records_the_form_was_given_not_read_again(
    demo, demo_users, can_reassign
):
    """Issue 19: saving an action with the same owner (the commonest save) reads neither owner again; a
    disabled field (a partner's form) sends back the stored record too. Another record is still read."""
    _, action = demo_incident(demo, demo_users)
    given_to(action, demo_users["responder"], demo_users)
    action = PlanAction.objects.select_related("owner_organisation", "owner").get(pk=action.pk)
    initial = initial_from(action, "status", "owner_organisation", "owner", "not_needed_reason", "revision")
    sent = {
        "status": action.status,
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id,
        "note": "",
        "not_needed_reason": "",
        "revision": action.revision,
    }
    form = ActionUpdateForm(sent, initial=initial, partnership=demo, can_reassign=can_reassign)

    with CaptureQueriesContext(connection) as read:
        assert form.is_valid(), form.errors

    assert read.captured_queries == []
    assert form.cleaned_data["owner_organisation"] is action.owner_organisation
    assert form.cleaned_data["owner"] is action.owner
    council = demo.organisations.get(kind="council")
    other = ActionUpdateForm(
        sent | {"owner_organisation": council.pk, "owner": ""},
        initial=initial,
        partnership=demo,
        can_reassign=True,
    )
    with CaptureQueriesContext(connection) as read:
        assert other.is_valid(), other.errors
    assert (other.cleaned_data["owner_organisation"], len(read.captured_queries)) == (council, 1)


def test_what_may_be_chosen_besides_the_list_is_made_only_when_a_value_is_checked(
    demo, demo_users, monkeypatch
):
    """Issue 19: the list with the stored records (one query made of two) cost a third of making the action
    page's form, which the page shown from kept lists never reads."""
    from django.db.models import QuerySet

    _, stored, kept = plan_action(demo, demo_users)
    action = stored()
    made = []
    original = QuerySet.__or__
    monkeypatch.setattr(QuerySet, "__or__", lambda *both: made.append(both) or original(*both))
    _action_form(demo, action).as_div()  # the lists read and kept
    made.clear()
    _action_form(demo, action).as_div()
    assert len(made) == 1  # the stored owner, gone from the list, read beside it; the organisation not

    made.clear()
    council, coordinator = demo.organisations.get(kind="council"), demo_users["coordinator"]
    sent = form_on_action(action) | {"owner_organisation": council.pk, "owner": coordinator.pk}
    initial = initial_from(action, "status", "owner_organisation", "owner", "not_needed_reason", "revision")
    form = ActionUpdateForm(sent, initial=initial, partnership=demo, can_reassign=True)
    assert form.is_valid(), form.errors
    assert len(made) == 2  # both owners, others than those stored, checked against the lists and the stored

    # The owners by id, as the action page gives them: sent back unchanged (the commonest save), or none.
    made.clear()
    by_id = initial_from(
        action,
        "status",
        "not_needed_reason",
        "revision",
        owner_organisation=council.pk,
        owner=kept["owner"].pk,
    )
    for owner in [kept["owner"].pk, ""]:
        sent = form_on_action(action) | {"owner_organisation": council.pk, "owner": owner}
        form = ActionUpdateForm(sent, initial=by_id, partnership=demo, can_reassign=True)
        with CaptureQueriesContext(connection) as read:
            assert form.is_valid(), form.errors
        assert form.cleaned_data["owner_organisation"] == council
        assert form.cleaned_data["owner"] == (kept["owner"] if owner else None)
        assert len(read.captured_queries) == (2 if owner else 1)  # each record sent back, read
    assert made == []  # each found among the records stored alone


def test_a_list_set_after_the_stored_choice_was_kept_is_what_may_be_chosen(demo, demo_users):
    _, stored, kept = plan_action(demo, demo_users)
    action = stored()
    initial = initial_from(action, "status", "not_needed_reason", "revision", owner=action.owner_id)
    sent = form_on_action(action) | {"owner": kept["owner"].pk}
    form = ActionUpdateForm(sent, initial=initial, partnership=demo, can_reassign=True)
    form.fields["owner"].queryset = member_users(demo)

    assert not form.is_valid() and "owner" in form.errors


def form_on_action(action) -> dict:
    return {
        "status": action.status,
        "owner_organisation": action.owner_organisation_id or "",
        "note": "",
        "not_needed_reason": "",
        "revision": action.revision,
    }
