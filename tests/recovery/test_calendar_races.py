"""The recovery calendar under truly simultaneous confirmations from a live server.

PostgreSQL only: the live server shares the test's one SQLite connection, so requests cannot overlap."""

import pytest
from django.db import connection
from django.urls import reverse

from svtoolkit.incidents.models import Incident
from svtoolkit.recovery.models import Milestone
from tests.concurrency import held_until_both_wait, posts_started
from tests.incidents.access import demo_incident
from tests.incidents.test_messages import signed_in_session

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="requests overlap only on PostgreSQL"),
]


def test_an_anniversary_confirmed_twice_at_once_is_on_the_calendar_once(
    client, live_server, demo, demo_users
):
    """Two of the response team confirming "One year on" at the same moment: one date, so one reminder."""
    incident, _ = demo_incident(demo, demo_users)
    cookies, token = signed_in_session(
        client, live_server, demo_users["responder"], reverse("recovery:incident", args=[incident.pk])
    )
    confirm = live_server.url + reverse("recovery:confirm_anniversary", args=[incident.pk, 2])
    with held_until_both_wait(Incident.objects.filter(pk=incident.pk)):
        finished = posts_started([(confirm, {}), (confirm, {})], cookies=cookies, form_token=token)
    answers = finished()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert Milestone.objects.filter(incident=incident, title="One year on").count() == 1
