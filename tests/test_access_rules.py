"""Each rule of svtoolkit.access, who may and who may not: the partnership's rules role by role, the object
rules (and, where the rule depends on it, not once the incident is closed); and access.get_for, which
fetches an object the person may see (404 otherwise) and refuses it (403, audited) when the object's rule
says no."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts import services as account_services
from svtoolkit.accounts.models import User
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.communications import services as communications_services
from svtoolkit.incidents import services
from svtoolkit.incidents.models import Incident, IncidentStatus, PlanAction
from svtoolkit.incidents.people import services as people_services
from tests.accounts.builders import pass_second_factor
from tests.alerts.builders import raise_police_alert, rota
from tests.factories import (
    IncidentFactory,
    IncidentShareFactory,
    MembershipFactory,
    NeedToKnowFactory,
    PersonNeedToKnowFactory,
    SharingAgreementFactory,
    UserFactory,
)
from tests.incidents.builders import (
    SHARE_BASIS,
    demo_hospital_stay,
    demo_incident,
    demo_person,
    demo_referral,
    recorded_incident,
)
from tests.playbooks.builders import demo_checklist

pytestmark = pytest.mark.django_db

# What the incident page's live panel sends every 30 seconds.
LIVE_POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_SVT_BACKGROUND": "true"}


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


def partner_of(demo, kind):
    """A partner of the demo partnership for its organisation of ``kind`` (none of the demo users is)."""
    return MembershipFactory(
        partnership=demo, organisation=demo.organisations.get(kind=kind), role="partner"
    ).user


def on_the_records(incident, user, by):
    """``user`` on the incident's list and on the own list of each of its records."""
    people_services.add_to_need_to_know(incident=incident, user=user, by=by, with_records=True)


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


LEAD_RESPONSE_TEAM_RULES = (
    access.can_name_lead,
    access.can_share_incident,
    access.can_close_incident,
    access.can_run_review,
    access.can_record_lesson,
)


def test_only_the_lead_partnerships_response_team_names_the_lead_shares_closes_and_runs_the_review(
    demo, demo_users, incident, other_partnership
):
    for rule in LEAD_RESPONSE_TEAM_RULES:
        assert who_may(rule, demo, demo_users, incident) == {"coordinator", "responder"}
    southmoor, southmoor_coordinator = other_partnership
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    for rule in LEAD_RESPONSE_TEAM_RULES:
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


def test_a_partner_taking_part_acknowledges_the_notice_for_their_organisation(demo, demo_users, incident):
    assert who_may(access.can_acknowledge_for_organisation, demo, demo_users, incident) == {"police"}
    services.add_participant(
        incident=incident,
        organisation=demo_users["health"].memberships.get().organisation,
        contact=None,
        by=demo_users["responder"],
    )
    assert who_may(access.can_acknowledge_for_organisation, demo, demo_users, incident) == {
        "police",
        "health",
    }


def test_only_those_who_may_see_an_incident_are_told_about_it_so_not_a_partner_no_longer_taking_part(
    demo, demo_users, incident_and_action
):
    """Someone named on an incident (here an action's owner) is told about it only while they may see it: a
    partner only while their organisation takes part. The rule and its filter agree."""
    incident, action = incident_and_action

    def told(user) -> bool:
        PlanAction.objects.filter(pk=action.pk).update(owner=user)
        named = PlanAction.objects.filter(pk=action.pk)
        by_filter = named.filter(access.told_about_incident_condition(person="owner", incident="incident"))
        by_rule = access.may_be_told_about(user, incident)
        assert by_filter.exists() == by_rule, "the filter says what the rule says"
        return by_rule

    def sees(user) -> bool:
        return access.visible_incidents(user, demo).filter(pk=incident.pk).exists()

    told_about = {role for role, user in demo_users.items() if told(user)}
    assert told_about == {role for role, user in demo_users.items() if sees(user)}
    assert "police" in told_about and "health" not in told_about
    incident.participations.filter(organisation__kind="police").delete()  # the police take part no more
    assert not told(demo_users["police"]) and not sees(demo_users["police"])
    assert told(demo_users["responder"])


def test_an_incident_is_read_only_once_closed(incident):
    assert not access.is_read_only(incident)
    incident.status = IncidentStatus.CLOSED
    assert access.is_read_only(incident)


def test_files_are_attached_by_those_who_may_work_the_incident_now_so_never_once_it_is_closed(
    demo, demo_users, incident
):
    for status in (incident.status, IncidentStatus.CLOSED):
        incident.status = status
        may_attach = who_may(access.can_attach_files, demo, demo_users, incident)
        assert may_attach == who_may(access.can_work_incident_now, demo, demo_users, incident)
    assert may_attach == set()


