import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents import selectors, services
from svtoolkit.incidents.categorisation import factor_choices, suggest
from svtoolkit.incidents.models import (
    ActionStatus,
    Decision,
    Incident,
    IncidentStatus,
    Participation,
    TimelineKind,
)
from svtoolkit.messaging.delivery import deliver_due
from svtoolkit.partnerships.models import Contact
from svtoolkit.playbooks import services as playbook_services
from tests.factories import HospitalStayFactory, SafeguardingReferralFactory
from tests.incidents.builders import (
    SHARE_BASIS,
    action_due,
    answering,
    categorise,
    correct_record,
    demo_incident,
    mark_action,
    moved_to,
    police_declared,
    recorded_incident,
    updated_together,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(demo, demo_users):
    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


def test_references_count_up_within_partnership_and_year(demo, demo_users, incident):
    second, _ = demo_incident(demo, demo_users)
    year = timezone.localtime(incident.occurred_at).year
    assert incident.reference == f"NB-{year}-0001"
    assert second.reference == f"NB-{year}-0002"


def test_told_before_it_happened_is_refused(demo, demo_users):
    with pytest.raises(DomainError):
        services.record_incident(
            partnership=demo,
            by=demo_users["responder"],
            title="X",
            incident_types=["knife"],
            occurred_at=timezone.now(),
            notified_at=timezone.now() - timedelta(hours=1),
            notification_source="police",
            notified_by="",
            summary="X",
            scenes=[],
        )


def refusal(check, **values) -> tuple[str, str]:
    with pytest.raises(DomainError) as refused:
        check(**values)
    return refused.value.field, refused.value.message


def test_each_time_of_an_incident_is_in_the_past_and_not_before_it_happened():
    happened = timezone.now() - timedelta(hours=2)
    earlier, later = happened - timedelta(minutes=1), happened + timedelta(hours=1)
    ahead = timezone.now() + timedelta(hours=1)
    assert refusal(services.check_incident_times, occurred_at=ahead, notified_at=ahead) == (
        "occurred_at",
        "When it happened must be in the past: check the date, and the time of day (24-hour clock).",
    )
    assert refusal(services.check_incident_times, occurred_at=happened, notified_at=ahead) == (
        "notified_at",
        "When the partnership was told must be in the past: check the date and the time.",
    )
    assert refusal(services.check_incident_times, occurred_at=happened, notified_at=earlier) == (
        "notified_at",
        "The partnership cannot have been told before the incident happened.",
    )
    services.check_incident_times(occurred_at=happened, notified_at=later)
    told = {"occurred_at": happened, "field": "referred_at", "what": "The time of the referral"}
    assert refusal(services.check_time_told, at=ahead, **told) == (
        "referred_at",
        "The time of the referral cannot be in the future: check the date and the time.",
    )
    assert refusal(services.check_time_told, at=earlier, **told) == (
        "referred_at",
        "The time of the referral cannot be before the incident happened.",
    )
    services.check_time_told(at=None, **told)
    services.check_time_told(at=timezone.now() + timedelta(minutes=2), **told)  # a clock a little fast


def test_a_date_is_not_before_the_day_the_incident_happened():
    happened = timezone.now() - timedelta(days=3)
    day = timezone.localdate(happened)
    rule = {"occurred_at": happened, "field": "expected_discharge_on", "message": "Not before it."}
    services.check_not_before_incident(at=day, **rule)
    assert refusal(services.check_not_before_incident, at=day - timedelta(days=1), **rule) == (
        "expected_discharge_on",
        "Not before it.",
    )


def test_suggestion_follows_the_factors():
    assert suggest(set()) == suggest({"unknown"})
    assert not suggest({"media_attention"}).serious_violence
    assert suggest({"young_person"}).serious_violence and not suggest({"young_person"}).meeting
    death = suggest({"death_or_life_changing"})
    assert death.serious_violence and death.meeting and not death.cross_borough
    assert suggest({"other_borough"}).cross_borough


def test_a_life_threatening_injury_is_a_factor_weighed_like_a_death():
    assert "life_threatening_injury" in {code for code, _, _ in factor_choices()}
    critical = suggest({"life_threatening_injury"})
    assert critical.serious_violence and critical.meeting


def test_every_categorisation_is_kept_and_the_latest_is_current(incident, demo_users):
    first = categorise(incident, demo_users["responder"], serious_violence=False)
    second = categorise(incident, demo_users["coordinator"], factors=["death_or_life_changing"])
    assert selectors.current_categorisation(incident) == second
    assert incident.categorisations.count() == 2
    assert second.suggested_serious_violence and not first.suggested_serious_violence
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ASSESSING


def test_plan_draws_applicable_items_and_recategorising_only_adds(incident, checklist, demo_users):
    responder = demo_users["responder"]
    categorise(incident, responder, factors=[])
    drawn = services.draw_plan(incident=incident, by=responder)
    items = {a.item.key: a for a in incident.actions.exclude(item=None).select_related("item")}
    assert drawn == len(items) > 20
    assert all(not a.item.incident_types or "knife" in a.item.incident_types for a in items.values())
    assert not any("young_person" in a.item.categories for a in items.values())
    some = next(iter(items.values()))
    hours = checklist.vocabularies["timings"][some.item.timing]["hours"]
    assert some.due_at == incident.notified_at + timedelta(hours=hours)

    done = incident.actions.first()
    services.update_action(
        action=done,
        by=responder,
        expected_revision=done.revision,
        status=ActionStatus.DONE,
        owner_organisation=None,
        owner=None,
        not_needed_reason="",
        note="",
    )
    categorise(incident, responder, factors=["young_person"], meeting=True)
    after = set(incident.actions.exclude(item=None).values_list("item__key", flat=True))
    assert set(items) < after
    assert any(
        "young_person" in c
        for c in incident.actions.exclude(item=None).values_list("item__categories", flat=True)
    )
    done.refresh_from_db()
    assert done.status == ActionStatus.DONE  # nothing dropped or reset
    assert incident.timeline.filter(text__contains="after re-categorisation").exists()
    incident.refresh_from_db()
    assert incident.playbook_version == checklist


def test_plan_needs_a_published_checklist(incident, demo_users):
    with pytest.raises(DomainError, match="Publish"):
        services.draw_plan(incident=incident, by=demo_users["responder"])


def test_informing_partners_emails_a_single_use_acknowledgement(
    incident, demo, demo_users, django_capture_on_commit_callbacks
):
    police = incident.participations.get(organisation__kind="police")
    contact = Contact.objects.create(
        organisation=police.organisation, name="Insp. Ray", email="ray@police.example.org"
    )
    services.add_participant(
        incident=incident, organisation=police.organisation, contact=contact, by=demo_users["responder"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        informed = services.inform_partners(incident=incident, by=demo_users["responder"])
    assert [p.organisation for p in informed] == [police.organisation]
    assert mail.outbox[0].to == ["ray@police.example.org"]
    assert "16-year-old" not in mail.outbox[0].body  # no personal details in email
    token = re.search(r"/incidents/acknowledge/(\S+)/", mail.outbox[0].body).group(1)
    participation = selectors.participation_by_token(token)
    services.acknowledge(participation=participation, by_label="ray@police.example.org")
    participation.refresh_from_db()
    assert participation.acknowledged_at is not None
    assert services.inform_partners(incident=incident, by=demo_users["responder"]) == []  # told once


def test_two_acknowledgements_of_one_notice_at_once_record_the_first_once(incident, demo_users):
    police = incident.participations.get(organisation__kind="police")
    # Two taps on the link: both requests read the participation before either writes it.
    first_tap = Participation.objects.get(pk=police.pk)
    second_tap = Participation.objects.get(pk=police.pk)
    services.acknowledge(participation=first_tap, by_label="ray@police.example.org")
    answer = services.acknowledge(participation=second_tap, by_label="sam@police.example.org")
    police.refresh_from_db()
    assert police.acknowledged_by == "ray@police.example.org"
    assert police.acknowledged_at == first_tap.acknowledged_at
    assert (answer.acknowledged_by, answer.acknowledged_at) == (
        "ray@police.example.org",
        first_tap.acknowledged_at,
    )
    assert incident.timeline.filter(text__contains="acknowledged (").count() == 1
    assert (
        AuditEntry.objects.filter(
            target_type="incidents.Participation", target_id=str(police.pk), detail__acknowledged=True
        ).count()
        == 1
    )


def test_not_needed_needs_a_reason_and_edits_never_collide(incident, demo_users):
    action = incident.actions.get()
    with pytest.raises(DomainError, match="why"):
        services.update_action(
            action=action,
            by=demo_users["police"],
            expected_revision=action.revision,
            status=ActionStatus.NOT_NEEDED,
            owner_organisation=None,
            owner=None,
            not_needed_reason=" ",
            note="",
        )
    opened = action.revision
    services.update_action(
        action=action,
        by=demo_users["police"],
        expected_revision=opened,
        status=ActionStatus.IN_PROGRESS,
        owner_organisation=action.owner_organisation,
        owner=None,
        not_needed_reason="",
        note="Footage requested",
    )
    with pytest.raises(EditConflict):
        services.update_action(
            action=action,
            by=demo_users["responder"],
            expected_revision=opened,
            status=ActionStatus.DONE,
            owner_organisation=action.owner_organisation,
            owner=None,
            not_needed_reason="",
            note="",
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert (
        action.timeline_entries.filter(kind=TimelineKind.UPDATE, text__contains="Footage requested").count()
        == 1
    )


def test_decisions_are_superseded_never_edited(incident, demo_users):
    first = services.record_decision(
        incident=incident, by=demo_users["responder"], what="Hold a gold group at 18:00", why="Tension"
    )
    second = services.record_decision(
        incident=incident,
        by=demo_users["responder"],
        what="Move it to 17:00",
        why="Vigil planned",
        supersedes=first,
    )
    with pytest.raises(DomainError):
        services.record_decision(
            incident=incident, by=demo_users["responder"], what="X", why="Y", supersedes=first
        )
    first.refresh_from_db()
    assert first.what == "Hold a gold group at 18:00" and first.superseded_by == second
    assert incident.timeline.filter(kind=TimelineKind.DECISION).count() == 2


def test_a_decision_a_colleague_superseded_since_the_page_was_opened_is_not_superseded_twice(
    incident, demo_users
):
    first = services.record_decision(
        incident=incident, by=demo_users["responder"], what="Hold a gold group at 18:00", why="Tension"
    )
    as_opened = Decision.objects.get(pk=first.pk)
    colleagues = services.record_decision(
        incident=incident, by=demo_users["police"], what="Move it to 17:00", why="Vigil", supersedes=first
    )
    again = {"what": "Move it to 19:00", "why": "", "supersedes": as_opened}
    with pytest.raises(DomainError, match="already been superseded.*Move it to 17:00") as refused:
        services.record_decision(incident=incident, by=demo_users["responder"], **again)
    assert refused.value.field == "supersedes"
    assert list(Decision.objects.filter(supersedes=first)) == [colleagues]
    assert incident.timeline.filter(kind=TimelineKind.DECISION).count() == 2


def test_lead_handover_keeps_history(incident, demo, demo_users):
    council = demo.organisations.get(kind="council")
    police = demo.organisations.get(kind="police")
    services.assign_lead(
        incident=incident, organisation=council, officer=demo_users["responder"], by=demo_users["responder"]
    )
    services.assign_lead(
        incident=incident,
        organisation=police,
        officer=demo_users["police"],
        by=demo_users["coordinator"],
        handover_note="Police lead while the investigation is live",
    )
    assert [lead.organisation for lead in incident.leads.all()] == [police, council]


def test_partner_sees_only_incidents_their_organisation_takes_part_in(incident, demo, demo_users):
    assert list(access.visible_incidents(demo_users["police"], demo)) == [incident]
    assert list(access.visible_incidents(demo_users["health"], demo)) == []
    assert list(access.visible_incidents(demo_users["viewer"], demo)) == [incident]


def test_sharing_across_boroughs(incident, demo_users, other_partnership):
    partnership, foreign_coordinator = other_partnership
    assert list(access.visible_incidents(foreign_coordinator.user, partnership)) == []
    services.share_incident(
        incident=incident, partnership=partnership, by=demo_users["coordinator"], **SHARE_BASIS
    )
    assert list(access.visible_incidents(foreign_coordinator.user, partnership)) == [incident]


def test_status_moves_along_the_lifecycle(incident, demo_users):
    with pytest.raises(DomainError):
        moved_to(incident, IncidentStatus.RECOVERY, by=demo_users["responder"])
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=demo_users["responder"])
    assert incident.status == IncidentStatus.RECOVERY


def responding_from_a_page_opened_at_reported(incident, *, by):
    """``by`` moves ``incident`` to responding on its status page, opened while it was reported."""
    return services.change_status(
        incident=incident, by=by, status=IncidentStatus.RESPONDING, status_seen=IncidentStatus.REPORTED
    )


def test_a_status_chosen_on_a_page_opened_before_a_colleague_moved_it_twice_is_refused_and_changes_nothing(
    incident, demo_users
):
    """The page was opened at reported; a colleague moved the incident to responding, then to recovery.
    Responding, allowed from recovery, chosen on that page would undo their move unseen."""
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=demo_users["coordinator"])
    entries = incident.timeline.count()
    with pytest.raises(EditConflict, match="it is now recovery, not reported"):
        responding_from_a_page_opened_at_reported(incident, by=demo_users["responder"])
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RECOVERY
    assert incident.timeline.count() == entries


def test_the_status_change_a_colleague_made_meanwhile_is_not_made_twice_nor_refused(incident, demo_users):
    moved_to(incident, IncidentStatus.RESPONDING, by=demo_users["coordinator"])
    responding_from_a_page_opened_at_reported(incident, by=demo_users["responder"])
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESPONDING
    assert incident.timeline.filter(text__startswith="Status:").count() == 1


def test_owners_of_overdue_actions_are_reminded_once_a_day(incident, demo, demo_users):
    from svtoolkit.incidents.tasks import send_overdue_reminders
    from svtoolkit.partnerships.models import Contact, IncidentRole

    police = incident.participations.get(organisation__kind="police").organisation
    Contact.objects.create(
        organisation=police,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    overdue_for_spoc = incident.actions.get()
    overdue_for_spoc.due_at = timezone.now() - timedelta(hours=1)
    overdue_for_spoc.save()
    services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Door-knock Eastgate Road",
        guidance="",
        owner_organisation=None,
        owner=demo_users["responder"],
        due_at=timezone.now() - timedelta(minutes=5),
    )
    services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Not due yet",
        guidance="",
        owner_organisation=None,
        owner=demo_users["responder"],
        due_at=timezone.now() + timedelta(hours=5),
    )
    assert send_overdue_reminders.enqueue().return_value == 2
    deliver_due()
    sent = {message.to[0]: message.body for message in mail.outbox}
    assert "Review CCTV of the bus stop" in sent["ray@police.example.org"]
    assert "Door-knock Eastgate Road" in sent["responder@example.org"]
    assert "Not due yet" not in sent["responder@example.org"]
    assert send_overdue_reminders.enqueue().return_value == 0  # not again within the day


def test_an_event_leaves_an_action_already_not_needed_as_it_is(incident, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    action = incident.actions.get()
    answering(action, services.CompletingEvent.MEETING_HELD, by=coordinator)
    mark_action(action, ActionStatus.NOT_NEEDED, by=responder, not_needed_reason="The family declined.")

    completed = services.record_event(
        incident=incident, event=services.CompletingEvent.MEETING_HELD, by=coordinator, link="/meetings/"
    )

    assert completed == 0
    action.refresh_from_db()
    assert (action.status, action.not_needed_reason, action.completed_record) == (
        ActionStatus.NOT_NEEDED,
        "The family declined.",
        "",
    )


def test_done_keeps_the_time_it_was_first_done(incident, demo_users):
    action = incident.actions.get()
    fields = {"owner_organisation": action.owner_organisation, "owner": None, "not_needed_reason": ""}
    services.update_action(
        action=action,
        by=demo_users["police"],
        expected_revision=action.revision,
        status=ActionStatus.DONE,
        note="",
        **fields,
    )
    first_done = action.completed_at
    services.update_action(
        action=action,
        by=demo_users["police"],
        expected_revision=action.revision,
        status=ActionStatus.DONE,
        note="Footage handed to the investigation team",
        **fields,
    )
    assert action.completed_at == first_done
    services.update_action(
        action=action,
        by=demo_users["police"],
        expected_revision=action.revision,
        status=ActionStatus.IN_PROGRESS,
        note="",
        **fields,
    )
    assert action.completed_at is None


def test_categorising_from_a_page_opened_before_the_status_moved_on_never_moves_it_back(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.REPORTED)
    opened_before = Incident.objects.get(pk=incident.pk)
    moved_to(incident, IncidentStatus.RESPONDING, by=demo_users["responder"])
    categorise(opened_before, demo_users["responder"], serious_violence=True)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESPONDING


def test_an_action_due_before_the_incident_happened_is_refused_and_not_added(incident, demo_users):
    with pytest.raises(DomainError) as refused:
        action_due(incident, demo_users["responder"], incident.occurred_at - timedelta(days=1), "Door-knock")
    assert refused.value.field == "due_at"
    assert not incident.actions.filter(title="Door-knock").exists()


def test_an_action_set_aside_since_the_plan_was_opened_is_left_as_it_is_by_a_bulk_update(
    incident, demo_users
):
    """One person marks an action not needed while another, whose plan page still lists it open, marks it and
    others in progress: the first one's decision and its reason stand."""
    responder = demo_users["responder"]
    still_open = action_due(incident, responder, timezone.now() + timedelta(hours=2))
    listed = list(incident.actions.order_by("pk"))
    as_listed = {action.pk: action.revision for action in listed}
    set_aside = mark_action(listed[0], ActionStatus.NOT_NEEDED, by=responder, not_needed_reason="Duplicate")
    updated = services.update_actions(
        incident=incident, actions=listed, by=responder, status="in_progress", expected_revisions=as_listed
    )
    assert updated == 1
    set_aside.refresh_from_db()
    still_open.refresh_from_db()
    assert (set_aside.status, set_aside.not_needed_reason) == (ActionStatus.NOT_NEEDED, "Duplicate")
    assert still_open.status == ActionStatus.IN_PROGRESS


def test_a_bulk_update_from_a_plan_opened_before_a_colleague_changed_one_of_its_actions_changes_nothing(
    incident, demo_users
):
    """The plan was opened; the police then marked their action in progress; the bulk update sent from the
    plan as opened would put it back to do, unseen: refused, naming it, and no action changes."""
    responder = demo_users["responder"]
    action_due(incident, responder, timezone.now() + timedelta(hours=2))
    listed = list(incident.actions.order_by("pk"))
    as_listed = {action.pk: action.revision for action in listed}
    started = mark_action(
        listed[0], ActionStatus.IN_PROGRESS, by=demo_users["police"], note="Footage requested."
    )
    entries = incident.timeline.count()
    with pytest.raises(EditConflict, match=f"“{started.title}”"):
        services.update_actions(
            incident=incident,
            actions=listed,
            by=responder,
            status=ActionStatus.TO_DO,
            owner_organisation=started.owner_organisation,
            expected_revisions=as_listed,
        )
    assert [(a.status, a.owner_organisation) for a in incident.actions.order_by("pk")] == [
        (ActionStatus.IN_PROGRESS, started.owner_organisation),
        (ActionStatus.TO_DO, None),
    ]
    assert incident.timeline.count() == entries


def test_a_partners_new_contact_is_told_and_the_link_sent_to_the_one_before_no_longer_acknowledges(
    incident, demo_users, django_capture_on_commit_callbacks
):
    """Ray left the police before acknowledging; Sam is their contact now: Ray's link no longer speaks for
    the police, and informing partners sends Sam a notice of their own."""
    responder = demo_users["responder"]
    police = incident.participations.get(organisation__kind="police").organisation
    ray, sam = (
        Contact.objects.create(organisation=police, name=name, email=f"{name.lower()}@police.example.org")
        for name in ("Ray", "Sam")
    )
    services.add_participant(incident=incident, organisation=police, contact=ray, by=responder)
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=responder)
    rays_link = re.search(r"/incidents/acknowledge/(\S+)/", mail.outbox[0].body).group(1)
    services.add_participant(incident=incident, organisation=police, contact=sam, by=responder)
    assert selectors.participation_by_token(rays_link) is None
    with django_capture_on_commit_callbacks(execute=True):
        informed = services.inform_partners(incident=incident, by=responder)
    assert [p.organisation for p in informed] == [police]
    assert mail.outbox[-1].to == ["sam@police.example.org"]


def test_a_partners_contact_chosen_by_someone_else_meanwhile_is_not_replaced_unseen(incident, demo_users):
    """Two people choose the police's contact at once, both on a page showing none: the second is told whom
    the first chose, and nothing changes."""
    responder = demo_users["responder"]
    police = incident.participations.get(organisation__kind="police").organisation
    ray, sam = (
        Contact.objects.create(organisation=police, name=name, email=f"{name.lower()}@police.example.org")
        for name in ("Ray", "Sam")
    )
    services.add_participant(
        incident=incident, organisation=police, contact=ray, by=responder, contact_seen=0
    )
    entries = incident.timeline.count()
    with pytest.raises(EditConflict, match="it is now Ray"):
        services.add_participant(
            incident=incident, organisation=police, contact=sam, by=responder, contact_seen=0
        )
    assert incident.participations.get(organisation=police).contact == ray
    assert incident.timeline.count() == entries


def closed_after_opened(demo, by):
    """An incident as a page opened it (open), closed by a colleague since."""
    incident = recorded_incident(demo, by)
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=by)
    as_opened = Incident.objects.get(pk=incident.pk)
    services.close(incident=incident, by=by)
    return as_opened


