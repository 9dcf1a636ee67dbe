"""Many people writing to one incident at once (a major incident, found by the bench's one-incident
scenario): a service that locks the incident's row must not hold up, or deadlock with, the timeline entries,
decisions and action updates others are saving on it at the same moment.

Every row that refers to the incident (a timeline entry, a decision, an audit of it) makes PostgreSQL take a
key-share lock on the incident's row while it is written, which a plain ``FOR UPDATE`` waits for and blocks.
The services lock the incident to change its own columns, never its key, so they take ``FOR NO KEY UPDATE``,
which lets those rows be written meanwhile.

Changes to one incident lock its rows in one order (``incidents/locks.py``): the incident, its tally row, its
actions; the tests below make two changes overlap at the step where the wrong order deadlocked.

PostgreSQL only: SQLite takes one writer at a time."""

from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from svtoolkit import access
from svtoolkit.alerts.services import accept_lead
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services, tallies, tasks
from svtoolkit.incidents.escalation import escalate_overdue_actions
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.incidents.models import (
    Decision,
    EscalationStep,
    IncidentStatus,
    PlanAction,
    SchoolInvolved,
    TimelineEntry,
)
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.tally_models import IncidentTally
from svtoolkit.meetings import services as meeting_services
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.playbooks.models import CompletingEvent
from tests.alerts.builders import raise_police_alert, rota
from tests.concurrency import (
    WAIT,
    Paused,
    PausedAtCall,
    _wait_for_lock_waiters,
    held_by_a_row_being_written,
    in_thread,
    overlapping,
)
from tests.incidents.builders import (
    answering,
    categorise,
    correct_record,
    demo_incident,
    demo_person,
    demo_school,
    mark_action,
    more_actions,
    reassign,
    recorded_incident,
    updated_together,
)
from tests.meetings.builders import demo_meeting

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def stopped_once_saved(monkeypatch) -> Paused:
    """From now on an action's update stops just after saving the action, holding its row."""
    paused = Paused(services.save_if_unchanged)
    monkeypatch.setattr(services, "save_if_unchanged", paused)
    return paused


@pytest.fixture
def meeting_action(demo, demo_users):
    """The demo incident, and its action as the plan's action that a meeting held completes."""
    incident, action = demo_incident(demo, demo_users)
    answering(action, CompletingEvent.MEETING_HELD, by=demo_users["coordinator"])
    incident.refresh_from_db()
    return incident, action


def meeting_held(incident, *, by):
    """The app records that a meeting was held, which completes the meeting's action."""
    return services.record_event(incident=incident, event=CompletingEvent.MEETING_HELD, by=by, link="/m/")


def started_on(action, *, by):
    """``by`` saves ``action`` as in progress, with a note."""
    return mark_action(action, "in_progress", by=by, note="Footage requested.")


def test_a_timeline_entry_is_saved_while_the_incident_status_is_being_changed(demo, demo_users, monkeypatch):
    incident, _ = demo_incident(demo, demo_users)
    incident.status = IncidentStatus.RESPONDING
    incident.save(update_fields=["status"])
    paused = Paused(services.history.note)
    monkeypatch.setattr(services.history, "note", paused)
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    changing, changed = in_thread(
        lambda: services.change_status(
            incident=incident,
            by=coordinator,
            status=IncidentStatus.RECOVERY,
            status_seen=IncidentStatus.RESPONDING,
        )
    )
    try:
        assert paused.reached.wait(WAIT)  # the status change holds its lock on the incident
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            services.add_update(incident=incident, by=responder, text="Extra patrols at the school gates.")
    finally:
        paused.go.set()
        changing.join(WAIT)
    assert "error" not in changed
    assert TimelineEntry.objects.filter(incident=incident, text="Extra patrols at the school gates.").exists()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOVERY


