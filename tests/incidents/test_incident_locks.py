"""Many people writing to one incident at once (a major incident, found by the bench's one-incident
scenario): a service that locks the incident's row must not hold up, or deadlock with, the timeline entries,
decisions and action updates others are saving on it at the same moment.

Every row that refers to the incident (a timeline entry, a decision, an audit of it) makes PostgreSQL take a
key-share lock on the incident's row while it is written, which a plain ``FOR UPDATE`` waits for and blocks.
The services lock the incident to change its own columns, never its key, so they take ``FOR NO KEY UPDATE``,
which lets those rows be written meanwhile.

PostgreSQL only: SQLite takes one writer at a time."""

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.incidents import services, tallies
from svtoolkit.incidents.models import IncidentStatus, TimelineEntry
from svtoolkit.incidents.tally_models import IncidentTally
from svtoolkit.playbooks.models import CompletingEvent
from tests.concurrency import _wait_for_lock_waiters
from tests.incidents.builders import answering, correct_record, demo_incident, mark_action, recorded_incident

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]

WAIT = 20  # seconds: a thread that has not got on by then never will


class Paused:
    """Wraps a service's step so that the thread running it stops just after it, inside its transaction
    (holding whatever it has locked), until ``go`` is set."""

    def __init__(self, step):
        self.step, self.reached, self.go = step, threading.Event(), threading.Event()

    def __call__(self, *args, **kwargs):
        result = self.step(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            self.reached.set()
            assert self.go.wait(WAIT)
        return result


def in_thread(work):
    """Run ``work`` in a thread with its own database connection; returns (thread, outcome)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except Exception as error:  # reported to the test, which asserts on it
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def overlapping(first, second, *, paused):
    """Run ``first`` until it stops at ``paused`` (holding what it has locked), then ``second`` until it waits
    for a lock, then let both finish: returns their outcomes."""
    first_thread, first_outcome = in_thread(first)
    assert paused.reached.wait(WAIT)
    second_thread, second_outcome = in_thread(second)
    try:
        _wait_for_lock_waiters(1)
    finally:
        paused.go.set()
        first_thread.join(WAIT)
        second_thread.join(WAIT)
    return first_outcome, second_outcome


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
        lambda: services.change_status(incident=incident, by=coordinator, status=IncidentStatus.RECOVERY)
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


def test_moving_an_action_between_open_statuses_does_not_wait_for_the_incidents_figures(demo, demo_users):
    """The running totals count an action as open, done or neither: a change that keeps that (to do → in
    progress, a note, a new owner) moves no count, so it does not take its turn on the incident's tally row,
    which every other update of the incident's actions would otherwise queue on."""
    incident, action = demo_incident(demo, demo_users)
    tally = IncidentTally.objects.filter(incident=incident)
    assert tally.exists()

    def update():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            return started_on(action, by=demo_users["responder"])

    with transaction.atomic():
        list(tally.select_for_update())  # another update of the incident's actions, recounting
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
