"""Need-to-know per person (issue 20, item 1): each record of a person affected has its own list, and every
page, document and list that shows people affected shows a person only to those on that person's list."""

import html
import json
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svtoolkit import access
from svtoolkit.accounts.models import Membership
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.models import Change
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import (
    ActionStatus,
    Disclosure,
    NeedToKnow,
    PersonNeedToKnow,
    PlanAction,
    TimelineEntry,
)
from svtoolkit.incidents.people import selectors
from svtoolkit.incidents.people import services as people_services
from svtoolkit.search.selectors import search_for
from tests.conftest import MODEL_BACKEND
from tests.factories import MembershipFactory, ParticipationFactory
from tests.incidents.builders import (
    SHARE_BASIS,
    demo_incident,
    demo_person,
    on_the_records_list_only,
    shared_with_a_reader,
)
from tests.reports.builders import SITREP_WITH_PEOPLE

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "responder", "police", "health", "viewer")


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def victim_and_witness(incident, demo_users):
    """A victim and a witness recorded by the responder; the police partner is on the victim's list only."""
    responder = demo_users["responder"]
    victim = demo_person(incident, responder, name="Victor Victim")
    witness = demo_person(incident, responder, name="Wendy Witness", role="witness", age_band="18_24")
    people_services.change_person_need_to_know(
        person=victim,
        users=[responder, demo_users["police"]],
        by=responder,
        expected_revision=victim.revision,
    )
    return victim, witness


def taking_part(incident, user):
    """``user``'s organisation taking part in ``incident``, so they see it and may be put on its lists."""
    ParticipationFactory(incident=incident, organisation=user.memberships.get().organisation)
    return user


def _open(client, incident, person):
    return client.post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "Checking"})


def _listed_on_people_page(client, incident) -> set[int]:
    page = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    return {int(pk) for pk in re.findall(rf"/incidents/{incident.pk}/people/(\d+)/\"", page)}


# --- The rule ----------


def test_a_witness_record_is_refused_to_someone_on_the_victims_list_only(
    client_for, incident, victim_and_witness
):
    victim, witness = victim_and_witness
    client = client_for("police")
    refused = _open(client, incident, witness)
    assert refused.status_code == 403
    assert "Wendy Witness" not in refused.content.decode()
    assert client.get(reverse("incidents:person", args=[incident.pk, witness.pk])).status_code == 403
    opened = _open(client, incident, victim)
    assert opened.status_code == 200 and "Victor Victim" in opened.content.decode()
    # Their people page lists the victim's record and not the witness's; the counts are everyone's to see.
    assert _listed_on_people_page(client, incident) == {victim.pk}
    page = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert "1 victim, 1 witness" in page and "You can open 1 of them" in page
    denied = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, detail__reason="can_read_person")
    assert denied.count() == 2
    viewed = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, actor__email="police@example.org")
    assert [entry.target_id for entry in viewed] == [str(victim.pk)]


def test_a_new_record_starts_with_the_incidents_list_and_adding_to_it_later_opens_no_existing_record(
    incident, demo_users
):
    responder, coordinator, police = (demo_users[role] for role in ("responder", "coordinator", "police"))
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    first = demo_person(incident, responder)
    assert set(first.need_to_know.values_list("user__email", flat=True)) == {
        "responder@example.org",
        "coordinator@example.org",
    }
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    assert not access.can_read_person(police, None, first)
    later = demo_person(incident, responder, role="witness")
    assert access.can_read_person(police, None, later)
    # Asked explicitly, they are added to the records the person adding them may read, and no others.
    only_coordinator = demo_person(incident, coordinator, role="family")
    PersonNeedToKnow.objects.filter(person=only_coordinator, user=responder).delete()
    viewer = demo_users["viewer"]
    people_services.add_to_need_to_know(incident=incident, user=viewer, by=responder, with_records=True)
    assert access.can_read_person(viewer, None, first)
    assert not access.can_read_person(viewer, None, only_coordinator)


def test_taking_someone_off_the_incidents_list_takes_them_off_each_records_list(incident, demo_users):
    responder, police = demo_users["responder"], demo_users["police"]
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder)
    assert access.can_read_person(police, None, person)
    people_services.remove_from_need_to_know(entry=incident.need_to_know.get(user=police), by=responder)
    assert not access.can_read_person(police, None, person)
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, target_type="incidents.PersonNeedToKnow", detail__person=person.pk
    ).exists()


