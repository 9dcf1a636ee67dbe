"""One alert sent twice at the same moment with one Idempotency-Key (a police system retrying at once): one
incident, one set of texts and emails; both answers name it.

PostgreSQL only: the live server shares the test's one SQLite connection, so requests cannot overlap."""

import threading

import pytest
import requests
from django.db import connection

from svtoolkit.alerts.models import Alert
from svtoolkit.api.models import RaisedAlertKey
from svtoolkit.api.services import create_token
from svtoolkit.messaging.models import Delivery
from tests.alerts.builders import raise_police_alert, rota
from tests.api.test_alerts import ALERT, ALERTS
from tests.concurrency import held_by_a_row_being_written

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="requests overlap only on PostgreSQL"),
]


def test_one_key_sent_twice_at_once_raises_one_alert(live_server, demo, demo_users):
    rota(demo, demo_users)
    police = demo_users["police"]
    _, secret = create_token(user=police, partnership=demo, name="Control room")
    earlier = raise_police_alert(demo, demo_users)
    answers = []

    def send():
        answers.append(
            requests.post(
                live_server.url + ALERTS,
                json=ALERT,
                headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "cad-0042"},
                timeout=30,
            )
        )

    threads = [threading.Thread(target=send) for _ in range(2)]
    with held_by_a_row_being_written(
        RaisedAlertKey, user=police, partnership=demo, key="cad-0042", request_hash="", alert=earlier
    ):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answer.status_code for answer in answers) == [201, 201]
    assert answers[0].json()["incident"]["id"] == answers[1].json()["incident"]["id"]
    assert Alert.objects.exclude(pk=earlier.pk).count() == 1
    raised = Alert.objects.exclude(pk=earlier.pk).get()
    duty_officer = demo_users["responder"]
    assert (
        Delivery.objects.filter(recipient=duty_officer, notification__incident=raised.incident).count() == 2
    )