def test_an_incident_closed_while_someone_was_categorising_it_is_not_categorised(demo, demo_users):
    as_opened = closed_after_opened(demo, demo_users["responder"])
    with pytest.raises(DomainError, match="closed"):
        categorise(as_opened, demo_users["responder"])
    assert not as_opened.categorisations.exists()


def test_a_plan_is_not_drawn_for_an_incident_closed_since_its_page_was_opened(demo, demo_users, checklist):
    as_opened = closed_after_opened(demo, demo_users["responder"])
    with pytest.raises(DomainError, match="closed"):
        services.draw_plan(incident=as_opened, by=demo_users["responder"])
    assert not as_opened.actions.exists()


def _changes_once_closed(demo, by, as_opened):
    """Each change refused for an incident closed since its page was opened: its service's arguments (beside
    the incident and who makes it), and the incident's records it would add to."""
    due = timezone.now() + timedelta(days=1)
    council = demo.organisations.get(kind="council")
    return {
        "add_action": (
            dict(title="Visit", guidance="", owner_organisation=None, owner=None, due_at=due),
            "actions",
        ),
        "add_scene": (
            dict(description="Car park", area="Northbridge", latitude=None, longitude=None),
            "scenes",
        ),
        "record_police_declaration": (
            dict(
                critical_incident=True, tier="gold_group", declared_by="Supt Hale", declared_at=timezone.now()
            ),
            "police_declarations",
        ),
        "record_decision": (dict(what="Hold a gold group at 18:00", why="Tension"), "decisions"),
        "assign_lead": (dict(organisation=council, officer=by), "leads"),
        "add_update": (dict(text="Family visited"), "timeline"),
        "review_plan": (dict(changes="Patrols kept up another week"), "plan_reviews"),
        "add_participant": (
            dict(organisation=demo.organisations.get(kind="police"), contact=None),
            "participations",
        ),
        "share_incident": (SHARE_BASIS, "shares"),
        "edit_record": (
            dict(
                expected_revision=as_opened.revision,
                title="Stabbing at the bus stop",
                incident_types=as_opened.incident_types,
                occurred_at=as_opened.occurred_at,
                notified_at=as_opened.notified_at,
                summary=as_opened.summary,
            ),
            "timeline",
        ),
    }