def test_a_signed_information_sharing_agreement_is_filed_only_by_its_partnerships_coordinator(
    demo, demo_users, other_partnership
):
    agreement = SharingAgreementFactory(partnership=demo)
    assert who_may(access.can_attach_to_sharing_agreement, demo, demo_users, agreement) == {"coordinator"}
    southmoor, southmoor_coordinator = other_partnership
    assert not access.can_attach_to_sharing_agreement(southmoor_coordinator.user, demo, agreement)
    assert not access.can_attach_to_sharing_agreement(southmoor_coordinator.user, southmoor, agreement)


def test_a_directory_entrys_next_review_date_is_set_by_its_owner_and_the_coordinators(
    demo, demo_users, other_partnership
):
    """The owner is the one reminded each day to set it; coordinators keep the whole directory."""
    agreement = SharingAgreementFactory(partnership=demo, owner=demo_users["police"])
    assert who_may(access.can_review_entry, demo, demo_users, agreement) == {"coordinator", "police"}
    contact = demo.organisations.get(kind="police").contacts.get(name="Sergeant Lewis Grant")
    assert who_may(access.can_review_entry, demo, demo_users, contact) == {"coordinator", "police"}
    southmoor, southmoor_coordinator = other_partnership
    assert not access.can_review_entry(southmoor_coordinator.user, southmoor, agreement)
    demo_users["police"].memberships.all().delete()  # an owner who left the partnership
    assert not access.can_review_entry(User.objects.get(pk=demo_users["police"].pk), demo, agreement)


def test_only_the_lead_partnerships_response_team_sees_the_messages_sent_about_an_incident(
    demo, demo_users, incident, other_partnership
):
    assert who_may(access.can_view_incident_messages, demo, demo_users, incident) == {
        "coordinator",
        "responder",
    }
    southmoor, southmoor_coordinator = other_partnership
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    assert not access.can_view_incident_messages(southmoor_coordinator.user, southmoor, incident)


def test_the_lead_partnerships_response_team_shares_an_incident_with_its_region(demo, demo_users, incident):
    assert demo.region_id is not None
    assert who_may(access.can_share_with_region, demo, demo_users, incident) == {"coordinator", "responder"}
    demo.region = None  # a partnership in no region has no region to share with
    assert who_may(access.can_share_with_region, demo, demo_users, incident) == set()


def test_the_response_team_and_the_schools_taking_part_record_the_schools_strand(demo, demo_users, incident):
    school = partner_of(demo, "school")
    education = partner_of(demo, "education")
    assert who_may(access.can_record_school, demo, demo_users, incident) == {"coordinator", "responder"}
    # Not while their organisation takes no part in the incident.
    assert not access.can_record_school(school, demo, incident)
    assert not access.can_record_school(education, demo, incident)
    for partner in (school, education):
        services.add_participant(
            incident=incident,
            organisation=partner.memberships.get().organisation,
            contact=None,
            by=demo_users["responder"],
        )
    assert access.can_record_school(school, demo, incident)
    assert access.can_record_school(education, demo, incident)
    # The police take part, but the schools strand is not theirs.
    assert not access.can_record_school(demo_users["police"], demo, incident)


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


def test_a_record_is_read_only_by_those_on_its_own_list(demo, demo_users, with_person):
    person = with_person.people.get()
    assert who_may(access.can_read_person, demo, demo_users, person) == {"responder"}
    responder = demo_users["responder"]
    # The incident's list alone opens no record made before; the record's own list does, whatever the role.
    people_services.add_to_need_to_know(incident=with_person, user=demo_users["coordinator"], by=responder)
    on_the_records(with_person, demo_users["viewer"], responder)
    assert who_may(access.can_read_person, demo, demo_users, person) == {"responder", "viewer"}