def test_leaving_the_partnership_takes_them_off_each_records_list(incident, demo, demo_users):
    responder, police = demo_users["responder"], demo_users["police"]
    person = demo_person(incident, responder)
    people_services.change_person_need_to_know(
        person=person, users=[responder, police], by=responder, expected_revision=person.revision
    )
    people_services.remove_former_member_from_need_to_know(user=police, partnership=demo, by=responder)
    assert not person.need_to_know.filter(user=police).exists()


def test_an_organisation_that_stops_taking_part_and_is_added_back_does_not_read_the_records_again(
    incident, demo_users
):
    responder, police = demo_users["responder"], demo_users["police"]
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder)
    assert access.can_read_person(police, None, person)
    participation = incident.participations.get(organisation__kind="police")
    organisation = participation.organisation
    PlanAction.objects.filter(incident=incident).update(status=ActionStatus.NOT_NEEDED)
    incident_services.stop_taking_part(participation=participation, by=responder)
    incident_services.add_participant(
        incident=incident, organisation=organisation, contact=None, by=responder
    )

    assert not access.can_read_person(police, None, person)
    assert not access.can_read_people(police, None, incident)
    assert not incident.need_to_know.filter(user=police).exists()
    assert not person.need_to_know.filter(user=police).exists()
    assert incident.timeline.filter(
        text=f"{police} was taken off the need-to-know list as {organisation} no longer takes part."
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, target_type="incidents.PersonNeedToKnow", detail__person=person.pk
    ).exists()
    # The response team, whatever organisation they work for, stays on the lists.
    assert access.can_read_person(responder, None, person)


def test_a_member_moved_to_an_organisation_not_taking_part_does_not_read_the_records_once_it_joins(
    incident, demo, demo_users
):
    """The defect: a partner moved to another organisation stayed on the lists their old one's part had put
    them on, and read the records again, with no one deciding they should, once the new one took part."""
    from svtoolkit.accounts import services as account_services

    responder, police = demo_users["responder"], demo_users["police"]
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder)
    probation = demo.organisations.get(kind="probation")
    assert not incident.participations.filter(organisation=probation).exists()
    membership = Membership.objects.get(user=police, partnership=demo)

    account_services.change_membership(
        membership=membership,
        role=membership.role,
        organisation=probation,
        expected_revision=membership.revision,
        by=demo_users["coordinator"],
    )
    incident_services.add_participant(incident=incident, organisation=probation, contact=None, by=responder)

    assert access.sees_incident(police, incident)
    assert not access.can_read_person(police, None, person)
    assert not incident.need_to_know.filter(user=police).exists()
    assert not person.need_to_know.filter(user=police).exists()
    assert incident.timeline.filter(
        text=f"{police} was taken off the need-to-know list as their role or organisation changed."
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, target_type="incidents.PersonNeedToKnow", detail__person=person.pk
    ).exists()


def test_a_member_whose_role_changes_but_who_still_sees_the_incident_stays_on_its_lists(
    incident, demo, demo_users
):
    from svtoolkit.accounts import services as account_services
    from svtoolkit.accounts.models import Role

    responder, viewer = demo_users["responder"], demo_users["viewer"]
    people_services.add_to_need_to_know(incident=incident, user=viewer, by=responder)
    person = demo_person(incident, responder)
    membership = Membership.objects.get(user=viewer, partnership=demo)
    account_services.change_membership(
        membership=membership,
        role=Role.RESPONDER,
        organisation=membership.organisation,
        expected_revision=membership.revision,
        by=demo_users["coordinator"],
    )
    assert access.can_read_person(viewer, None, person)