@pytest.mark.parametrize(
    "change",
    [
        "add_action",
        "add_scene",
        "record_police_declaration",
        "record_decision",
        "assign_lead",
        "add_update",
        "review_plan",
        "add_participant",
        "share_incident",
        "edit_record",
    ],
)
def test_a_change_to_an_incident_closed_since_its_page_was_opened_is_refused_and_not_made(
    change, demo, demo_users, request
):
    """An action, scene, police declaration, decision, lead, update, plan review, partner, share with another
    partnership or correction of the record, saved from a page opened while the incident was open, is refused
    once a colleague has closed it, as categorising is."""
    responder = demo_users["responder"]
    as_opened = closed_after_opened(demo, responder)
    arguments, records = _changes_once_closed(demo, responder, as_opened)[change]
    if change == "share_incident":
        arguments = {**arguments, "partnership": request.getfixturevalue("other_partnership")[0]}
    before, entries = getattr(as_opened, records).count(), as_opened.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        getattr(services, change)(incident=as_opened, by=responder, **arguments)
    assert getattr(as_opened, records).count() == before
    assert as_opened.timeline.count() == entries


def test_partners_of_an_incident_closed_since_its_page_was_opened_are_not_told(
    demo, demo_users, django_capture_on_commit_callbacks
):
    """Inform partners, clicked on a page opened while the incident was open, tells no partner once a
    colleague has closed it."""
    responder = demo_users["responder"]
    police = demo.organisations.get(kind="police")
    ray = Contact.objects.create(organisation=police, name="Ray", email="ray@police.example.org")
    as_opened = closed_after_opened(demo, responder)
    Participation.objects.create(incident=as_opened, organisation=police, contact=ray, added_by=responder)
    entries = as_opened.timeline.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError, match="closed meanwhile"),
    ):
        services.inform_partners(incident=as_opened, by=responder)
    assert not mail.outbox
    assert not as_opened.participations.filter(informed_at__isnull=False).exists()
    assert as_opened.timeline.count() == entries


