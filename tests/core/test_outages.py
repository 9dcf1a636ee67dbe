"""Outages of the database and Redis, and forms whose security token went stale (issue 15, defects 7 and 8).

Every failure here is real: a database file that cannot be opened (or PostgreSQL on a port nobody listens
on), Redis on a port nobody listens on, and a server that accepts and never answers. The healthy case uses the
real Redis at 127.0.0.1:6379.
"""

import os
import re
import time
from datetime import timedelta

import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django_tasks import task

from svtoolkit.core.models import ScheduledRun
from svtoolkit.core.scheduling import Scheduler, job_for
from svtoolkit.incidents.models import Incident
from tests.core.outages import (
    hung_redis,
    in_thread_with_database_down,
    nobody_listening,
    redis_url,
    use_redis,
)
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

# Redis database 14 unless CI or a developer names another; only the health check's key is written there.
HEALTHY_REDIS_URL = os.environ.get("SVTOOLKIT_TEST_REDIS_URL_HEALTHZ", "redis://127.0.0.1:6379/14")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


# --- Defect 7: error pages that work with nothing behind them -------------------------------------------


def test_the_error_page_shows_when_the_database_is_down(client_for, tmp_path):
    client = client_for("responder")
    client.raise_request_exception = False

    response = in_thread_with_database_down(lambda: client.get(reverse("incidents:list")), tmp_path=tmp_path)

    assert response.status_code == 503
    page = response.content.decode()
    assert "Sorry, the service is unavailable" in page
    assert "Nothing you sent was saved" in page
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_a_form_sent_while_the_database_is_down_says_nothing_was_saved(client_for, tmp_path):
    client = client_for("responder")
    client.raise_request_exception = False

    response = in_thread_with_database_down(
        lambda: client.post(reverse("incidents:record"), {"title": "Stabbing"}), tmp_path=tmp_path
    )

    assert response.status_code == 503
    assert "Nothing you sent was saved" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_error_page_shows_when_redis_holding_the_sessions_is_down(settings, demo_users):
    use_redis(settings, redis_url(nobody_listening()), sessions_in_cache=True)
    client = Client(raise_request_exception=False)

    response = client.post(
        reverse("accounts:login"), {"username": "responder@example.org", "password": TEST_PASSWORD}
    )

    assert response.status_code == 503
    assert "Nothing you sent was saved" in response.content.decode()


# --- Defect 7: a form whose security token went stale ----------------------------------------------------


def stale_form_post(client, path, data, *, origin="http://testserver"):
    client.get(path)  # the browser holds a CSRF cookie, but the form's token is from before it changed
    return client.post(path, {**data, "csrfmiddlewaretoken": "x" * 64}, HTTP_ORIGIN=origin)


def test_a_stale_sign_in_form_is_explained_and_given_back_without_the_password(db, demo_users):
    client = Client(enforce_csrf_checks=True)
    typed = {"username": 'responder@example.org"><script>alert(1)</script>', "password": "my-secret-password"}

    response = stale_form_post(client, reverse("accounts:login"), typed)

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your form was not sent" in page and "Nothing was saved" in page
    assert "CSRF verification failed" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "my-secret-password" not in page
    assert "Passwords and codes are not shown or kept" in page


def test_a_stale_incident_form_can_be_sent_again_with_what_was_typed(client_for, demo):
    client = client_for("responder")
    client.handler.enforce_csrf_checks = True
    typed = {
        "title": "Shooting on the Eastgate estate",
        "incident_types": ["firearm", "knife"],
        "occurred_at": "2026-11-24T21:10",
        "notified_at": "2026-11-24T21:40",
        "notification_source": "police",
        "summary": "Shots fired;\none man injured & taken to hospital.",
        "scene_description": "Car park behind Eastgate House",
        "scene_area": "Eastgate",
    }

    refused = stale_form_post(client, reverse("incidents:record"), typed)

    page = refused.content.decode()
    assert refused.status_code == 403 and not Incident.objects.exists()
    assert "Shooting on the Eastgate estate" in page and "taken to hospital" in page
    resent = {}
    for name, value in HIDDEN.findall(page):
        resent.setdefault(name, []).append(value.replace("&amp;", "&").replace("&#x27;", "'"))
    assert resent["incident_types"] == ["firearm", "knife"]
    resent["csrfmiddlewaretoken"] = TOKEN.search(page).group(1)  # a fresh token, not the stale one
    response = client.post(reverse("incidents:record"), resent, HTTP_ORIGIN="http://testserver")

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.summary == typed["summary"] and incident.title == typed["title"]