def test_a_list_left_with_no_active_member_is_recovered_by_a_coordinator(incident, demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    person = demo_person(incident, responder)
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    assert not access.can_recover_need_to_know(coordinator, demo, incident)
    responder.is_active = False
    responder.save(update_fields=["is_active"])
    # The incident's list still has the coordinator, but the record's list has no one active.
    assert access.can_recover_need_to_know(coordinator, demo, incident)
    people_services.recover_need_to_know(incident=incident, by=coordinator, reason="Subject-access request")
    assert access.can_read_person(coordinator, None, person)


def test_lists_left_with_only_a_partner_are_recovered_by_a_coordinator(
    client_for, incident, demo, demo_users
):
    """The defect: the responder who recorded the victim left, and the police partner (on both lists) was the
    only active member left. Nobody could change who reads the record, record another person, correct the
    record or export it for a subject-access request, and a coordinator was not offered to join the lists."""
    responder, coordinator, police = (demo_users[role] for role in ("responder", "coordinator", "police"))
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder, name="Victor Victim")
    responder.is_active = False
    responder.save(update_fields=["is_active"])
    assert not access.can_add_person(coordinator, demo, incident)

    assert access.can_recover_need_to_know(coordinator, demo, incident)
    client = client_for("coordinator")
    assert "join the list" in client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    response = client.post(
        reverse("incidents:need_to_know_recover", args=[incident.pk]), {"reason": "Subject-access request"}
    )
    assert response.status_code == 302
    assert access.can_manage_need_to_know(coordinator, demo, incident)
    assert access.can_manage_person_need_to_know(coordinator, demo, person)
    assert access.can_correct_person(coordinator, demo, person)
    assert access.can_export_person(coordinator, demo, person)
    assert not access.can_recover_need_to_know(coordinator, demo, incident)


# --- Changing a record's list ----------


def _list_url(incident, person):
    return reverse("incidents:person_need_to_know", args=[incident.pk, person.pk])


def _ids(*users):
    return [str(user.pk) for user in users]


def test_the_response_team_on_the_record_changes_its_list_and_each_change_is_audited(
    client_for, incident, demo_users, victim_and_witness
):
    victim, _ = victim_and_witness
    responder, health = demo_users["responder"], taking_part(incident, demo_users["health"])
    client = client_for("responder")
    page = client.get(_list_url(incident, victim)).content.decode()
    assert "Who may read this record" in page and "Pat Hughes" in page
    victim.refresh_from_db()
    response = client.post(
        _list_url(incident, victim), {"users": _ids(responder, health), "revision": victim.revision}
    )
    assert response.status_code == 302
    assert set(victim.need_to_know.values_list("user__email", flat=True)) == {
        "responder@example.org",
        "health@example.org",
    }
    changes = AuditEntry.objects.filter(target_type="incidents.PersonNeedToKnow", detail__person=victim.pk)
    assert {(entry.action, entry.detail["user"]) for entry in changes.filter(actor=responder)} >= {
        (AuditAction.CREATE, "health@example.org"),
        (AuditAction.DELETE, "police@example.org"),
    }
    notes = TimelineEntry.objects.filter(incident=incident).values_list("text", flat=True)
    assert "Hana Sato was added to the need-to-know list of a record (victim)." in notes
    assert "Pat Hughes was taken off the need-to-know list of a record (victim)." in notes
    assert not any("Victor" in text for text in notes)