@pytest.mark.parametrize(
    "change", [{"status": ActionStatus.TO_DO}, {"status": ActionStatus.DONE, "note": "Family thanked us"}]
)
def test_an_action_of_an_incident_closed_since_its_page_was_opened_is_left_as_it_was_closed(
    change, demo, demo_users
):
    """An action done, opened again or given a note from a page opened while the incident was open, one by one
    or several at once, is left as it was once a colleague has closed the incident."""
    responder = demo_users["responder"]
    incident = recorded_incident(demo, responder)
    visit = action_due(incident, responder, timezone.now() + timedelta(days=1))
    mark_action(visit, ActionStatus.DONE, by=responder)
    visit.refresh_from_db()
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=responder)
    services.close(incident=incident, by=responder)
    entries = incident.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        mark_action(visit, change["status"], by=responder, note=change.get("note", ""))
    with pytest.raises(DomainError, match="closed meanwhile"):
        updated_together(incident, [visit], by=responder, status=ActionStatus.TO_DO)
    visit.refresh_from_db()
    assert (visit.status, visit.revision) == (ActionStatus.DONE, 2)
    assert incident.timeline.count() == entries


# Five in the afternoon on 3 March 2026.
AFTERNOON = datetime(2026, 3, 3, 17, 0, tzinfo=ZoneInfo("Europe/London"))