def test_an_action_update_and_an_event_completing_that_action_at_once_both_succeed(
    meeting_action, demo_users, monkeypatch
):
    """A responder saves an action while a meeting's outcome is recorded that completes the same
    action: the outcome locked the incident, then waited for the action; the update held the action, then
    waited on the incident to write its timeline entry. PostgreSQL broke the deadlock by failing one of them
    (a 500 for its person)."""
    incident, action = meeting_action
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    # The update holds the action's row; the event waits for it.
    updated, completed = overlapping(
        lambda: started_on(action, by=responder),
        lambda: meeting_held(incident, by=coordinator),
        paused=stopped_once_saved(monkeypatch),
    )
    errors = [outcome.get("error") for outcome in (updated, completed)]
    assert errors == [None, None], errors
    assert not any(isinstance(error, OperationalError) for error in errors)
    action.refresh_from_db()
    assert action.status == "done"  # the update saved first, then the event completed it
    assert TimelineEntry.objects.filter(action=action, text__contains="Footage requested.").exists()


def test_an_action_marked_not_needed_as_an_event_would_complete_it_stays_not_needed(
    meeting_action, demo_users, monkeypatch
):
    """A responder marks an action not needed (the family declined) as a meeting's outcome that completes it
    is recorded: the event had read the action as open before the responder saved, then marked it done over
    their choice, leaving their reason on a done action."""
    incident, action = meeting_action
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    marked, completed = overlapping(
        lambda: mark_action(action, "not_needed", by=responder, not_needed_reason="The family declined."),
        lambda: meeting_held(incident, by=coordinator),
        paused=stopped_once_saved(monkeypatch),
    )
    assert [marked.get("error"), completed.get("error")] == [None, None]
    assert completed["result"] == 0  # nothing left open to complete
    action.refresh_from_db()
    assert (action.status, action.not_needed_reason, action.completed_record) == (
        "not_needed",
        "The family declined.",
        "",
    )
    assert not TimelineEntry.objects.filter(action=action, text__contains="now done").exists()
    assert tallies.differences() == []


def test_an_action_done_as_the_incidents_record_is_corrected_keeps_its_due_time(
    meeting_action, demo_users, monkeypatch
):
    """The record is corrected (the partnership was told two days earlier) as a responder marks an action
    drawn from the checklist done: the correction had read the action as open, then gave the done action a
    new due time, so it counted as done late (or on time) by a time it was never judged by."""
    incident, action = meeting_action
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    due_at = action.due_at
    two_days = timedelta(days=2)
    done, corrected = overlapping(
        lambda: mark_action(action, "done", by=responder),
        lambda: correct_record(
            incident,
            coordinator,
            occurred_at=incident.occurred_at - two_days,
            notified_at=incident.notified_at - two_days,
        ),
        paused=stopped_once_saved(monkeypatch),
    )
    assert [done.get("error"), corrected.get("error")] == [None, None]
    action.refresh_from_db()
    assert (action.status, action.due_at) == ("done", due_at)
    assert not incident.timeline.filter(text__contains="now due from the corrected time").exists()
    assert tallies.differences() == []


# An action marked done (a count moves) while another change to the incident recounts it and then completes
# that action: the update held the action, then waited for the incident's figures; the other held the figures,
# then waited for the action. PostgreSQL ended one with "deadlock detected": a 500, and what its person typed
# (the meeting's minutes and actions, the school's record) was lost.


def done_and_counted(outcomes, action):
    """Both changes saved, the action done as its person marked it, and the figures as the records say."""
    errors = [outcome.get("error") for outcome in outcomes]
    assert errors == [None, None], errors
    action.refresh_from_db()
    assert (action.status, action.completed_record) == ("done", "")
    assert tallies.differences() == []


def outcome_recorded(meeting, *, by):
    """The meeting's outcome with an action agreed: the action is added (the figures recounted), then the
    meeting held completes the meeting's action."""
    return meeting_services.record_outcome(
        meeting=meeting,
        by=by,
        attended=[],
        minutes="Patrols agreed.",
        decisions=[],
        actions=[
            {
                "title": "Letter to parents",
                "owner_organisation": None,
                "owner": None,
                "due_at": timezone.now() + timedelta(days=1),
            }
        ],
    )