def test_only_the_response_team_on_the_records_list_may_change_it(
    client_for, incident, demo_users, victim_and_witness
):
    victim, witness = victim_and_witness
    # The police partner reads the victim but does not decide who else does.
    assert client_for("police").get(_list_url(incident, victim)).status_code == 403
    # The coordinator is not on the witness's list (the responder recorded it alone).
    assert client_for("coordinator").get(_list_url(incident, witness)).status_code == 403
    assert client_for("responder").get(_list_url(incident, witness)).status_code == 200


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ((), "Choose at least one person who may read this record"),
        (("police",), "Keep at least one coordinator or responder of Northbridge"),
    ],
)
def test_a_list_with_no_one_to_change_it_is_refused_with_an_error_summary(
    client_for, incident, demo_users, victim_and_witness, chosen, message
):
    victim, _ = victim_and_witness
    # Two of the lead's coordinators and responders on the list, so each is offered to untick.
    people_services.change_person_need_to_know(
        person=victim,
        users=[demo_users["responder"], demo_users["police"], demo_users["coordinator"]],
        by=demo_users["responder"],
        expected_revision=victim.revision,
    )
    response = client_for("responder").post(
        _list_url(incident, victim),
        {"users": _ids(*(demo_users[role] for role in chosen)), "revision": victim.revision},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert victim.need_to_know.count() == 3


def test_taking_yourself_off_a_record_leaves_you_unable_to_open_it(
    client_for, incident, demo_users, victim_and_witness
):
    victim, _ = victim_and_witness
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    people_services.change_person_need_to_know(
        person=victim, users=[responder, coordinator], by=responder, expected_revision=victim.revision
    )
    client = client_for("responder")
    response = client.post(
        _list_url(incident, victim), {"users": _ids(coordinator), "revision": victim.revision}
    )
    assert response.status_code == 302
    assert response.url == reverse("incidents:people", args=[incident.pk])
    assert _open(client, incident, victim).status_code == 403
    assert not access.can_read_person(responder, None, victim)


def test_two_people_changing_a_list_at_once_never_overwrite_each_other(
    client_for, incident, demo_users, victim_and_witness
):
    victim, _ = victim_and_witness
    responder, police = demo_users["responder"], demo_users["police"]
    health = taking_part(incident, demo_users["health"])
    victim.refresh_from_db()
    opened_at = victim.revision
    # Someone else adds the health partner after this page was opened...
    people_services.change_person_need_to_know(
        person=victim, users=[responder, police, health], by=responder, expected_revision=opened_at
    )
    # ...so this page's save, which would have dropped them, is refused and changes nothing.
    response = client_for("responder").post(
        _list_url(incident, victim), {"users": _ids(responder), "revision": opened_at}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "changed" in page and "while you were" in page
    assert victim.need_to_know.filter(user=health).exists()
    with pytest.raises(EditConflict):
        people_services.change_person_need_to_know(
            person=victim, users=[responder], by=responder, expected_revision=opened_at
        )


def test_a_record_list_page_opened_before_someone_was_taken_off_the_incident_cannot_put_them_back(
    client_for, incident, demo_users, victim_and_witness
):
    victim, _ = victim_and_witness
    responder, police, coordinator = demo_users["responder"], demo_users["police"], demo_users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder, with_records=True)
    victim.refresh_from_db()
    opened_at = victim.revision  # the record's list page shows the coordinator on it

    people_services.remove_from_need_to_know(
        entry=NeedToKnow.objects.get(incident=incident, user=coordinator), by=responder
    )
    response = client_for("responder").post(
        _list_url(incident, victim), {"users": _ids(responder, police, coordinator), "revision": opened_at}
    )
    assert response.status_code == 200 and "while you were" in response.content.decode()
    assert not victim.need_to_know.filter(user=coordinator).exists()


def test_a_record_list_page_opened_before_someone_was_added_with_the_records_cannot_drop_them(
    client_for, incident, demo_users, victim_and_witness
):
    victim, _ = victim_and_witness
    responder, police, coordinator = demo_users["responder"], demo_users["police"], demo_users["coordinator"]
    victim.refresh_from_db()
    opened_at = victim.revision

    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder, with_records=True)
    response = client_for("responder").post(
        _list_url(incident, victim), {"users": _ids(responder, police), "revision": opened_at}
    )
    assert response.status_code == 200 and "while you were" in response.content.decode()
    assert victim.need_to_know.filter(user=coordinator).exists()


def test_the_service_refuses_a_list_without_a_coordinator_or_responder(incident, demo_users):
    person = demo_person(incident, demo_users["responder"])
    with pytest.raises(DomainError):
        people_services.change_person_need_to_know(
            person=person, users=[demo_users["viewer"]], by=demo_users["responder"], expected_revision=1
        )


# --- Taking someone off the incident's list ----------


def _shared_with_southmoor(incident, demo_users, other_partnership):
    """``incident`` (no one recorded yet) shared with Southmoor; on its list: the lead's responder and
    coordinator, Southmoor's coordinator and a Southmoor responder."""
    southmoor, membership = other_partnership
    southmoor_responder = MembershipFactory(partnership=southmoor, role="responder").user
    responder = demo_users["responder"]
    incident_services.share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    for user in (responder, demo_users["coordinator"], membership.user, southmoor_responder):
        people_services.add_to_need_to_know(incident=incident, user=user, by=responder)
    return membership.user, southmoor_responder