def _told_late(demo, by):
    """An incident that happened at 14:00, the partnership told of it at 16:55."""
    return recorded_incident(
        demo, by, occurred_at=AFTERNOON - timedelta(hours=3), notified_at=AFTERNOON - timedelta(minutes=5)
    )


def test_an_incident_cannot_be_moved_to_after_what_was_done_about_it_and_is_left_as_it_was(
    demo, demo_users, time_machine
):
    time_machine.move_to(AFTERNOON, tick=False)
    responder = demo_users["responder"]
    incident = _told_late(demo, responder)
    police_declared(incident, responder, AFTERNOON - timedelta(minutes=55))
    action_due(incident, responder, AFTERNOON - timedelta(minutes=50))
    with pytest.raises(DomainError) as refused:
        correct_record(incident, responder, occurred_at=AFTERNOON - timedelta(minutes=30))
    assert refused.value.field == "occurred_at"
    assert str(refused.value).startswith(
        "The police declaration was made at 16:05 on 3 Mar 2026, before this time."
    )
    incident.refresh_from_db()
    assert incident.occurred_at == AFTERNOON - timedelta(hours=3)
    assert not incident.timeline.filter(text="The incident's record was corrected.").exists()


def test_the_earliest_thing_done_after_the_corrected_time_is_named(demo, demo_users, time_machine):
    time_machine.move_to(AFTERNOON, tick=False)
    responder = demo_users["responder"]
    incident = _told_late(demo, responder)
    action_due(incident, responder, AFTERNOON - timedelta(minutes=50))
    police_declared(incident, responder, AFTERNOON - timedelta(minutes=40))
    with pytest.raises(
        DomainError, match=r"^An action added by hand is due at 16:10 on 3 Mar 2026, before this time\."
    ):
        correct_record(incident, responder, occurred_at=AFTERNOON - timedelta(minutes=30))
    # Up to the earliest, the correction stands; earlier, always.
    correct_record(incident, responder, occurred_at=AFTERNOON - timedelta(minutes=50))
    correct_record(incident, responder, occurred_at=AFTERNOON - timedelta(hours=5))
    incident.refresh_from_db()
    assert incident.occurred_at == AFTERNOON - timedelta(hours=5)