def test_a_form_sent_after_the_session_ended_is_given_back_to_send_after_signing_in(client_for, demo):
    client = client_for("responder")
    client.get(reverse("incidents:record"))
    Session.objects.all().delete()  # the session ended (clearsessions removes expired ones the same way)
    typed = {"title": "Stabbing at the Crown", "summary": "One man injured <b>outside</b>."}

    refused = client.post(reverse("incidents:record"), typed, HTTP_ORIGIN="http://testserver")

    page = refused.content.decode()
    assert refused.status_code == 403 and not Incident.objects.exists()
    assert "You were signed out, so your form was not sent" in page and "Nothing was saved" in page
    assert "One man injured &lt;b&gt;outside&lt;/b&gt;." in page
    assert dict(HIDDEN.findall(page))["title"] == "Stabbing at the Crown"


def test_a_page_opened_after_the_session_ended_still_goes_to_sign_in(client_for, demo):
    client = client_for("responder")
    Session.objects.all().delete()

    response = client.get(reverse("incidents:record"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_form_forged_by_another_site_is_refused_and_not_given_back(client_for, demo):
    client = client_for("responder")
    client.handler.enforce_csrf_checks = True

    response = stale_form_post(
        client, reverse("incidents:record"), {"title": "Forged title"}, origin="https://attacker.example"
    )

    page = response.content.decode()
    assert response.status_code == 403 and "Your form was not sent" in page
    assert "Forged title" not in page and "Send it again" not in page


# --- Defect 8: Redis down or hung -----------------------------------------------------------------------


def test_healthz_names_each_dependency_when_all_answer(client, settings):
    use_redis(settings, HEALTHY_REDIS_URL)

    response = client.get(reverse("core:healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "task_queue": "ok"},
    }


def test_healthz_answers_503_naming_redis_when_nobody_listens(client, settings):
    use_redis(settings, redis_url(nobody_listening()))

    response = client.get(reverse("core:healthz"))

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks == {"database": "ok", "cache": "unavailable", "task_queue": "unavailable"}


def test_healthz_answers_503_within_seconds_when_redis_hangs(client, settings):
    with hung_redis() as hung:
        use_redis(settings, redis_url(hung.port))
        started = time.monotonic()
        response = client.get(reverse("core:healthz"))
        took = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"
    assert took < 5


def test_healthz_answers_503_when_the_database_is_down(client, tmp_path):
    client.raise_request_exception = False

    response = in_thread_with_database_down(lambda: client.get(reverse("core:healthz")), tmp_path=tmp_path)

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_a_hung_redis_costs_one_timeout_then_fails_at_once(settings):
    from svtoolkit.core.cache import RedisUnavailable

    with hung_redis() as hung:
        use_redis(settings, redis_url(hung.port))
        cache = caches.create_connection("default")
        started = time.monotonic()
        with pytest.raises(redis.exceptions.TimeoutError):
            cache.get("anything")
        first = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(RedisUnavailable):
            cache.get("anything")
        second = time.monotonic() - started

    assert 0.5 < first < 3
    assert second < 0.1


def test_the_cache_asks_redis_again_once_the_retry_time_has_passed(settings):
    from svtoolkit.core.cache import RedisUnavailable

    use_redis(settings, redis_url(nobody_listening()))
    settings.REDIS_RETRY_SECONDS = 0.3
    cache = caches.create_connection("default")
    with pytest.raises(redis.exceptions.ConnectionError) as first:
        cache.get("anything")
    with pytest.raises(RedisUnavailable):
        cache.get("anything")
    time.sleep(0.4)  # the breaker's own clock: there is no other way to let it run out

    with pytest.raises(redis.exceptions.ConnectionError) as again:
        cache.get("anything")

    assert not isinstance(first.value, RedisUnavailable)
    assert not isinstance(again.value, RedisUnavailable)  # Redis itself was asked, and refused


def test_signing_in_works_and_lasts_while_redis_is_down(settings, demo_users):
    use_redis(settings, redis_url(nobody_listening()))
    client = Client()

    signed_in = client.post(
        reverse("accounts:login"), {"username": "responder@example.org", "password": TEST_PASSWORD}
    )

    assert signed_in.status_code == 302
    assert client.get(reverse("incidents:list")).status_code == 200


@task()
def housekeeping() -> str:
    return "done"


def test_a_scheduled_job_due_while_the_queue_is_down_is_queued_by_a_later_tick(settings):
    job = job_for(housekeeping, every=timedelta(minutes=1))
    default_tasks = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    use_redis(settings, redis_url(nobody_listening()))

    assert Scheduler([job]).tick() == []
    assert not ScheduledRun.objects.exists()  # the claim went back with the queueing that failed

    settings.TASKS = default_tasks  # the queue is back
    [run] = Scheduler([job]).tick()
    assert run.job == job.name
