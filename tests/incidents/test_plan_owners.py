"""The plan works the way a partnership works (issue 16): every action has an owner from the start, due times
count from when the partnership was told, what the app records ticks actions off, and owners are checked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Role
from svtoolkit.communications import services as communications_services
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents import services
from svtoolkit.incidents.models import ActionStatus, Incident, IncidentShare, Participation, PlanAction
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.reports.selectors import actions_by_organisation
from tests.factories import MembershipFactory
from tests.incidents.builders import (
    action_due,
    answering,
    demo_incident,
    left_the_partnership,
    mark_action,
    reassign,
    updated_together,
)
from tests.incidents.test_services import categorise

pytestmark = pytest.mark.django_db

COUNCIL = "Northbridge Council Community Safety Team"
POLICE = "Metropolitan Police, Northbridge Basic Command Unit"


@pytest.fixture
def checklist(demo, demo_users):
    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )


def reported_late(demo, by, *, hours_late=4):
    """An incident that happened hours before anyone told the partnership (told just now)."""
    now = timezone.now()
    return services.record_incident(
        partnership=demo,
        by=by,
        title="Stabbing near Northbridge Academy",
        incident_types=["knife"],
        occurred_at=now - timedelta(hours=hours_late),
        notified_at=now,
        notification_source="police",
        notified_by="Duty inspector",
        summary="A 16-year-old was stabbed at the bus stop outside the school.",
        scenes=[{"description": "Bus stop, Northbridge Academy", "area": "Northbridge Central"}],
    )


def by_key(incident):
    return {
        action.item.key: action for action in incident.actions.select_related("item", "owner_organisation")
    }


def test_the_partnerships_lead_organisation_takes_part_in_every_new_incident(demo, demo_users):
    incident = reported_late(demo, demo_users["responder"])
    assert [str(p.organisation) for p in incident.participations.select_related("organisation")] == [COUNCIL]


def test_no_action_of_a_new_plan_is_without_an_owner_and_the_reason_is_shown(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder)
    services.draw_plan(incident=incident, by=responder)
    actions = by_key(incident)
    assert all(action.owner_organisation is not None for action in actions.values())
    assert str(actions["lead-identify-lead"].owner_organisation) == COUNCIL
    police_item = actions["reporting-immediate-response"]
    assert str(police_item.owner_organisation) == COUNCIL
    assert police_item.owner_reason == (
        "Assigned to the partnership's lead organisation "
        f"because {POLICE} is not taking part and no lead is named"
    )
    # A day and a half on with nothing done: no "No owner" group among the dashboard's overdue groups.
    overdue = actions_by_organisation(
        Incident.objects.filter(pk=incident.pk), now=timezone.now() + timedelta(hours=36)
    )
    assert overdue and all(group.organisation != "No owner yet" for group in overdue)


def test_an_item_whose_organisation_is_not_taking_part_goes_to_the_incident_lead(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder)
    council = demo.organisations.get(name=COUNCIL)
    services.assign_lead(incident=incident, organisation=council, officer=responder, by=responder)
    services.draw_plan(incident=incident, by=responder)
    police_item = by_key(incident)["reporting-immediate-response"]
    assert police_item.owner == responder
    assert police_item.owner_reason == f"Assigned to the incident lead because {POLICE} is not taking part"
    # Once the police take part, the actions waiting for them are theirs.
    police = demo.organisations.get(name=POLICE)
    services.add_participant(incident=incident, organisation=police, contact=None, by=responder)
    police_item.refresh_from_db()
    assert (police_item.owner_organisation, police_item.owner, police_item.owner_reason) == (police, None, "")


def test_naming_a_lead_of_an_organisation_not_taking_part_hands_it_the_actions_waiting_for_it(
    demo, demo_users, checklist
):
    """The defect: naming a police officer lead brings the police in as a partner, but the police's own
    actions, given to the partnership's lead organisation while they were not taking part, went to the new
    lead "because the police are not taking part" (untrue: they lead), and a handover to the council later
    took them away from the police. Now they are the police's, as when the police are added as a partner."""
    responder, police_officer = demo_users["responder"], demo_users["police"]
    incident = reported_late(demo, responder)
    services.draw_plan(incident=incident, by=responder)
    police = demo.organisations.get(name=POLICE)
    council = demo.organisations.get(name=COUNCIL)
    services.assign_lead(incident=incident, organisation=police, officer=police_officer, by=responder)
    police_item = by_key(incident)["reporting-immediate-response"]
    assert (police_item.owner_organisation, police_item.owner, police_item.owner_reason) == (police, None, "")

    services.assign_lead(incident=incident, organisation=council, officer=responder, by=responder)
    police_item.refresh_from_db()
    assert (police_item.owner_organisation, police_item.owner_reason) == (police, "")


