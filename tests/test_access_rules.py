"""Each object-level rule of svtoolkit.access, who may and who may not; and access.get_for, which fetches an
object the person may see (404 otherwise) and refuses it (403, audited) when the object's rule says no."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.communications import services as communications_services
from svtoolkit.incidents import services
from svtoolkit.incidents.models import Incident, IncidentStatus, PlanAction
from svtoolkit.incidents.people import services as people_services
from tests.factories import IncidentFactory, IncidentShareFactory, NeedToKnowFactory
from tests.incidents.builders import (
    SHARE_BASIS,
    demo_hospital_stay,
    demo_incident,
    demo_person,
    demo_referral,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_and_action(demo, demo_users):
    return demo_incident(demo, demo_users)


@pytest.fixture
def incident(incident_and_action):
    return incident_and_action[0]


@pytest.fixture
def with_person(incident, demo_users):
    """The incident with one person affected, recorded by the responder (who is then on the list)."""
    demo_person(incident, demo_users["responder"])
    return incident


def who_may(rule, demo, demo_users, obj) -> set[str]:
    return {role for role, user in demo_users.items() if rule(user, demo, obj)}


# --- Incidents and their actions ---------------------------------------------------------------------


def test_every_member_but_partners_sees_exactly_the_partnerships_incidents_until_one_is_shared_in(
    demo, demo_users, other_partnership
):
    """Who may read the partnership's kept totals (the dashboard): those whose visible incidents are exactly
    the partnership's own. Partners see only those their organisation takes part in; a shared-in incident
    is not in the totals."""
    sees_exactly_its_own = {
        role for role, user in demo_users.items() if access.sees_every_incident_and_no_other(user, demo)
    }
    assert sees_exactly_its_own == {"coordinator", "responder", "viewer"}
    assert not access.sees_every_incident_and_no_other(other_partnership[1].user, demo)
    IncidentShareFactory(incident=IncidentFactory(partnership=other_partnership[0]), partnership=demo)
    assert not access.sees_every_incident_and_no_other(demo_users["coordinator"], demo)


def test_the_response_team_and_the_owning_partner_may_update_an_action(demo, demo_users, incident_and_action):
    _, action = incident_and_action
    assert who_may(access.can_update_action, demo, demo_users, action) == {
        "coordinator",
        "responder",
        "police",
    }


def test_the_update_link_is_offered_only_to_who_may_update_and_never_on_a_closed_incident(
    demo, demo_users, incident_and_action
):
    incident, action = incident_and_action

    def offered():
        return {
            role
            for role, user in demo_users.items()
            if access.can_update_action_now(user, demo, incident, action)
        }

    assert offered() == {"coordinator", "responder", "police"}
    incident.status = IncidentStatus.CLOSED
    assert offered() == set()


def test_changes_to_the_response_are_offered_to_the_response_team_and_never_on_a_closed_incident(
    demo, demo_users, incident
):
    assert who_may(access.can_manage_incident_now, demo, demo_users, incident) == {"coordinator", "responder"}
    incident.status = IncidentStatus.CLOSED
    assert who_may(access.can_manage_incident_now, demo, demo_users, incident) == set()


def test_work_on_an_incident_is_offered_to_all_but_viewers_and_never_on_a_closed_incident(
    demo, demo_users, incident
):
    assert who_may(access.can_work_incident_now, demo, demo_users, incident) == {
        "coordinator",
        "responder",
        "police",
        "health",
    }
    incident.status = IncidentStatus.CLOSED
    assert who_may(access.can_work_incident_now, demo, demo_users, incident) == set()


def test_only_the_lead_partnerships_response_team_shares_closes_and_records_lessons(
    demo, demo_users, incident, other_partnership
):
    for rule in (access.can_share_incident, access.can_close_incident, access.can_record_lesson):
        assert who_may(rule, demo, demo_users, incident) == {"coordinator", "responder"}
    southmoor, southmoor_coordinator = other_partnership
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    for rule in (access.can_share_incident, access.can_close_incident, access.can_record_lesson):
        assert not rule(southmoor_coordinator.user, southmoor, incident)


def test_the_response_team_and_the_police_taking_part_record_police_measures(demo, demo_users, incident):
    for rule in (access.can_record_scene_measures, access.can_record_police_declaration):
        assert who_may(rule, demo, demo_users, incident) == {"coordinator", "responder", "police"}
    # Taking part is not enough for a partner of another kind: the measures are the police's to decide.
    services.add_participant(
        incident=incident,
        organisation=demo_users["health"].memberships.get().organisation,
        contact=None,
        by=demo_users["responder"],
    )
    assert not access.can_record_scene_measures(demo_users["health"], demo, incident)
    incident.participations.filter(organisation__kind="police").delete()
    incident = Incident.objects.get(pk=incident.pk)
    assert not access.can_record_scene_measures(demo_users["police"], demo, incident)
    assert not access.can_record_police_declaration(demo_users["police"], demo, incident)


# --- People affected -------------------------------------------------------------------------------------


def test_only_the_need_to_know_list_reads_people(demo, demo_users, with_person):
    assert who_may(access.can_read_people, demo, demo_users, with_person) == {"responder"}


def test_the_response_team_adds_the_first_person_then_only_the_list_adds(demo, demo_users, incident):
    assert who_may(access.can_add_person, demo, demo_users, incident) == {"coordinator", "responder"}
    demo_person(incident, demo_users["responder"])
    assert who_may(access.can_add_person, demo, demo_users, incident) == {"responder"}


def test_the_list_is_managed_by_the_response_team_on_it(demo, demo_users, with_person):
    people_services.add_to_need_to_know(
        incident=with_person, user=demo_users["police"], by=demo_users["responder"]
    )
    # The police partner is on the list but is not in the response team.
    assert who_may(access.can_manage_need_to_know, demo, demo_users, with_person) == {"responder"}


def test_a_coordinator_recovers_the_list_only_when_no_active_member_is_on_it(demo, demo_users, with_person):
    assert who_may(access.can_recover_need_to_know, demo, demo_users, with_person) == set()
    responder = demo_users["responder"]
    responder.is_active = False
    responder.save(update_fields=["is_active"])
    assert who_may(access.can_recover_need_to_know, demo, demo_users, with_person) == {"coordinator"}


def test_support_is_recorded_by_those_working_the_incident_on_the_list(demo, demo_users, with_person):
    for role in ("police", "viewer"):
        people_services.add_to_need_to_know(
            incident=with_person, user=demo_users[role], by=demo_users["responder"], with_records=True
        )
    assert who_may(access.can_record_support, demo, demo_users, with_person) == {"responder", "police"}
    person = with_person.people.get()
    assert who_may(access.can_record_support_for, demo, demo_users, person) == {"responder", "police"}


def test_a_persons_hospital_stays_and_referrals_are_for_the_strands_recorders_on_that_persons_own_list(
    demo, demo_users, with_person
):
    person = with_person.people.get()
    responder = demo_users["responder"]
    hospital = demo.organisations.get(kind="health_hospital")
    services.add_participant(incident=with_person, organisation=hospital, contact=None, by=responder)
    for role in ("coordinator", "health"):  # on the incident's list, not on the record's own
        people_services.add_to_need_to_know(incident=with_person, user=demo_users[role], by=responder)
    assert who_may(access.can_record_hospital_stay, demo, demo_users, with_person) == {
        "coordinator",
        "responder",
        "health",
    }
    assert who_may(access.can_record_hospital_stay_for, demo, demo_users, person) == {"responder"}
    assert who_may(access.can_record_safeguarding_for, demo, demo_users, person) == {"responder"}
    people_services.add_to_need_to_know(
        incident=with_person, user=demo_users["health"], by=responder, with_records=True
    )
    assert who_may(access.can_record_hospital_stay_for, demo, demo_users, person) == {"responder", "health"}
    stay = demo_hospital_stay(with_person, person, responder)
    referral = demo_referral(with_person, person, responder)
    assert who_may(access.can_change_hospital_stay, demo, demo_users, stay) == {"responder", "health"}
    # The hospital's partner reads the record, but safeguarding is social care's and the response team's.
    assert who_may(access.can_record_referral_outcome, demo, demo_users, referral) == {"responder"}


def test_a_subject_access_export_is_for_a_coordinator_on_the_list(demo, demo_users, with_person):
    person = with_person.people.get()
    assert who_may(access.can_export_person, demo, demo_users, person) == set()
    people_services.add_to_need_to_know(
        incident=with_person, user=demo_users["coordinator"], by=demo_users["responder"], with_records=True
    )
    assert who_may(access.can_export_person, demo, demo_users, person) == {"coordinator"}


# --- Messages and their sign-off ----------------------------------------------------------------------


def _message(incident, demo, demo_users, *, names_or_images):
    return communications_services.draft_message(
        incident=incident,
        by=demo_users["responder"],
        kind="holding",
        title="Statement about the stabbing",
        body="Police are investigating.",
        audience="Public",
        channel="Website",
        planned_for=timezone.now(),
        names_or_images=names_or_images,
        approvers=[demo.organisations.get(kind="police")],
    )


def test_a_sign_off_is_given_by_someone_who_represents_the_approver(demo, demo_users, incident):
    message = _message(incident, demo, demo_users, names_or_images=False)
    sign_off = message.sign_offs.get()
    assert who_may(access.can_sign_off, demo, demo_users, sign_off) == {"police"}


def test_a_message_naming_someone_is_read_only_by_the_list_and_its_approvers(demo, demo_users, with_person):
    plain = _message(with_person, demo, demo_users, names_or_images=False)
    assert who_may(access.can_read_message, demo, demo_users, plain) == set(demo_users)
    naming = _message(with_person, demo, demo_users, names_or_images=True)
    assert who_may(access.can_read_message, demo, demo_users, naming) == {"responder", "police"}


# --- get_for: fetch and check in one call ----------------------------------------------------------------


def request_as(user, partnership, method="get"):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    request.partnership = partnership
    request.resolver_match = None
    return request


def test_get_for_finds_an_incident_the_person_may_see(demo, demo_users, incident):
    assert access.get_for(request_as(demo_users["viewer"], demo), Incident, incident.pk) == incident


def test_get_for_does_not_find_an_incident_the_person_may_not_see(demo, demo_users, other_partnership):
    southmoor, _ = other_partnership
    elsewhere = IncidentFactory(partnership=southmoor)
    with pytest.raises(Http404):
        access.get_for(request_as(demo_users["coordinator"], demo), Incident, elsewhere.pk)
    # Nor does a partner find one their organisation takes no part in.
    unshared = IncidentFactory(partnership=demo)
    with pytest.raises(Http404):
        access.get_for(request_as(demo_users["police"], demo), Incident.objects.all(), unshared.pk)


def test_get_for_refuses_with_the_rule_and_audits_it(demo, demo_users, incident_and_action):
    incident, action = incident_and_action
    with pytest.raises(Http404):  # the hospital takes no part in it, so its partner does not find it
        access.get_for(request_as(demo_users["health"], demo), Incident, incident.pk)
    with pytest.raises(PermissionDenied):
        access.get_for(
            request_as(demo_users["viewer"], demo),
            incident.actions.all(),
            action.pk,
            rule=access.can_update_action,
        )
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail__reason="can_update_action"
    ).exists()
    police_may = access.get_for(
        request_as(demo_users["police"], demo),
        incident.actions.all(),
        action.pk,
        rule=access.can_update_action,
    )
    assert police_may == action


def test_get_for_refuses_changes_to_a_closed_incident_but_lets_it_be_read(demo, demo_users, incident):
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)
    responder = demo_users["responder"]
    assert access.get_for(request_as(responder, demo), Incident, incident.pk).pk == incident.pk
    with pytest.raises(PermissionDenied):
        access.get_for(request_as(responder, demo, "post"), Incident, incident.pk)


def test_get_for_needs_a_visibility_rule_or_an_already_narrowed_queryset(
    demo, demo_users, incident_and_action
):
    with pytest.raises(TypeError):
        access.get_for(request_as(demo_users["coordinator"], demo), PlanAction, incident_and_action[1].pk)


def test_a_need_to_know_entry_opens_nothing_without_membership(
    demo, demo_users, with_person, other_partnership
):
    """An entry left over from a membership that ended (here made directly) is refused until the person is a
    member of the incident's partnership or of one it is shared with."""
    from svtoolkit.accounts.models import User

    southmoor, southmoor_coordinator = other_partnership
    NeedToKnowFactory(incident=with_person, user=southmoor_coordinator.user)
    outsider = User.objects.get(pk=southmoor_coordinator.user_id)
    assert not access.can_read_people(outsider, southmoor, with_person)
    assert not access.can_read_people(outsider, None, with_person)

    services.share_incident(
        incident=with_person, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    assert access.can_read_people(User.objects.get(pk=outsider.pk), southmoor, with_person)
