"""A Redis that answers but refuses to write (full, unable to save to disk, or a replica) is an outage for
what svtoolkit caches: pages still answer from the database, and nothing is read out of date.

Redis is made to refuse for real, by a memory limit of one byte with no eviction, on a redis-server each test
starts for itself: the shared one at 127.0.0.1:6379 serves the tests on the other worker, whose writes it
would refuse too.
"""

import logging

import pytest
import redis
from django.test import Client
from django.urls import reverse

from svtoolkit.accounts.sessions import SessionStore
from tests.core.outages import own_redis, use_redis
from tests.factories import TEST_PASSWORD, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_refusing_writes(settings, tmp_path_factory):
    """A Redis of the test's own as svtoolkit's cache and sessions; call the returned function to make it
    refuse every write from then on."""
    with own_redis(tmp_path_factory.mktemp("redis")) as url:
        use_redis(settings, url)
        server = redis.Redis.from_url(url)

        def refuse():
            server.config_set("maxmemory-policy", "noeviction")
            server.config_set("maxmemory", 1)
            with pytest.raises(redis.exceptions.OutOfMemoryError):
                server.set("svt:test:refused", "x")

        try:
            yield refuse
        finally:
            server.close()


def test_signing_in_and_pages_that_cache_answer_while_redis_refuses_writes(
    redis_refusing_writes, demo, demo_users, caplog
):
    incident = IncidentFactory(partnership=demo, title="Stabbing near the station")
    redis_refusing_writes()
    client = Client(raise_request_exception=False)

    signed_in = client.post(
        reverse("accounts:login"), {"username": "responder@example.org", "password": TEST_PASSWORD}
    )
    listed = client.get(reverse("incidents:list"))
    shown = client.get(reverse("incidents:incident", args=[incident.pk]))
    shown_again = client.get(reverse("incidents:incident", args=[incident.pk]))

    assert signed_in.status_code == 302
    assert (listed.status_code, shown.status_code, shown_again.status_code) == (200, 200, 200)
    assert incident.title in shown_again.content.decode()
    refusals = [
        record
        for record in caplog.records
        if record.name == "svtoolkit.core.cache" and record.levelno == logging.WARNING
    ]
    assert len(refusals) == 1 and "refuses writes" in refusals[0].getMessage()


def test_a_session_changed_while_redis_refuses_writes_is_not_read_as_it_was(redis_refusing_writes, db):
    session = SessionStore()
    session["partnership"] = 1
    session.save()  # kept in Redis too
    redis_refusing_writes()

    session["partnership"] = 2
    session.save()

    assert SessionStore(session.session_key).load()["partnership"] == 2