def test_an_item_is_not_given_to_a_lead_who_has_left_the_partnership(
    demo, demo_users, checklist, other_partnership
):
    responder = demo_users["responder"]
    incident = reported_late(demo, demo_users["coordinator"])
    council = demo.organisations.get(name=COUNCIL)
    services.assign_lead(incident=incident, organisation=council, officer=responder, by=responder)
    left_the_partnership(responder, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    services.draw_plan(incident=incident, by=demo_users["coordinator"])
    police_item = by_key(incident)["reporting-immediate-response"]
    assert (police_item.owner_organisation, police_item.owner) == (council, None)
    assert police_item.owner_reason == (
        "Assigned to the partnership's lead organisation "
        f"because {POLICE} is not taking part and no lead is named"
    )


def test_a_late_report_does_not_start_with_its_first_day_actions_overdue(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder, hours_late=4)
    services.draw_plan(incident=incident, by=responder)
    now = timezone.now()
    open_actions = incident.actions.filter(status__in=[ActionStatus.TO_DO])
    assert open_actions.exists()
    assert not open_actions.filter(due_at__lt=now).exists()
    assert open_actions.order_by("due_at").first().due_at == incident.notified_at + timedelta(hours=2)


def test_what_the_app_records_ticks_its_actions_off_with_a_link(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder)
    # Categorised before the plan is drawn: the plan starts with those actions done.
    categorise(incident, responder)
    services.draw_plan(incident=incident, by=responder)
    actions = by_key(incident)
    categorised = actions["categorise-decide-category"]
    assert categorised.status == ActionStatus.DONE
    assert categorised.completed_record == reverse("incidents:categorise", args=[incident.pk])
    assert actions["reporting-record-source"].status == ActionStatus.DONE
    assert actions["plan-draft-assign"].status == ActionStatus.DONE
    # Things recorded after the plan is drawn complete their open actions at once.
    inform = actions["reporting-inform-stakeholders"]
    assert inform.status == ActionStatus.TO_DO
    police = demo.organisations.get(name=POLICE)
    Participation.objects.create(incident=incident, organisation=police, contact=police.contacts.first())
    services.inform_partners(incident=incident, by=responder)
    inform.refresh_from_db()
    assert (inform.status, inform.completed_record) == (
        ActionStatus.DONE,
        reverse("incidents:partners", args=[incident.pk]),
    )
    council = demo.organisations.get(name=COUNCIL)
    services.assign_lead(incident=incident, organisation=council, officer=responder, by=responder)
    assert incident.actions.get(item__key="lead-identify-lead").status == ActionStatus.DONE
    communications_services.set_plan(
        incident=incident,
        by=responder,
        lead_organisation=police,
        main_channel="Police press office",
        update_every_days=0,
        updates_owner=None,
    )
    assert incident.actions.get(item__key="comms-lead-agency").status == ActionStatus.DONE


def test_an_action_done_by_a_record_then_reopened_or_done_by_hand_no_longer_links_to_the_record(
    demo, demo_users
):
    """The defect: an action the app marked done by a record (the categorisation), moved back to open by hand
    (on its page or in bulk), kept its "Done by the record" link, and kept it when marked done by hand
    after. Now the link goes whenever it leaves done, and a hand-made done links to no record; saved again
    while done, it keeps its link."""
    responder = demo_users["responder"]
    incident, action = demo_incident(demo, demo_users)
    answering(action, services.CompletingEvent.CATEGORISED, by=demo_users["coordinator"])
    incident.refresh_from_db()
    link = reverse("incidents:categorise", args=[incident.pk])

    def done_by_the_record():
        categorise(incident, responder)
        action.refresh_from_db()
        assert (action.status, action.completed_record) == (ActionStatus.DONE, link)

    done_by_the_record()
    mark_action(action, ActionStatus.DONE, by=responder, note="Checked")
    action.refresh_from_db()
    assert action.completed_record == link, "saved again while done, it keeps its link"
    mark_action(action, ActionStatus.TO_DO, by=responder, note="Not really done yet")
    action.refresh_from_db()
    assert (action.status, action.completed_record) == (ActionStatus.TO_DO, "")
    PlanAction.objects.filter(pk=action.pk).update(completed_record=link)  # as left before the fix
    action.refresh_from_db()
    mark_action(action, ActionStatus.DONE, by=responder)
    action.refresh_from_db()
    assert (action.status, action.completed_record) == (ActionStatus.DONE, ""), "done by hand, no record"
    mark_action(action, ActionStatus.TO_DO, by=responder)
    done_by_the_record()
    mark_action(action, ActionStatus.IN_PROGRESS, by=responder)
    action.refresh_from_db()
    PlanAction.objects.filter(pk=action.pk).update(completed_record=link)  # as left before the fix
    updated_together(incident, [action], by=responder, status=ActionStatus.DONE)
    action.refresh_from_db()
    assert (action.status, action.completed_record) == (ActionStatus.DONE, ""), "done in bulk, no record"


def test_a_lead_officer_belongs_to_the_lead_organisation(demo, demo_users):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder)
    police = demo.organisations.get(name=POLICE)
    with pytest.raises(DomainError) as refused:
        services.assign_lead(incident=incident, organisation=police, officer=responder, by=responder)
    assert refused.value.field == "officer"
    assert not incident.leads.exists()