def test_a_meetings_outcome_and_the_meetings_action_marked_done_at_once_are_both_saved(
    meeting_action, demo, demo_users, monkeypatch
):
    incident, action = meeting_action
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    meeting = demo_meeting(demo, demo_users, incident, starts_in=timedelta(hours=-1))
    outcomes = overlapping(
        lambda: mark_action(action, "done", by=responder),
        lambda: outcome_recorded(meeting, by=coordinator),
        paused=stopped_once_saved(monkeypatch),
    )
    done_and_counted(outcomes, action)
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert incident.actions.filter(title="Letter to parents").exists()


def test_a_meetings_outcome_and_the_meetings_action_done_in_a_bulk_update_at_once_are_both_saved(
    meeting_action, demo, demo_users, monkeypatch
):
    incident, action = meeting_action
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    meeting = demo_meeting(demo, demo_users, incident, starts_in=timedelta(hours=-1))
    paused = Paused(services.update_and_move_revision)  # the bulk update stops holding the action
    monkeypatch.setattr(services, "update_and_move_revision", paused)
    outcomes = overlapping(
        lambda: updated_together(incident, [action], by=responder, status="done"),
        lambda: outcome_recorded(meeting, by=coordinator),
        paused=paused,
    )
    done_and_counted(outcomes, action)


def test_a_school_recorded_and_the_action_it_completes_marked_done_at_once_are_both_saved(
    demo, demo_users, monkeypatch
):
    incident, action = demo_incident(demo, demo_users)
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    answering(action, CompletingEvent.SAFEGUARDING_LEAD_INFORMED, by=coordinator)
    incident.refresh_from_db()
    told = timezone.now() - timedelta(minutes=5)
    outcomes = overlapping(
        lambda: mark_action(action, "done", by=responder),
        # The schools' items are added to the plan (the figures recounted), then the lead told completes one.
        lambda: demo_school(incident, coordinator, safeguarding_lead_informed_at=told),
        paused=stopped_once_saved(monkeypatch),
    )
    done_and_counted(outcomes, action)
    assert incident.schools.filter(safeguarding_lead_informed_at=told).exists()


def test_an_alerted_incident_categorised_and_an_action_it_hands_to_a_partner_marked_done_at_once_both_saved(
    demo, demo_users, monkeypatch
):
    """The categorisation completes its actions (the figures recounted), then the launch protocol adds the
    hospital, which takes over the actions waiting for it."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    incident = alert.incident
    accept_lead(alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo))
    version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
    playbook_services.publish_draft(
        version=version, by=coordinator, change_note="v1", expected_revision=version.revision
    )
    services.draw_plan(incident=incident, by=responder)
    incident.refresh_from_db()
    # An action for the hospital, with the lead until the hospital takes part.
    action = incident.actions.filter(item__owner_kind="health_hospital").exclude(owner_reason="").first()
    outcomes = overlapping(
        lambda: mark_action(action, "done", by=responder),
        lambda: categorise(incident, coordinator, factors=["young_person"]),
        paused=stopped_once_saved(monkeypatch),
    )
    done_and_counted(outcomes, action)
    hospital = incident.participations.get(organisation__kind="health_hospital")
    assert hospital.informed_at is not None


def test_moving_an_action_between_open_statuses_does_not_wait_for_the_incidents_figures(demo, demo_users):
    """The running totals count an action as open, done or neither: a change that keeps that (to do → in
    progress, a note, a new owner) moves no count, so it does not take its turn on the incident's row and
    tally row, which every other update of the incident's actions would otherwise queue on."""
    incident, action = demo_incident(demo, demo_users)
    tally = IncidentTally.objects.filter(incident=incident)
    assert tally.exists()

    def update():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            return started_on(action, by=demo_users["responder"])

    with transaction.atomic():
        # Another update of the incident's actions, recounting: it holds the incident, then its tally row.
        lock_incident(incident)
        list(tally.select_for_update())
        updating, updated = in_thread(update)
        updating.join(WAIT)
    assert "error" not in updated, updated.get("error")
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert tallies.differences() == []  # the figures still agree with the records