def test_a_partnership_the_incident_is_shared_with_takes_only_its_own_people_off_the_list(
    client, incident, demo_users, other_partnership
):
    """The defect: a coordinator of a partnership the incident is shared with, on its list, took every member
    of the lead partnership off it, which owns the incident: only emptying the list was refused."""
    southmoor_coordinator, theirs = _shared_with_southmoor(incident, demo_users, other_partnership)
    client.force_login(southmoor_coordinator, backend=MODEL_BACKEND)
    for lead in (demo_users["coordinator"], demo_users["responder"]):
        entry = incident.need_to_know.get(user=lead)
        page = client.post(
            reverse("incidents:need_to_know_remove", args=[incident.pk, entry.pk]), follow=True
        ).content.decode()
        assert "govuk-error-summary" in page
        assert "You can take off only people of your own partnership" in page
        assert incident.need_to_know.filter(user=lead).exists()

    entry = incident.need_to_know.get(user=theirs)
    client.post(reverse("incidents:need_to_know_remove", args=[incident.pk, entry.pk]))
    assert not incident.need_to_know.filter(user=theirs).exists()


def test_the_lead_partnership_keeps_a_coordinator_or_responder_on_the_incidents_list(
    client_for, incident, demo_users, other_partnership
):
    """Taking the lead's last coordinator or responder off would leave the list to people who cannot change it
    (a partner) or who are not the lead's (another partnership's), whoever asks."""
    southmoor_coordinator, _ = _shared_with_southmoor(incident, demo_users, other_partnership)
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=demo_users["police"], by=responder)
    people_services.remove_from_need_to_know(entry=incident.need_to_know.get(user=coordinator), by=responder)

    with pytest.raises(DomainError) as refused:
        people_services.remove_from_need_to_know(
            entry=incident.need_to_know.get(user=responder), by=responder
        )
    assert "keep at least one coordinator or responder of Northbridge" in refused.value.message
    page = client_for("responder").post(
        reverse(
            "incidents:need_to_know_remove",
            args=[incident.pk, incident.need_to_know.get(user=responder).pk],
        ),
        follow=True,
    )
    assert "govuk-error-summary" in page.content.decode()
    assert incident.need_to_know.filter(user=responder).exists()
    # Southmoor's own people still come off.
    people_services.remove_from_need_to_know(
        entry=incident.need_to_know.get(user=southmoor_coordinator), by=responder
    )


def test_a_partnership_the_incident_is_shared_with_takes_only_its_own_people_off_a_records_list(
    incident, demo_users, other_partnership
):
    southmoor, membership = other_partnership
    responder, police = demo_users["responder"], demo_users["police"]
    person = demo_person(incident, responder)
    on_the_records_list_only(person, police, by=responder)
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    person.refresh_from_db()
    with pytest.raises(DomainError, match="You can take off only people of your own partnership"):
        people_services.change_person_need_to_know(
            person=person,
            users=[responder, membership.user],
            by=membership.user,
            expected_revision=person.revision,
        )
    assert person.need_to_know.filter(user=police).exists()
    people_services.change_person_need_to_know(
        person=person, users=[responder, police], by=membership.user, expected_revision=person.revision
    )
    assert not person.need_to_know.filter(user=membership.user).exists()


def _offered_to_take_off(page, incident, *users) -> set:
    """Those of ``users`` the incident's need-to-know page offers a Take off the list button beside."""
    entries = {entry.user: entry.pk for entry in incident.need_to_know.select_related("user")}
    return {
        user
        for user in users
        if reverse("incidents:need_to_know_remove", args=[incident.pk, entries[user]]) in page
    }


def _offered_to_untick(page) -> set[int]:
    """The people a record's list page offers as tick boxes (``users``)."""
    return {int(pk) for pk in re.findall(r'<input[^>]*name="users"[^>]*value="(\d+)"', page)}