def test_a_records_own_list_opens_it_only_to_members_of_a_partnership_it_is_shared_with(
    demo, demo_users, with_person, other_partnership
):
    """An entry on a record's list left over from a membership that ended (here made directly) opens the
    record only once the incident is shared with a partnership the person is a member of."""
    from svtoolkit.accounts.models import User

    person = with_person.people.get()
    southmoor, southmoor_coordinator = other_partnership
    PersonNeedToKnowFactory(person=person, user=southmoor_coordinator.user)
    assert not access.can_read_person(User.objects.get(pk=southmoor_coordinator.user_id), southmoor, person)
    services.share_incident(
        incident=with_person, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    assert access.can_read_person(User.objects.get(pk=southmoor_coordinator.user_id), southmoor, person)


def test_a_document_with_people_in_it_is_for_those_on_at_least_one_records_list(
    demo, demo_users, with_person
):
    assert who_may(access.can_read_any_person, demo, demo_users, with_person) == {"responder"}
    responder = demo_users["responder"]
    people_services.add_to_need_to_know(incident=with_person, user=demo_users["coordinator"], by=responder)
    on_the_records(with_person, demo_users["police"], responder)
    assert who_may(access.can_read_any_person, demo, demo_users, with_person) == {"responder", "police"}
    # An incident with no one recorded has no record to open.
    assert who_may(access.can_read_any_person, demo, demo_users, demo_incident(demo, demo_users)[0]) == set()


def test_the_response_team_on_a_records_own_list_corrects_it_and_decides_who_reads_it(
    demo, demo_users, with_person
):
    person = with_person.people.get()
    for rule in (access.can_correct_person, access.can_manage_person_need_to_know):
        assert who_may(rule, demo, demo_users, person) == {"responder"}
    responder = demo_users["responder"]
    for role in ("coordinator", "police", "viewer"):
        on_the_records(with_person, demo_users[role], responder)
    # The police partner and the viewer read the record; the response team on its list change it.
    for rule in (access.can_correct_person, access.can_manage_person_need_to_know):
        assert who_may(rule, demo, demo_users, person) == {"coordinator", "responder"}


def test_safeguarding_is_recorded_by_the_response_team_and_social_care_taking_part_on_the_list(
    demo, demo_users, with_person
):
    responder = demo_users["responder"]
    assert who_may(access.can_record_safeguarding, demo, demo_users, with_person) == {"responder"}
    social_care = partner_of(demo, "childrens_social_care")
    services.add_participant(
        incident=with_person,
        organisation=social_care.memberships.get().organisation,
        contact=None,
        by=responder,
    )
    assert not access.can_record_safeguarding(social_care, demo, with_person)  # not yet on the list
    for user in (social_care, demo_users["coordinator"], demo_users["police"]):
        people_services.add_to_need_to_know(incident=with_person, user=user, by=responder)
    assert access.can_record_safeguarding(social_care, demo, with_person)
    # The police partner is on the list and takes part, but safeguarding is not theirs.
    assert who_may(access.can_record_safeguarding, demo, demo_users, with_person) == {
        "coordinator",
        "responder",
    }


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


# --- Alerts -------------------------------------------------------------------------------------------------


def test_an_alert_is_acknowledged_by_those_it_went_to_and_by_its_partnerships_response_team(
    demo, demo_users, other_partnership
):
    alert = raise_police_alert(demo, demo_users)  # with no one on the rota, it goes to the coordinators
    assert set(alert.recipients.values_list("user__email", flat=True)) == {demo_users["coordinator"].email}
    assert who_may(access.can_acknowledge_alert, demo, demo_users, alert) == {"coordinator", "responder"}
    southmoor, southmoor_coordinator = other_partnership
    assert not access.can_acknowledge_alert(southmoor_coordinator.user, southmoor, alert)
    # The one it went to acknowledges it whichever partnership they are working in at the time.
    assert access.can_acknowledge_alert(demo_users["coordinator"], southmoor, alert)
    assert not access.can_acknowledge_alert(demo_users["responder"], southmoor, alert)


def test_someone_alerted_who_has_left_the_response_team_since_cannot_acknowledge(demo, demo_users):
    responder = demo_users["responder"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    assert access.can_acknowledge_alert(responder, demo, alert)
    membership = responder.memberships.get(partnership=demo)
    account_services.change_membership(
        membership=membership,
        role="viewer",
        organisation=membership.organisation,
        expected_revision=membership.revision,
        by=demo_users["coordinator"],
    )
    assert not access.can_acknowledge_alert(User.objects.get(pk=responder.pk), demo, alert)


def test_the_lead_is_taken_from_an_alert_by_its_partnerships_response_team_for_their_employer(
    demo, demo_users, other_partnership
):
    alert = raise_police_alert(demo, demo_users)
    assert who_may(access.can_accept_lead, demo, demo_users, alert) == {"coordinator", "responder"}
    southmoor, southmoor_coordinator = other_partnership
    assert not access.can_accept_lead(southmoor_coordinator.user, southmoor, alert)
    # A responder with no organisation in the partnership has no one to lead for.
    unattached = MembershipFactory(partnership=demo, organisation=None, role="responder").user
    assert not access.can_accept_lead(unattached, demo, alert)


# --- The admin site -----------------------------------------------------------------------------------------


def test_the_admin_site_is_for_active_superusers_through_two_factor(client, demo_users):
    def as_signed_in(user, *, second_factor):
        """``user`` as a request carries them: signed in, and through two-factor or not."""
        client.force_login(user, backend="svtoolkit.accounts.backends.PersonBackend")
        if second_factor:
            pass_second_factor(client, user)
        return client.get(reverse("core:home")).wsgi_request.user

    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert not access.can_use_admin(as_signed_in(superuser, second_factor=False))
    verified = as_signed_in(superuser, second_factor=True)
    assert access.can_use_admin(verified)
    verified.is_active = False
    assert not access.can_use_admin(verified)
    # Two-factor does not make a coordinator a superuser.
    assert not access.can_use_admin(as_signed_in(demo_users["coordinator"], second_factor=True))


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


def test_get_for_checks_the_rule_about_what_the_found_object_has_and_finds_nothing_without_it(
    demo, demo_users, incident
):
    """``about``: the rule is checked against a part of the found object (an incident's alert); an object
    without that part is not found."""

    def its_alert(found):
        return getattr(found, "alert", None)

    def acknowledging_as(role, pk):
        request = request_as(demo_users[role], demo, "post")
        return access.get_for(request, Incident, pk, rule=access.can_acknowledge_alert, about=its_alert)

    with pytest.raises(Http404):  # not raised as an alert
        acknowledging_as("responder", incident.pk)
    raised = raise_police_alert(demo, demo_users).incident
    with pytest.raises(PermissionDenied):
        acknowledging_as("viewer", raised.pk)
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail__reason="can_acknowledge_alert"
    ).exists()
    found = acknowledging_as("responder", raised.pk)
    assert found == raised and found.alert.incident_id == raised.pk


def test_get_for_needs_a_visibility_rule_or_an_already_narrowed_queryset(
    demo, demo_users, incident_and_action
):
    with pytest.raises(TypeError):
        access.get_for(request_as(demo_users["coordinator"], demo), PlanAction, incident_and_action[1].pk)


def test_a_page_more_may_read_than_may_change_refuses_a_form_sent_by_a_reader_and_audits_it(demo, demo_users):
    """``requires(rule, to_change=...)``: the page opens for everyone ``rule`` lets in; a form sent to it (a
    POST) also needs ``to_change``, and is refused, with that rule's name in the audit log, before the view
    runs."""
    ran = []

    @access.requires(access.can_view_rota, to_change=access.can_manage_alerting)
    def protocol_page(request):
        ran.append(request.method)
        return "shown"

    viewer, coordinator = demo_users["viewer"], demo_users["coordinator"]
    assert protocol_page(request_as(viewer, demo)) == "shown"
    with pytest.raises(PermissionDenied):
        protocol_page(request_as(viewer, demo, "post"))
    assert ran == ["GET"], "the view ran for a form its sender may not send"
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=viewer, detail__reason="can_manage_alerting"
    ).exists()
    assert protocol_page(request_as(coordinator, demo, "post")) == "shown"
    assert ran == ["GET", "POST"]


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