def test_partners_work_is_not_held_up_while_an_incident_is_recorded_and_numbers_still_take_turns(
    demo, demo_users, monkeypatch
):
    """Recording an incident holds the partnership's row so that two recorded at once get different numbers.
    Every audit entry (a sensitive record viewed, a contact changed) refers to the partnership and, under a
    plain ``FOR UPDATE``, waited for the whole recording; the numbering still takes turns."""
    paused = Paused(services.history.note)
    monkeypatch.setattr(services.history, "note", paused)
    responder, police = demo_users["responder"], demo_users["police"]
    first, first_recorded = in_thread(lambda: recorded_incident(demo, responder))
    second = None
    try:
        assert paused.reached.wait(WAIT)  # the first recording holds the partnership's row
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            record(action=AuditAction.VIEW_SENSITIVE, actor=police, partnership=demo)
        second, second_recorded = in_thread(lambda: recorded_incident(demo, police))
        _wait_for_lock_waiters(1)  # the second recording waits for its number
    finally:
        paused.go.set()
        first.join(WAIT)
        if second is not None:
            second.join(WAIT)
    assert "error" not in first_recorded and "error" not in second_recorded
    sequences = {first_recorded["result"].sequence, second_recorded["result"].sequence}
    assert len(sequences) == 2


def test_a_persons_record_corrected_as_someone_is_taken_off_the_need_to_know_list_both_saved(
    meeting_action, demo_users, monkeypatch
):
    """A coordinator corrects a victim's record (which redraws the plan and recounts the figures) as a
    responder takes the police partner off the incident's need-to-know list (and off that record's list): the
    correction held the record, then waited for the incident; the removal held the incident, then waited for
    the record. PostgreSQL ended one with "deadlock detected": a 500, and the correction typed in was lost."""
    incident, _ = meeting_action  # planned on the checklist, so a correction redraws the plan
    responder, coordinator, police = (demo_users[role] for role in ("responder", "coordinator", "police"))
    people_services.add_to_need_to_know(incident=incident, user=police, by=responder)
    person = demo_person(incident, responder)
    entry = incident.need_to_know.get(user=police)
    paused = Paused(people_services.update_if_unchanged)  # the correction stops holding what it locked
    monkeypatch.setattr(people_services, "update_if_unchanged", paused)
    corrected, removed = overlapping(
        lambda: people_services.correct_person_affected(
            person=person, by=coordinator, expected_revision=person.revision, support_needs="Counselling"
        ),
        lambda: people_services.remove_from_need_to_know(entry=entry, by=responder),
        paused=paused,
    )
    errors = [outcome.get("error") for outcome in (corrected, removed)]
    assert errors == [None, None], errors
    person.refresh_from_db()
    assert person.support_needs == "Counselling"
    assert not person.need_to_know.filter(user=police).exists()
    assert not incident.need_to_know.filter(user=police).exists()
    assert tallies.differences() == []