def test_someone_of_a_partnership_shared_with_is_offered_only_their_own_people_to_take_off(
    client, incident, demo_users, other_partnership
):
    """The defect: the incident's list showed Take off the list beside the lead partnership's people to
    someone only of a partnership the incident is shared with, and pressing it was refused."""
    southmoor_coordinator, theirs = _shared_with_southmoor(incident, demo_users, other_partnership)
    lead = (demo_users["coordinator"], demo_users["responder"])
    client.force_login(southmoor_coordinator, backend=MODEL_BACKEND)
    page = client.get(reverse("incidents:need_to_know", args=[incident.pk])).content.decode()
    assert _offered_to_take_off(page, incident, *lead, southmoor_coordinator, theirs) == {
        southmoor_coordinator,
        theirs,
    }
    assert "for its coordinators and responders to take off" in page
    # The lead partnership's own people are offered every button.
    client.force_login(demo_users["responder"], backend=MODEL_BACKEND)
    lead_page = client.get(reverse("incidents:need_to_know", args=[incident.pk])).content.decode()
    assert _offered_to_take_off(lead_page, incident, *lead, theirs) == {*lead, theirs}


def test_a_records_list_offers_someone_of_a_partnership_shared_with_only_their_own_people_to_untick(
    client, incident, demo_users, other_partnership
):
    """The defect: a record's list page offered the lead partnership's people to untick to someone of a
    partnership the incident is shared with, and saving was refused. Now they stay on the list unoffered."""
    southmoor, membership = other_partnership
    responder, police = demo_users["responder"], demo_users["police"]
    person = demo_person(incident, responder)
    on_the_records_list_only(person, police, by=responder)
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    person.refresh_from_db()
    client.force_login(membership.user, backend=MODEL_BACKEND)
    page = client.get(_list_url(incident, person)).content.decode()
    assert _offered_to_untick(page) >= {membership.user.pk}
    assert not _offered_to_untick(page) & {responder.pk, police.pk}
    assert "for a coordinator or responder of Northbridge" in page

    # Unticking themselves (all the page offers them) keeps the lead's people on.
    response = client.post(_list_url(incident, person), {"revision": person.revision})
    assert response.status_code == 302
    assert set(person.need_to_know.values_list("user", flat=True)) == {responder.pk, police.pk}


def test_a_records_list_refused_for_want_of_a_coordinator_or_responder_names_the_lead_partnership(
    client_for, incident, demo, demo_users, other_partnership
):
    """The defect: the refusal said to keep a coordinator or responder on the list, not that one of a
    partnership the incident is shared with does not count: the lead partnership's must stay."""
    southmoor, membership = other_partnership
    responder, coordinator, police = demo_users["responder"], demo_users["coordinator"], demo_users["police"]
    person = demo_person(incident, responder)
    on_the_records_list_only(person, police, by=responder)
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    person.refresh_from_db()
    lead_only = f"Keep at least one coordinator or responder of {demo}, which leads this incident"

    # Southmoor's coordinator, on the record's list, does not keep it changeable by the lead: the page keeps
    # the responder on it, and the service refuses to take them off.
    page = client_for("responder").get(_list_url(incident, person)).content.decode()
    assert responder.pk not in _offered_to_untick(page)
    assert f"keep at least one coordinator or responder of {demo}" in html.unescape(page)
    with pytest.raises(DomainError) as refused:
        people_services.change_person_need_to_know(
            person=person, users=[police, membership.user], by=responder, expected_revision=person.revision
        )
    assert lead_only in refused.value.message
    assert person.need_to_know.filter(user=responder).exists()

    # Nor taking the responder off the incident's list, which would take them off the record's.
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    with pytest.raises(DomainError) as refused:
        people_services.remove_from_need_to_know(
            entry=incident.need_to_know.get(user=responder), by=coordinator
        )
    assert f"the last coordinator or responder of {demo} who may read a record" in refused.value.message