@pytest.mark.parametrize(
    "recorded",
    [
        lambda incident: HospitalStayFactory(
            patient__incident=incident, expected_discharge_on=AFTERNOON.date() - timedelta(days=1)
        ),
        lambda incident: HospitalStayFactory(
            patient__incident=incident, violence_reduction_team_informed_at=AFTERNOON - timedelta(hours=28)
        ),
        lambda incident: SafeguardingReferralFactory(
            person__incident=incident, referred_at=AFTERNOON - timedelta(hours=28)
        ),
    ],
    ids=["expected discharge", "violence-reduction team told", "safeguarding referral"],
)
def test_a_correction_refused_for_a_record_about_someone_affected_does_not_give_its_date(
    recorded, demo, demo_users, time_machine
):
    """Whoever may correct the incident may not be on the person's need-to-know list: the refusal says what
    kind of record stands in the way, not its date (health and safeguarding details of one person)."""
    time_machine.move_to(AFTERNOON, tick=False)
    responder = demo_users["responder"]
    incident = recorded_incident(
        demo,
        responder,
        occurred_at=AFTERNOON - timedelta(days=3),
        notified_at=AFTERNOON - timedelta(minutes=5),
    )
    recorded(incident)
    with pytest.raises(DomainError) as refused:
        correct_record(incident, responder, occurred_at=AFTERNOON - timedelta(hours=1))
    assert refused.value.field == "occurred_at"
    assert str(refused.value).startswith("A record about someone affected (a hospital stay or a safeguarding")
    assert "2 Mar" not in str(refused.value)
    assert not re.search(r"\d{2}:\d{2}", str(refused.value))
    incident.refresh_from_db()
    assert incident.occurred_at == AFTERNOON - timedelta(days=3)


