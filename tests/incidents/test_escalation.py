"""Escalation of overdue actions: the owner, the single point of contact, then the lead, each once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import escalation, services
from svtoolkit.incidents.models import ActionStatus, EscalationStep, Incident, PlanAction
from svtoolkit.incidents.tasks import escalate_overdue_actions, send_overdue_reminders
from svtoolkit.messaging import delivery
from svtoolkit.messaging.models import Notification
from svtoolkit.partnerships.models import Contact, IncidentRole
from svtoolkit.playbooks import services as playbook_services
from tests.incidents.builders import (
    SHARE_BASIS,
    correct_record,
    demo_incident,
    left_the_partnership,
    recorded_incident,
)
from tests.page_forms import form_on, refused_without_revision, saved_from_two_pages

pytestmark = pytest.mark.django_db

DUE = timezone.make_aware(timezone.datetime(2026, 12, 5, 18, 0))


def at(hours: float):
    """The clock stopped this many hours after the action fell due."""
    return time_machine.travel(DUE + timedelta(hours=hours), tick=False)


def overdue_action(demo, demo_users, *, owner="responder", organisation=True, lead="coordinator"):
    """An action of the demo incident due at DUE, owned as asked; its police owner has a single point of
    contact in the demo directory."""
    with time_machine.travel(DUE - timedelta(hours=6), tick=False):
        incident, action = demo_incident(demo, demo_users)
        if lead:
            services.assign_lead(
                incident=incident,
                organisation=demo.organisations.get(kind="council"),
                officer=demo_users[lead],
                by=demo_users["responder"],
            )
    PlanAction.objects.filter(pk=action.pk).update(
        due_at=DUE,
        owner=demo_users[owner] if owner else None,
        owner_organisation=action.owner_organisation if organisation else None,
    )
    action.refresh_from_db()
    return action


def police_spoc(demo):
    return Contact.objects.get(
        organisation__partnership=demo,
        organisation__kind="police",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )


def told(action) -> list[list[str]]:
    """The addresses each escalation message of the action went to, oldest first."""
    messages = Notification.objects.filter(kind="overdue_escalation", incident=action.incident).order_by("pk")
    return [sorted(m.deliveries.values_list("address", flat=True)) for m in messages]


def test_each_step_is_taken_at_its_time_and_once(demo, demo_users, mailoutbox):
    action = overdue_action(demo, demo_users)
    spoc = police_spoc(demo)
    with at(-0.1):
        assert escalation.escalate_overdue_actions() == 0, "not overdue yet"
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
        assert escalation.escalate_overdue_actions() == 0
    assert told(action) == [["responder@example.org"]]
    with at(3.9):
        assert escalation.escalate_overdue_actions() == 0
    with at(4.01):
        assert escalation.escalate_overdue_actions() == 1
        assert escalation.escalate_overdue_actions() == 0
    assert told(action)[1] == [spoc.email]
    with at(23.9):
        assert escalation.escalate_overdue_actions() == 0
    with at(24.01):
        assert escalation.escalate_overdue_actions() == 1
    with at(72):
        assert escalation.escalate_overdue_actions() == 0
    assert told(action) == [["responder@example.org"], [spoc.email], ["coordinator@example.org"]]
    action.refresh_from_db()
    assert action.escalation_step == EscalationStep.LEAD
    assert action.escalated_at == DUE + timedelta(hours=24.01)
    entries = list(
        action.timeline_entries.filter(text__contains="escalated")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert len(entries) == 3 and "escalated to the incident lead: Chris Okafor" in entries[-1]
    with at(72):
        delivery.deliver_due()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        ["responder@example.org", spoc.email, "coordinator@example.org"]
    )
    lead_email = next(m for m in mailoutbox if m.to == ["coordinator@example.org"])
    assert "the incident you lead, is overdue" in lead_email.body
    assert f"/plan/{action.pk}/" in lead_email.body


def test_an_action_nobody_owns_goes_to_the_lead_as_soon_as_it_is_overdue(demo, demo_users):
    action = overdue_action(demo, demo_users, owner=None, organisation=False)
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [["coordinator@example.org"]]
    action.refresh_from_db()
    assert action.escalation_step == EscalationStep.LEAD
    with at(30):
        assert escalation.escalate_overdue_actions() == 0


def test_an_organisation_without_a_named_person_hears_through_its_single_point_of_contact_at_once(
    demo, demo_users
):
    action = overdue_action(demo, demo_users, owner=None)
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [[police_spoc(demo).email]]
    with at(4.01):
        assert escalation.escalate_overdue_actions() == 0, "the single point of contact was told already"


def test_without_a_lead_the_partnerships_coordinators_are_told(demo, demo_users):
    action = overdue_action(demo, demo_users, owner=None, organisation=False, lead=None)
    with at(0.02):
        escalation.escalate_overdue_actions()
    assert told(action) == [["coordinator@example.org"]]
    assert "nobody owns it" in Notification.objects.get().body


def test_a_lead_who_has_left_the_partnership_is_not_told_and_the_coordinators_are(
    demo, demo_users, other_partnership
):
    action = overdue_action(demo, demo_users, owner=None, organisation=False, lead="responder")
    responder = demo_users["responder"]
    left_the_partnership(responder, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [["coordinator@example.org"]]


def test_a_lead_who_has_moved_to_a_partnership_the_incident_is_shared_with_leads_it_no_more(
    demo, demo_users, other_partnership
):
    action = overdue_action(demo, demo_users, owner=None, organisation=False, lead="responder")
    southmoor = other_partnership[0]
    services.share_incident(
        incident=action.incident, partnership=southmoor, by=demo_users["coordinator"], **SHARE_BASIS
    )
    left_the_partnership(
        demo_users["responder"], demo, by=demo_users["coordinator"], still_member_of=southmoor
    )
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [["coordinator@example.org"]]


def test_an_owner_who_has_left_the_partnership_is_not_told_and_the_single_point_of_contact_is(
    demo, demo_users, other_partnership
):
    action = overdue_action(demo, demo_users)
    responder = demo_users["responder"]
    left_the_partnership(responder, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [[police_spoc(demo).email]]
    assert not Notification.objects.filter(deliveries__address=responder.email).exists()


def test_an_owner_without_an_organisation_who_has_left_is_passed_over_for_the_lead(demo, demo_users):
    action = overdue_action(demo, demo_users, owner="police", organisation=False)
    left_the_partnership(demo_users["police"], demo, by=demo_users["coordinator"])
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [["coordinator@example.org"]]


def test_an_owner_of_a_partnership_the_incident_is_shared_with_is_told(demo, demo_users, other_partnership):
    action = overdue_action(demo, demo_users)
    southmoor, southmoor_coordinator = other_partnership
    services.share_incident(
        incident=action.incident, partnership=southmoor, by=demo_users["coordinator"], **SHARE_BASIS
    )
    PlanAction.objects.filter(pk=action.pk).update(owner=southmoor_coordinator.user)
    action.refresh_from_db()
    with at(0.02):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [[southmoor_coordinator.user.email]]


def test_the_partnerships_timetable_decides_when_each_step_is_taken(demo, demo_users):
    action = overdue_action(demo, demo_users)
    escalation.set_timetable(
        partnership=demo,
        owner_after_hours=1,
        spoc_after_hours=2,
        lead_after_hours=3,
        by=demo_users["coordinator"],
    )
    with at(0.5):
        assert escalation.escalate_overdue_actions() == 0
    for hours in (1.01, 2.01, 3.01):
        with at(hours):
            assert escalation.escalate_overdue_actions() == 1
    assert len(told(action)) == 3


def test_a_run_that_finds_several_steps_due_takes_only_the_furthest(demo, demo_users):
    action = overdue_action(demo, demo_users)
    with at(30):
        assert escalation.escalate_overdue_actions() == 1
    assert told(action) == [["coordinator@example.org"]]


def test_a_done_action_is_no_longer_escalated(demo, demo_users):
    action = overdue_action(demo, demo_users)
    with at(0.02):
        escalation.escalate_overdue_actions()
    with at(1):
        services.update_action(
            action=action,
            by=demo_users["responder"],
            expected_revision=action.revision,
            status=ActionStatus.DONE,
            owner_organisation=action.owner_organisation,
            owner=action.owner,
            not_needed_reason="",
            note="",
        )
    for hours in (4.01, 24.01):
        with at(hours):
            assert escalation.escalate_overdue_actions() == 0
    assert len(told(action)) == 1


def test_actions_of_a_closed_incident_are_not_escalated(demo, demo_users):
    action = overdue_action(demo, demo_users)
    Incident.objects.filter(pk=action.incident_id).update(status="closed")
    with at(30):
        assert escalation.escalate_overdue_actions() == 0
    assert told(action) == []


def test_two_runs_that_both_saw_a_step_due_take_it_once(demo, demo_users):
    action = overdue_action(demo, demo_users)
    now = DUE + timedelta(hours=4.01)
    with at(4.01):
        first_run, second_run = escalation.due_escalations(now=now), escalation.due_escalations(now=now)
        assert [step for _, step, _ in first_run] == [EscalationStep.SPOC] == [s for _, s, _ in second_run]
        assert (
            sum(escalation.take_step(action=a, step=s, recipients=r, now=now) for a, s, r in second_run) == 1
        )
        assert (
            sum(escalation.take_step(action=a, step=s, recipients=r, now=now) for a, s, r in first_run) == 0
        )
    assert len(told(action)) == 1
    assert action.timeline_entries.filter(text__contains="escalated").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_task_at_once_take_each_step_once(demo, demo_users, mailoutbox):
    if connection.vendor == "sqlite":
        pytest.skip(
            "The in-memory SQLite test database refuses a second writer at once (table is locked) instead of "
            "waiting, as a SQLite file in WAL mode does; this runs on PostgreSQL (make test-postgres)."
        )
    action = overdue_action(demo, demo_users)
    start = threading.Barrier(2)
    for hours in (0.02, 4.01, 24.01):
        taken = []

        def run(hours=hours, taken=taken):
            with at(hours):
                start.wait()
                taken.append(escalate_overdue_actions.enqueue().return_value)
            connection.close()

        runs = [threading.Thread(target=run) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
        assert sorted(taken) == [0, 1], f"one run took the step {hours} hours after"
    assert len(told(action)) == 3
    assert action.timeline_entries.filter(text__contains="escalated").count() == 3
    # Sent straight after each commit by the (immediate) task worker: one email per step.
    assert len(mailoutbox) == 3


def test_the_timetable_keeps_its_steps_in_order(demo, demo_users):
    with pytest.raises(DomainError) as refused:
        escalation.set_timetable(
            partnership=demo,
            owner_after_hours=0,
            spoc_after_hours=8,
            lead_after_hours=4,
            by=demo_users["coordinator"],
        )
    assert refused.value.field == "lead_after_hours"
    assert escalation.timetable_for(demo).lead_after_hours == 24


def test_a_coordinator_sets_the_timetable_and_a_mistake_is_explained(client_for, demo):
    client = client_for("coordinator")
    url = reverse("incidents:escalation_settings")
    page = client.get(url)
    assert page.status_code == 200 and 'value="24"' in page.content.decode()
    wrong = client.post(url, {"owner_after_hours": "2", "spoc_after_hours": "1", "lead_after_hours": "5"})
    assert wrong.status_code == 200
    assert "cannot be told before the owner is reminded" in wrong.content.decode()
    assert escalation.timetable_for(demo).pk is None, "nothing was saved"
    typed = client.post(url, {"owner_after_hours": "0", "spoc_after_hours": "x", "lead_after_hours": "5"})
    assert "Enter a whole number of hours" in typed.content.decode()
    saved = client.post(url, {"owner_after_hours": "0", "spoc_after_hours": "2", "lead_after_hours": "8"})
    assert saved.status_code == 302
    timetable = escalation.timetable_for(demo)
    assert (timetable.owner_after_hours, timetable.spoc_after_hours, timetable.lead_after_hours) == (0, 2, 8)


def test_two_coordinators_changing_the_timetable_at_once_keep_both_changes(client_for, demo):
    client = client_for("coordinator")
    url = reverse("incidents:escalation_settings")
    client.post(url, form_on(client.get(url), having="revision"))  # the defaults, saved
    saved_from_two_pages(client, url, first={"lead_after_hours": "12"}, second={"owner_after_hours": "1"})
    timetable = escalation.timetable_for(demo)
    assert (timetable.owner_after_hours, timetable.lead_after_hours) == (1, 12)


def test_a_timetable_saved_without_its_revision_keeps_a_colleagues_change(client_for, demo):
    client = client_for("coordinator")
    url = reverse("incidents:escalation_settings")
    client.post(url, form_on(client.get(url), having="revision"))  # the defaults, saved
    refused_without_revision(client, url, first={"lead_after_hours": "12"}, second={"lead_after_hours": "20"})
    assert escalation.timetable_for(demo).lead_after_hours == 12


def test_the_plan_and_the_action_page_show_the_step_reached(demo, demo_users, client_for):
    action = overdue_action(demo, demo_users, owner=None, organisation=False)
    with at(0.02):
        escalation.escalate_overdue_actions()
    client = client_for("responder")
    plan = client.get(reverse("incidents:plan", args=[action.incident_id])).content.decode()
    assert "Escalated to lead" in plan
    page = client.get(reverse("incidents:action", args=[action.incident_id, action.pk])).content.decode()
    assert "Escalated to lead" in page


def escalated_plan(demo, demo_users):
    """An incident told of at DUE - 3h, its plan drawn, and its first overdue actions escalated and reminded
    of at DUE."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    with time_machine.travel(DUE, tick=False):
        draft = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
        playbook_services.publish_draft(
            version=draft, by=coordinator, change_note="v1", expected_revision=draft.revision
        )
        incident = recorded_incident(
            demo, responder, occurred_at=DUE - timedelta(hours=4), notified_at=DUE - timedelta(hours=3)
        )
        services.draw_plan(incident=incident, by=responder)
        assert escalation.escalate_overdue_actions() and send_overdue_reminders.call()
    return Incident.objects.get(pk=incident.pk)