def test_someone_added_to_a_record_and_to_the_incidents_list_with_its_records_at_once_is_added_once(
    demo, demo_users, monkeypatch
):
    """The defect: adding someone to the incident's list with the records one may read did not wait for the
    incident, as every other change to its lists does: saved as a colleague put the same person on one
    record's own list, it found them not yet on it, added them again, and ended on the database's "one entry
    a person" rule, a server error with nothing saved. Now it waits, and finds them on that record already."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    incident, _ = demo_incident(demo, demo_users)
    person = demo_person(incident, responder)
    paused = PausedAtCall(people_services.history.note, call=1)  # the record's list saved, not yet committed
    monkeypatch.setattr(people_services.history, "note", paused)
    on_the_record, on_the_list = overlapping(
        lambda: people_services.change_person_need_to_know(
            person=person, users=[responder, coordinator], by=responder, expected_revision=person.revision
        ),
        lambda: people_services.add_to_need_to_know(
            incident=incident, user=coordinator, by=responder, with_records=True
        ),
        paused=paused,
    )
    errors = [outcome.get("error") for outcome in (on_the_record, on_the_list)]
    assert errors == [None, None], errors
    assert person.need_to_know.filter(user=coordinator).count() == 1
    assert incident.need_to_know.filter(user=coordinator).exists()


# The background runs for overdue actions (reminders, escalation) change actions of many incidents: they take
# each incident's turn first, as the services do, so they neither deadlock with a service changing that
# incident's actions nor act on what such a change has just made untrue.


def test_overdue_actions_reminded_of_as_they_are_marked_done_in_a_bulk_update_both_saved(
    demo, demo_users, monkeypatch
):
    """The quarter-hourly reminder claims an owner's overdue actions one by one, in the plan's order (the one
    due first first), as the owner marks them all done from the plan, which locks them in order of key: the
    reminder held the action added later but due sooner, then waited for the other; the bulk update held
    that other, then waited for the one added later. PostgreSQL ended one with "deadlock detected": the
    owner's update was lost, or the reminder failed and was sent again on every run."""
    incident, first = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    [second] = more_actions(incident, responder, how_many=1)
    now = timezone.now()
    PlanAction.objects.filter(pk=first.pk).update(owner=responder, due_at=now - timedelta(hours=2))
    PlanAction.objects.filter(pk=second.pk).update(owner=responder, due_at=now - timedelta(hours=3))
    # The reminder stops once it has claimed one action (its third look at what is due: the list, then each).
    paused = PausedAtCall(tasks._due_for_reminder, call=3)
    monkeypatch.setattr(tasks, "_due_for_reminder", paused)
    reminded, done = overlapping(
        lambda: tasks.send_overdue_reminders.call(),
        lambda: updated_together(incident, [first, second], by=responder, status="done"),
        paused=paused,
    )
    errors = [outcome.get("error") for outcome in (reminded, done)]
    assert errors == [None, None], errors
    assert reminded["result"] == 1
    assert set(incident.actions.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        "done"
    }
    assert tallies.differences() == []