def test_the_lead_partnerships_last_coordinator_or_responder_on_a_list_is_not_offered_to_take_off(
    client_for, incident, demo_users
):
    """The defect: the incident's list offered Take off the list beside the lead partnership's last
    coordinator or responder on it, or on one of its records' lists, and pressing it was refused. Now the
    button is offered only where taking them off would be allowed, and the page says why it is not."""
    responder, coordinator, police = demo_users["responder"], demo_users["coordinator"], demo_users["police"]
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder)
    url = reverse("incidents:need_to_know", args=[incident.pk])
    client = client_for("responder")
    assert set(incident.need_to_know.values_list("user", flat=True)) == {responder.pk, police.pk}

    page = client.get(url).content.decode()
    assert _offered_to_take_off(page, incident, responder, police) == {police}
    assert (
        f"{responder} cannot be taken off: keep at least one coordinator or responder of Northbridge" in page
    )

    # Another on the incident's list, but not on the record's: the responder is still the record's last.
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    page = client.get(url).content.decode()
    assert _offered_to_take_off(page, incident, responder, coordinator, police) == {coordinator, police}
    assert f"{responder} is the last coordinator or responder of Northbridge" in page
    assert "who may read a record (victim): add someone to that record" in page

    people_services.change_person_need_to_know(
        person=person, users=[responder, coordinator], by=responder, expected_revision=person.revision
    )
    page = client.get(url).content.decode()
    assert _offered_to_take_off(page, incident, responder, coordinator, police) == {
        responder,
        coordinator,
        police,
    }
    assert "cannot be taken off" not in page and "is the last coordinator or responder" not in page


def test_a_records_list_shows_the_lead_partnerships_last_coordinator_or_responder_on_it_as_kept(
    client_for, incident, demo_users, victim_and_witness
):
    """The defect: a record's list page offered the lead partnership's last coordinator or responder on it as
    a tick box, and saving without them was refused. Now they are shown as kept, saying why, as the
    incident's list does, until another is on the record's list."""
    victim, _ = victim_and_witness
    responder, coordinator, police = demo_users["responder"], demo_users["coordinator"], demo_users["police"]
    client = client_for("responder")
    page = html.unescape(client.get(_list_url(incident, victim)).content.decode())
    assert police.pk in _offered_to_untick(page) and responder.pk not in _offered_to_untick(page)
    assert (
        f"{responder} cannot be taken off: keep at least one coordinator or responder of Northbridge" in page
    )

    # Saving with only the police partner ticked keeps them on: there was nothing else to untick.
    victim.refresh_from_db()
    response = client.post(_list_url(incident, victim), {"users": _ids(police), "revision": victim.revision})
    assert response.status_code == 302
    assert set(victim.need_to_know.values_list("user", flat=True)) == {responder.pk, police.pk}

    victim.refresh_from_db()
    people_services.change_person_need_to_know(
        person=victim, users=[responder, police, coordinator], by=responder, expected_revision=victim.revision
    )
    page = client.get(_list_url(incident, victim)).content.decode()
    assert _offered_to_untick(page) >= {responder.pk, coordinator.pk, police.pk}
    assert "cannot be taken off" not in page


# --- Every lister filters per person ----------


def test_a_sitrep_with_people_holds_and_discloses_only_the_records_the_requester_may_read(
    client_for, incident, victim_and_witness
):
    victim, _ = victim_and_witness
    response = client_for("police").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_PEOPLE
    )
    assert response.status_code == 200, response.content[:2000]
    assert list(Disclosure.objects.get().people.all()) == [victim]
    viewed = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, actor__email="police@example.org")
    assert [entry.target_id for entry in viewed] == [str(victim.pk)]


def test_a_sitrep_with_people_is_refused_to_someone_on_no_records_list(
    client_for, incident, victim_and_witness
):
    response = client_for("coordinator").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), {"reason": "x", "recipient": "x"}
    )
    assert response.status_code == 403


def test_the_subject_access_export_names_the_records_own_list_and_is_refused_off_it(
    client_for, incident, demo_users, victim_and_witness
):
    victim, witness = victim_and_witness
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    people_services.change_person_need_to_know(
        person=victim, users=[responder, coordinator], by=responder, expected_revision=victim.revision
    )
    client = client_for("coordinator")
    export = client.post(reverse("recovery:subject_access", args=[incident.pk, victim.pk]), {"reason": "SAR"})
    assert sorted(json.loads(export.content)["who_may_read_the_record"]) == [
        "coordinator@example.org",
        "responder@example.org",
    ]
    refused = client.post(
        reverse("recovery:subject_access", args=[incident.pk, witness.pk]), {"reason": "SAR"}
    )
    assert refused.status_code == 403


def test_the_support_summary_shows_only_the_records_one_may_read(client_for, incident, victim_and_witness):
    page = client_for("police").get(reverse("recovery:support", args=[incident.pk])).content.decode()
    assert "Person 1: victim" in page and "witness" not in page.split("Person 1: victim")[1]