def correct_time_told(incident, by, *, to, at):
    with time_machine.travel(at, tick=False):
        return correct_record(
            Incident.objects.get(pk=incident.pk), by, occurred_at=to - timedelta(hours=1), notified_at=to
        )


def escalation_state(action) -> tuple:
    action.refresh_from_db()
    return action.escalation_step, action.escalated_at, action.last_reminded_at


def test_actions_a_corrected_time_told_makes_due_later_are_escalated_again_from_their_new_time(
    demo, demo_users
):
    """The defect: told-at typed two days early, the whole plan went overdue and was escalated; corrected, the
    actions were due tomorrow yet still "Escalated to lead", and when they fell overdue nobody heard."""
    responder = demo_users["responder"]
    incident = escalated_plan(demo, demo_users)
    two_days_early = DUE - timedelta(days=2, hours=3)
    incident = correct_time_told(incident, responder, to=two_days_early, at=DUE + timedelta(minutes=1))
    with time_machine.travel(DUE + timedelta(minutes=2), tick=False):
        assert escalation.escalate_overdue_actions() and send_overdue_reminders.call()
    day = incident.actions.filter(item__timing="within_24_hours", status="to_do").order_by("pk").first()
    assert escalation_state(day)[0] == EscalationStep.LEAD and day.last_reminded_at

    incident = correct_time_told(
        incident, responder, to=DUE - timedelta(hours=1), at=DUE + timedelta(minutes=3)
    )
    assert escalation_state(day) == (EscalationStep.NONE, None, None) and day.escalation_badge == ""
    assert day.due_at == DUE + timedelta(hours=23)
    assert not incident.actions.filter(due_at__gt=DUE).exclude(escalation_step=EscalationStep.NONE).exists()

    messages = Notification.objects.filter(kind="overdue_escalation", incident=incident)
    messages_before = messages.count()
    with time_machine.travel(DUE + timedelta(hours=23, minutes=1), tick=False):
        steps = escalation.escalate_overdue_actions()
        assert steps and send_overdue_reminders.call()
    assert escalation_state(day)[0] != EscalationStep.NONE and day.last_reminded_at
    assert messages.count() - messages_before == steps, "each step taken again tells its people again"