def test_an_actions_owner_can_edit_it(demo, demo_users):
    responder = demo_users["responder"]
    incident, action = demo_incident(demo, demo_users)
    council = demo.organisations.get(name=COUNCIL)
    police = demo.organisations.get(name=POLICE)
    for owner_organisation, owner in [(council, demo_users["viewer"]), (council, demo_users["police"])]:
        with pytest.raises(DomainError) as refused:
            reassign(action, responder, owner_organisation, owner)
        assert refused.value.field == "owner"
    # The police partner may own the police's actions.
    assert reassign(action, responder, police, demo_users["police"]).owner == demo_users["police"]


def test_several_actions_are_completed_or_reassigned_at_once_with_one_note(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = reported_late(demo, responder)
    services.draw_plan(incident=incident, by=responder)
    police = demo.organisations.get(name=POLICE)
    services.add_participant(incident=incident, organisation=police, contact=None, by=responder)
    chosen = list(incident.actions.filter(status=ActionStatus.TO_DO).order_by("pk")[:3])
    updated_together(incident, chosen, by=responder, owner_organisation=police, note="Police lead these.")
    assert {a.owner_organisation for a in incident.actions.filter(pk__in=[a.pk for a in chosen])} == {police}
    updated_together(incident, chosen[:2], by=responder, status=ActionStatus.DONE)
    assert incident.actions.filter(pk__in=[a.pk for a in chosen], status=ActionStatus.DONE).count() == 2
    with pytest.raises(DomainError) as refused:
        updated_together(
            incident, chosen, by=responder, owner_organisation=police, owner=demo_users["viewer"]
        )
    assert refused.value.field == "owner"
    assert (
        "Police lead these." in incident.timeline.first().text
        or incident.timeline.filter(text__contains="Police lead these.").exists()
    )


def test_an_organisation_of_a_partnership_it_is_shared_with_owns_actions_on_it(demo, demo_users):
    """A cross-borough incident: the neighbouring borough's youth team, taking part, owns an action and its
    worker updates it, working in their own partnership."""
    incident, action = demo_incident(demo, demo_users)
    neighbour = MembershipFactory(role=Role.PARTNER)
    other, worker = neighbour.partnership, neighbour.user
    IncidentShare.objects.create(incident=incident, partnership=other)
    services.add_participant(
        incident=incident, organisation=neighbour.organisation, contact=None, by=demo_users["responder"]
    )
    services.update_action(
        action=action,
        by=demo_users["responder"],
        expected_revision=action.revision,
        status=ActionStatus.IN_PROGRESS,
        owner_organisation=neighbour.organisation,
        owner=worker,
        not_needed_reason="",
        note="Their youth team knows the family.",
    )
    action.refresh_from_db()
    assert (action.owner_organisation, action.owner) == (neighbour.organisation, worker)
    assert access.can_update_action(worker, other, action)


def test_a_stale_update_naming_an_organisation_that_stopped_taking_part_since_is_an_edit_conflict(
    demo, demo_users
):
    """The defect: a responder's update, read while the police owned the action, sent after a colleague gave
    it to another partner and the police stopped taking part, was refused as giving the action to an
    organisation not taking part (a mistake of theirs, on the field) before the revision was compared. The
    change since is answered first: the edit conflict, with the revision stored now."""
    incident, action = demo_incident(demo, demo_users)
    police = action.owner_organisation
    read_revision = action.revision
    other = incident.participations.exclude(organisation=police).first().organisation
    reassign(action, demo_users["coordinator"], other, None)
    services.stop_taking_part(
        participation=incident.participations.get(organisation=police), by=demo_users["coordinator"]
    )
    with pytest.raises(EditConflict) as refused:
        services.update_action(
            action=PlanAction.objects.get(pk=action.pk),
            by=demo_users["responder"],
            expected_revision=read_revision,
            status=ActionStatus.DONE,
            owner_organisation=police,
            owner=None,
            not_needed_reason="",
            note="",
        )
    assert refused.value.current_revision == read_revision + 1
    action.refresh_from_db()
    assert (action.status, action.owner_organisation) == (ActionStatus.TO_DO, other)


def test_a_partner_whose_organisation_is_not_taking_part_cannot_own_an_action_they_could_not_see(
    demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    hospital = demo.organisations.get(kind="health_hospital")
    nurse = MembershipFactory(partnership=demo, organisation=hospital, role=Role.PARTNER).user
    assert not access.visible_incidents(nurse, demo).filter(pk=incident.pk).exists()
    with pytest.raises(DomainError) as refused:
        updated_together(
            incident, [action], by=demo_users["responder"], owner_organisation=hospital, owner=nurse
        )
    # Their organisation not taking part is what refuses it, and what to do about it is said there.
    assert refused.value.field == "owner_organisation"
    assert "add it as a partner first" in refused.value.message
    action.refresh_from_db()
    assert action.owner is None


def test_an_action_is_not_given_to_an_organisation_not_taking_part_even_with_no_person_named(
    demo, demo_users
):
    """The defect: with no person named, an action could be given (by hand, on its page, in bulk) to an
    organisation not taking part in the incident, whose members could not see it and whose single point of
    contact would be chased about an incident it is not working on. Refused on the organisation, saying to
    add it as a partner first; once it takes part, it may own the action."""
    incident, action = demo_incident(demo, demo_users)
    hospital = demo.organisations.get(kind="health_hospital")
    responder = demo_users["responder"]
    refusal = f"{hospital} is not taking part in this incident, so cannot own its actions: add it as"
    gives = {
        "by hand": lambda: action_due(
            incident, responder, timezone.now() + timedelta(hours=6), "Visit the ward", hospital
        ),
        "on its page": lambda: services.update_action(
            action=action,
            by=responder,
            expected_revision=action.revision,
            status=action.status,
            owner_organisation=hospital,
            owner=None,
            not_needed_reason="",
            note="",
        ),
        "in bulk": lambda: updated_together(incident, [action], by=responder, owner_organisation=hospital),
    }
    for how, give in gives.items():
        with pytest.raises(DomainError) as refused:
            give()
        assert refused.value.field == "owner_organisation" and refusal in refused.value.message, how
    action.refresh_from_db()
    assert action.owner_organisation != hospital and not incident.actions.filter(title="Visit the ward")
    services.add_participant(incident=incident, organisation=hospital, contact=None, by=responder)
    assert updated_together(incident, [action], by=responder, owner_organisation=hospital) == 1