# --- Upgrading ----------


def test_the_upgrade_copies_each_incidents_list_to_its_records(incident, demo_users):
    responder, police = demo_users["responder"], demo_users["police"]
    person = demo_person(incident, responder)
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    PersonNeedToKnow.objects.all().delete()  # as before the upgrade: no record has its own list
    migration = import_module("svtoolkit.incidents.migrations.0021_person_need_to_know")
    migration.copy_incident_lists(apps, None)
    assert set(person.need_to_know.values_list("user_id", flat=True)) == set(
        NeedToKnow.objects.filter(incident=incident).values_list("user_id", flat=True)
    )


# --- Query counts ----------


@pytest.mark.parametrize("page", ["incidents:incident", "incidents:people", "recovery:support"])
def test_the_incident_people_and_support_pages_ask_the_database_the_same_however_many_people(
    client_for, incident, demo_users, page
):
    responder = demo_users["responder"]
    demo_person(incident, responder)
    client = client_for("responder")
    url = reverse(page, args=[incident.pk])
    client.get(url)
    Change.objects.create(incident_id=incident.pk)  # the incident page as drawn, not as kept
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for role in ("witness", "family", "associate", "witness", "other"):
        demo_person(incident, responder, role=role)
    Change.objects.create(incident_id=incident.pk)  # again: the whole page, not only its live part
    with CaptureQueriesContext(connection) as six:
        assert client.get(url).status_code == 200
    assert len(six) == len(one)


# --- Nobody sees a person they are not listed for, whatever the lists ----------


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    request.partnership = None
    request.resolver_match = None
    return request


PEOPLE = [("Alpha Victim", "victim"), ("Bravo Witness", "witness"), ("Charlie Family", "family")]


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lists=st.lists(st.sets(st.sampled_from(ROLES)), min_size=len(PEOPLE), max_size=len(PEOPLE)))
def test_nobody_sees_a_person_they_are_not_listed_for(client, demo, demo_users, lists):
    incident = demo_incident(demo, demo_users)[0]
    people = []
    for (name, role), listed in zip(PEOPLE, lists, strict=True):
        person = demo_person(incident, demo_users["responder"], name=name, role=role)
        PersonNeedToKnow.objects.filter(person=person).delete()
        PersonNeedToKnow.objects.bulk_create(
            PersonNeedToKnow(person=person, user=demo_users[each]) for each in listed
        )
        people.append((person, listed))
    for role in ROLES:
        user = demo_users[role]
        user.__dict__.pop("_svt_memberships", None)
        member = Membership.objects.filter(user=user, partnership=demo).exists()
        allowed = {person.pk for person, listed in people if role in listed and member}
        hidden_names = [person.name for person, listed in people if person.pk not in allowed]
        # The one selector every lister uses.
        assert {person.pk for person in selectors.people_visible_to(user, incident)} == allowed
        assert {person.pk for person in selectors.people_for(user, incident)} == allowed
        # A situation report with people: only theirs, or refused when there is none.
        asked = {
            "user": user,
            "incident": incident,
            "reason": "r",
            "purpose": "sitrep",
            "request": _request(user),
        }
        if allowed:
            assert {person.pk for person in selectors.read_people(**asked)} == allowed
        else:
            with pytest.raises(access.Refused):
                selectors.read_people(**asked)
        # Search never finds people affected.
        for name in hidden_names:
            found = search_for(user, name, partnership=demo)
            assert found is None or name not in str([[str(i) for i in g.results] for g in found.groups])
        # The pages: the incident page names no one; the people page lists only theirs; a record opens
        # only for its list.
        client.force_login(user, backend=MODEL_BACKEND)
        incident_page = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
        assert not any(name in incident_page for name in hidden_names)
        sees_incident = client.get(reverse("incidents:people", args=[incident.pk])).status_code == 200
        if sees_incident:
            assert _listed_on_people_page(client, incident) == allowed
        for person, _ in people:
            opened = _open(client, incident, person)
            if person.pk in allowed and sees_incident:
                assert opened.status_code == 200 and person.name in opened.content.decode()
            else:
                assert opened.status_code in {403, 404} and person.name not in opened.content.decode()
