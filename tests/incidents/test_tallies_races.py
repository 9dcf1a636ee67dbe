"""Counting the totals again, or checking them, while the system is in use: a rebuild waits for the changes
being written and they wait for it, so none is lost or counted twice; a check reads the records and the kept
counts of one moment, so a change committed while it runs is not reported as a difference.

PostgreSQL only: SQLite takes one writer at a time, and its transactions begin by taking that place, so
neither overlaps a change there."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from svtoolkit.incidents import tallies
from svtoolkit.incidents.tally_models import MonthlyTally
from tests.concurrency import LOCK_WAIT_LIMIT, _wait_for_lock_waiters
from tests.incidents.builders import recorded_incident
from tests.incidents.test_incident_locks import in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_a_rebuild_while_an_incident_is_being_recorded_counts_it_once(demo, demo_users):
    responder = demo_users["responder"]
    recorded_incident(demo, responder)  # this month's counts exist, and the recording below adds to them
    recorded, commit = threading.Event(), threading.Event()

    def record():
        with transaction.atomic():
            recorded_incident(demo, responder)
            recorded.set()
            commit.wait(LOCK_WAIT_LIMIT)

    recording = in_thread(record)
    assert recorded.wait(LOCK_WAIT_LIMIT)
    rebuilding = in_thread(tallies.rebuild)
    _wait_for_lock_waiters(1)  # the rebuild waits for the recording
    commit.set()
    for thread, outcome in (recording, rebuilding):
        thread.join()
        assert "error" not in outcome
    assert rebuilding[1]["result"] == 2
    assert tallies.differences() == []


def test_a_check_while_an_incident_is_recorded_reports_no_difference(demo, demo_users):
    responder = demo_users["responder"]
    recorded_incident(demo, responder)
    with transaction.atomic():
        # The check counts the records, then waits to read the kept counts while the incident is recorded.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MonthlyTally._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        checking = in_thread(lambda: call_command("rebuild_tallies", "--check"))
        _wait_for_lock_waiters(1)
        recorded_incident(demo, responder)
    thread, outcome = checking
    thread.join()
    assert "error" not in outcome
    assert tallies.differences() == []