# --- The partnership's rules, role by role ----------------------------------------------------------------

RESPONSE_TEAM = {"coordinator", "responder"}
EVERY_MEMBER = {"coordinator", "responder", "police", "health", "viewer"}
PARTNERSHIP_RULES = {
    access.is_member: EVERY_MEMBER,
    access.can_view_rota: EVERY_MEMBER,
    access.can_view_reports: EVERY_MEMBER,
    access.can_record_incident: RESPONSE_TEAM,
    access.can_manage_incident: RESPONSE_TEAM,
    access.can_reassign_action: RESPONSE_TEAM,
    access.can_assess_readiness: RESPONSE_TEAM,
    access.may_be_on_duty: RESPONSE_TEAM,
    access.sees_exact_scenes: RESPONSE_TEAM,
    access.can_work_incident: RESPONSE_TEAM | {"police", "health"},
    access.can_contribute_to_review: RESPONSE_TEAM | {"police", "health"},
    # The police's organisation may report incidents (the default); the health partner's may not.
    access.can_raise_alert: {"coordinator", "police"},
    access.can_report_incident: RESPONSE_TEAM | {"police"},
    **dict.fromkeys(
        [
            access.can_manage_members,
            access.can_edit_directory,
            access.can_edit_playbook,
            access.can_see_draft_checklist,
            access.can_decide_lessons,
            access.can_manage_retention,
            access.can_manage_alerting,
            access.can_manage_boundary,
            access.can_view_delivery_log,
            access.can_resend_messages,
            access.can_view_audit_log,
            access.can_manage_partnership_settings,
            access.can_manage_webhooks,
        ],
        {"coordinator"},
    ),
}