def test_an_action_a_correction_makes_due_later_is_not_escalated_by_a_run_that_saw_it_overdue(
    demo, demo_users, monkeypatch
):
    """The time the partnership was told is corrected (typed two days early) as the escalation run takes the
    steps it found due: the run had read the actions as overdue, waited while the correction made them due
    tomorrow and started their escalation again, then escalated them anyway, telling the lead of an action
    not yet due and leaving it "Escalated to lead" (nobody heard when it did fall overdue)."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
    playbook_services.publish_draft(
        version=version, by=coordinator, change_note="v1", expected_revision=version.revision
    )
    two_days_early = timezone.now() - timedelta(days=2)
    incident = recorded_incident(
        demo, responder, occurred_at=two_days_early - timedelta(hours=1), notified_at=two_days_early
    )
    services.draw_plan(incident=incident, by=responder)
    incident.refresh_from_db()
    day = incident.actions.filter(item__timing="within_24_hours").order_by("pk").first()
    assert day.due_at < timezone.now()
    paused = Paused(tallies.recount)  # the correction stops at its end, holding what it changed
    monkeypatch.setattr(tallies, "recount", paused)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    corrected, escalated = overlapping(
        lambda: correct_record(
            incident, responder, occurred_at=an_hour_ago - timedelta(hours=1), notified_at=an_hour_ago
        ),
        lambda: escalate_overdue_actions(),
        paused=paused,
    )
    assert [corrected.get("error"), escalated.get("error")] == [None, None]
    day.refresh_from_db()
    assert day.due_at > timezone.now()
    assert (day.escalation_step, day.escalated_at) == (EscalationStep.NONE, None)
    assert not TimelineEntry.objects.filter(
        incident=incident, action__due_at__gt=timezone.now(), text__contains="escalated"
    ).exists()


def test_one_school_recorded_by_two_people_at_once_is_kept_once_and_the_second_is_told(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    school = incident.partnership.organisations.get(name="Northbridge Academy")
    with held_by_a_row_being_written(SchoolInvolved, incident=incident, school=school, recorded_by=None):
        runs = [
            in_thread(lambda by=demo_users[role]: demo_school(incident, by))
            for role in ("responder", "police")
        ]
    for thread, _ in runs:
        thread.join(WAIT)
    errors = [outcome["error"] for _, outcome in runs if "error" in outcome]
    assert [type(error) for error in errors] == [DomainError]
    assert "Northbridge Academy is already recorded" in errors[0].message
    assert incident.schools.count() == 1


def test_one_decision_superseded_by_two_people_at_once_is_superseded_once_and_the_second_is_told(
    demo, demo_users
):
    incident, _ = demo_incident(demo, demo_users)
    first = services.record_decision(
        incident=incident, by=demo_users["responder"], what="Gold at 18:00", why=""
    )
    with held_by_a_row_being_written(
        Decision, incident=incident, supersedes=first, what="", why="", decided_by=demo_users["coordinator"]
    ):
        runs = [
            in_thread(
                lambda by=demo_users[role]: services.record_decision(
                    incident=incident, by=by, what=f"Changed by {by}", why="", supersedes=first
                )
            )
            for role in ("responder", "police")
        ]
    for thread, _ in runs:
        thread.join(WAIT)
    errors = [outcome["error"] for _, outcome in runs if "error" in outcome]
    assert [type(error) for error in errors] == [DomainError]
    assert "This decision has already been superseded" in errors[0].message
    assert Decision.objects.filter(supersedes=first).count() == 1


def test_a_records_list_saved_as_someone_is_taken_off_the_incidents_list_is_never_left_empty(
    demo, demo_users, monkeypatch
):
    """The defect: taking the responder off the incident's list checked that each record they were on kept a
    coordinator or responder, while the record's own page, saved at that moment, took the coordinator off
    that record's list without waiting for it: each passed its check, and the record was left with no one
    who could read it or change its list. Now the record's page waits for the incident, as every change to
    its lists does: the second to save sees the first."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    incident, _ = demo_incident(demo, demo_users)
    person = demo_person(incident, responder)
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder, with_records=True)
    person.refresh_from_db()
    page_opened_at = person.revision
    paused = PausedAtCall(people_services.history.note, call=1)  # the removal, its checks passed
    monkeypatch.setattr(people_services.history, "note", paused)

    removing, removed = in_thread(
        lambda: people_services.remove_from_need_to_know(
            entry=incident.need_to_know.get(user=responder), by=coordinator
        )
    )
    try:
        assert paused.reached.wait(WAIT)
        saving, saved = in_thread(
            lambda: people_services.change_person_need_to_know(
                person=person, users=[responder], by=coordinator, expected_revision=page_opened_at
            )
        )
        saving.join(1)
    finally:
        paused.go.set()
        removing.join(WAIT)
        saving.join(WAIT)
    assert "error" not in removed
    assert person.need_to_know.exists(), "the record's list was left empty"
    assert "Someone else changed this record" in str(saved.get("error"))


def test_an_action_given_to_a_partner_as_it_stops_taking_part_is_not_left_with_it(
    demo, demo_users, monkeypatch
):
    """The defect: an action's own page gave it to a partner without waiting for the incident, while that
    partner was being taken off it: the update checked the partner took part, the removal checked it owned no
    open action, each before the other saved, and the action was left open with an organisation that could no
    longer see the incident. Now a new owner is checked under the incident's lock, as the plan's bulk update
    and the removal take it: the second to save sees the first."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    incident, action = demo_incident(demo, demo_users)
    hospital = demo.organisations.get(kind="health_hospital")
    services.add_participant(incident=incident, organisation=hospital, contact=None, by=responder)
    paused = Paused(services.check_owner)  # the update, its new owner found taking part
    monkeypatch.setattr(services, "check_owner", paused)

    giving, given = in_thread(
        lambda: reassign(
            PlanAction.objects.select_related("incident__partnership").get(pk=action.pk),
            coordinator,
            hospital,
            None,
        )
    )
    try:
        assert paused.reached.wait(WAIT)
        stopping, stopped = in_thread(
            lambda: services.stop_taking_part(
                participation=incident.participations.get(organisation=hospital), by=coordinator
            )
        )
        stopping.join(1)
    finally:
        paused.go.set()
        giving.join(WAIT)
        stopping.join(WAIT)
    assert "error" not in given
    action.refresh_from_db()
    assert action.owner_organisation == hospital
    assert incident.participations.filter(organisation=hospital).exists(), "left with a partner not in it"
    assert "owns 1 open action" in str(stopped.get("error"))