def _police_told_through_ray(incident, demo_users, django_capture_on_commit_callbacks):
    """The police take part with Ray as their contact, and Ray has been sent the notice: the police, Ray,
    and the link in Ray's email."""
    responder = demo_users["responder"]
    police = incident.participations.get(organisation__kind="police").organisation
    ray = Contact.objects.create(organisation=police, name="Ray", email="ray@police.example.org")
    services.add_participant(incident=incident, organisation=police, contact=ray, by=responder)
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=responder)
    return police, ray, re.search(r"/incidents/acknowledge/\S+/", mail.outbox[0].body).group(0)


def test_a_link_sent_to_a_contact_taken_out_of_the_directory_no_longer_acknowledges_for_the_partner(
    incident, demo_users, client, django_capture_on_commit_callbacks
):
    """Ray left the police before acknowledging and was taken out of the directory: Ray's link no longer
    speaks for the police, and the police show as not told, so the coordinator is asked for a new contact."""
    from svtoolkit.partnerships.services import deactivate_contact

    police, ray, rays_link = _police_told_through_ray(
        incident, demo_users, django_capture_on_commit_callbacks
    )

    deactivate_contact(contact=ray, expected_revision=ray.revision, by=demo_users["coordinator"])
    response = client.post(rays_link)
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()
    participation = incident.participations.get(organisation=police)
    assert (participation.acknowledged_at, participation.informed_at) == (None, None)
    assert incident.timeline.filter(text__startswith="Ray was taken out of the directory").exists()