@pytest.mark.parametrize("rule", PARTNERSHIP_RULES, ids=lambda rule: rule.__name__)
def test_each_partnership_rule_allows_its_roles_and_no_one_else(rule, demo, demo_users, other_partnership):
    assert {role for role, user in demo_users.items() if rule(user, demo)} == PARTNERSHIP_RULES[rule]
    southmoor, southmoor_coordinator = other_partnership
    assert not rule(southmoor_coordinator.user, demo), "a member of another partnership is no one here"
    assert not rule(UserFactory(), demo)


def test_a_partner_raises_alerts_once_their_organisation_reports_incidents_a_viewer_never(demo, demo_users):
    health = demo_users["health"]
    assert not access.can_raise_alert(health, demo)
    organisation = health.memberships.get().organisation
    organisation.may_report_incidents = True
    organisation.save()
    # A request reads the person's memberships afresh: a user object loaded again stands for the next one.
    assert access.can_raise_alert(type(health).objects.get(pk=health.pk), demo)
    police = demo.organisations.get(kind="police")
    assert police.may_report_incidents
    police_viewer = MembershipFactory(partnership=demo, organisation=police, role="viewer").user
    assert not access.can_raise_alert(police_viewer, demo)


def test_the_draft_checklist_is_seen_only_by_those_who_may_open_the_draft_page(client, demo, demo_users):
    """The defect: a viewer refused the draft's page read it all the same as a version by its number, on the
    versions list and compared with the published version."""
    demo_checklist(demo, demo_users["coordinator"])  # version 1 published, version 2 the draft
    members = ("coordinator", "responder", "police", "health", "viewer")
    for role in members:
        client.force_login(demo_users[role])
        may_open_draft_page = client.get(reverse("playbooks:draft")).status_code == 200
        draft_status = client.get(reverse("playbooks:version", args=[2])).status_code
        compared_status = client.get(reverse("playbooks:compare", args=[1, 2])).status_code
        listed = 'href="/checklist/versions/2/"' in client.get(reverse("playbooks:versions")).content.decode()
        assert client.get(reverse("playbooks:version", args=[1])).status_code == 200
        expected = 200 if may_open_draft_page else 404
        assert (draft_status, compared_status, listed) == (expected, expected, may_open_draft_page), role
    assert {role for role in members if access.can_see_draft_checklist(demo_users[role], demo)} == {
        "coordinator"
    }


# --- A page's live part refused or no longer finding what it shows ---------------------------------------
# htmx neither swaps a 403 or 404 nor stops polling on one: the part would go on looking live (a stale panel
# with Update links) and asking. Told to reload, the page shows its own refusal or "not found".


def test_a_live_panel_refused_once_its_person_left_the_partnership_reloads_the_page_and_is_audited_counted(
    client_for, demo, demo_users, incident
):
    responder = demo_users["responder"]
    client = client_for("responder")
    page = reverse("incidents:incident", args=[incident.pk])
    assert client.get(page, **LIVE_POLL).status_code == 200
    account_services.remove_member(
        membership=responder.memberships.get(partnership=demo), by=demo_users["coordinator"]
    )

    polls = [client.get(page, **LIVE_POLL) for _ in range(4)]  # a browser slow to reload, or several tabs
    assert [(poll.status_code, poll.get("HX-Refresh")) for poll in polls] == [(403, "true")] * 4
    refused = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=responder).order_by("pk")
    assert [(entry.count, entry.detail["reason"]) for entry in refused] == [(4, "is_member")]

    reloaded = client.get(page)  # the page reloaded by htmx: refused as a page, audited as one
    assert reloaded.status_code == 403 and "HX-Refresh" not in reloaded
    assert [entry.count for entry in refused.all()] == [4, 1]


def test_a_live_panel_whose_incident_a_partner_no_longer_sees_reloads_the_page(client_for, demo, demo_users):
    responder = demo_users["responder"]
    incident = recorded_incident(demo, responder)
    police = demo.organisations.get(kind="police")
    participation = services.add_participant(
        incident=incident, organisation=police, contact=None, by=responder
    )
    client = client_for("police")
    page = reverse("incidents:incident", args=[incident.pk])
    assert client.get(page, **LIVE_POLL).status_code == 200

    services.stop_taking_part(participation=participation, by=responder)
    poll = client.get(page, **LIVE_POLL)
    assert poll.status_code == 404 and poll["HX-Refresh"] == "true"
    reloaded = client.get(page)
    assert reloaded.status_code == 404 and "HX-Refresh" not in reloaded