def test_actions_a_corrected_time_told_makes_due_earlier_keep_the_steps_taken(demo, demo_users):
    """Due earlier, an action escalated has been overdue at least as long as its steps say: it keeps them, and
    its people are not told again."""
    incident = escalated_plan(demo, demo_users)
    at_once = incident.actions.filter(item__timing="immediately", status="to_do").order_by("pk").first()
    before = escalation_state(at_once)
    assert before[0] != EscalationStep.NONE and before[2]
    correct_time_told(
        incident, demo_users["responder"], to=DUE - timedelta(hours=4), at=DUE + timedelta(minutes=1)
    )
    assert escalation_state(at_once) == before and at_once.due_at == DUE - timedelta(hours=2)


def test_an_exercises_overdue_reminder_and_escalation_say_exercise(demo, demo_users):
    """The defect: the reminder of an exercise's overdue action, and its escalation to the owner, the single
    point of contact and the lead (someone of another organisation, perhaps), read like a real incident's,
    though every other message about an exercise says EXERCISE."""
    incident, action = demo_incident(demo, demo_users)
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    PlanAction.objects.filter(pk=action.pk).update(
        owner=demo_users["police"], due_at=timezone.now() - timedelta(hours=1)
    )
    assert send_overdue_reminders.call() == 1
    assert escalation.escalate_overdue_actions() == 1
    reminder = Notification.objects.get(kind="overdue_reminder")
    assert reminder.subject.startswith("EXERCISE ")
    assert f"{incident.reference} (EXERCISE: not a real incident)" in reminder.body
    escalated = Notification.objects.get(kind="overdue_escalation")
    assert escalated.subject.startswith(f"EXERCISE {incident.reference}: ")
    assert escalated.sms_text.startswith(f"EXERCISE {incident.reference}: ")
    assert f"{incident.reference} (EXERCISE: not a real incident)" in escalated.body