@pytest.mark.parametrize("changed_email", [True, False])
def test_a_link_sent_to_a_contacts_old_email_address_no_longer_acknowledges_for_the_partner(
    incident, demo_users, client, django_capture_on_commit_callbacks, changed_email
):
    """The defect: Ray's address in the directory was corrected to Sam's after the notice went to Ray, and
    whoever read Ray's mailbox could still acknowledge for the police, recorded as by Sam's address; the
    police were never told at the new one. Now the old link stops, and the police show as not told, so
    informing partners tells them at the new address. A change that leaves the address keeps the link."""
    from svtoolkit.partnerships.services import update_contact

    police, ray, rays_link = _police_told_through_ray(
        incident, demo_users, django_capture_on_commit_callbacks
    )

    details = {"name": "Sam", "email": "sam@police.example.org" if changed_email else ray.email}
    update_contact(contact=ray, expected_revision=ray.revision, details=details, by=demo_users["coordinator"])
    response = client.post(rays_link)

    participation = incident.participations.get(organisation=police)
    if not changed_email:
        assert response.status_code == 200 and participation.acknowledged_at is not None
        return
    assert response.status_code == 404
    assert (participation.acknowledged_at, participation.informed_at) == (None, None)
    assert incident.timeline.filter(
        text="Sam's email address was changed, so the link sent to the old address no longer acknowledges "
        f"for {police}: inform partners to tell them at the new one."
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=demo_users["responder"])
    assert mail.outbox[-1].to == ["sam@police.example.org"]
