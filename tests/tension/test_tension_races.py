"""Two readings of one area saved at the same moment, both past the alert level: the lead is alerted once.

PostgreSQL only: SQLite takes one writer at a time, so the two never overlap there."""

import pytest
from django.db import connection

from svtoolkit.incidents.models import Incident
from tests.concurrency import held_until_both_wait
from tests.incidents.test_incident_locks import in_thread
from tests.tension.builders import led_incident, record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_two_readings_past_the_alert_level_at_once_alert_the_lead_once(demo, demo_users):
    incident = led_incident(demo, demo_users)
    police = demo_users["police"]
    record(incident, police, 2, hours_ago=3)
    with held_until_both_wait(Incident.objects.filter(pk=incident.pk)):
        saves = [
            in_thread(lambda level=level: record(incident, police, level, hours_ago=1)) for level in (4, 5)
        ]
    for thread, outcome in saves:
        thread.join()
        assert "error" not in outcome
    crossings = [outcome["result"][1] for _, outcome in saves]
    assert sorted(crossings) == [False, True]
    assert incident.notifications.filter(kind="tension_alert").count() == 1
