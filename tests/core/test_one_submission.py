"""A form sent twice does its work once: every posting form carries a one-time key, and a second sending is
answered with the first's result (issue 15, defect 4). Also: two identical status changes at once write one
timeline line."""

import pytest
from django.contrib import messages
from django.db import connection
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.cache import RedisUnavailable
from svtoolkit.incidents.models import Decision, Incident, IncidentStatus
from svtoolkit.partnerships.models import Partnership
from tests.concurrency import held_until_both_wait, posts_started
from tests.incidents.access import demo_incident
from tests.incidents.builders import RECORD_FORM
from tests.incidents.test_messages import signed_in_session
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db

ONLY_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="requests overlap only on PostgreSQL (one SQLite connection)"
)


def _sent_twice(client, url, answers):
    """Open ``url``, fill its form with ``answers`` and send the same form twice; both answers."""
    sent = form_on(client.get(url), having="submission_key") | answers
    return client.post(url, sent), client.post(url, sent)


def test_every_posting_form_carries_a_one_time_key(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("responder")
    for url in [reverse("incidents:record"), reverse("incidents:update", args=[incident.pk])]:
        first = form_on(client.get(url), having="submission_key")["submission_key"]
        assert len(first) == 32
        assert form_on(client.get(url), having="submission_key")["submission_key"] != first


def test_an_incident_form_sent_twice_records_one_incident(client_for, demo):
    first, second = _sent_twice(client_for("responder"), reverse("incidents:record"), RECORD_FORM)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Incident.objects.count() == 1


def test_an_update_sent_twice_adds_one_timeline_entry(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:update", args=[incident.pk])
    first, second = _sent_twice(client_for("responder"), url, {"text": "Cordon lifted at 22:00"})
    assert second["Location"] == first["Location"]
    assert incident.timeline.filter(text__contains="Cordon lifted at 22:00").count() == 1


def test_a_decision_sent_twice_is_logged_once(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:decision_add", args=[incident.pk])
    answers = {"what": "Open a rest centre", "why": "Families cannot go home", "who_decided": "Gold"}
    first, second = _sent_twice(client_for("responder"), url, answers)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second["Location"] == first["Location"]
    assert Decision.objects.filter(incident=incident).count() == 1


def test_a_form_with_errors_can_be_corrected_and_sent_with_the_same_key(client_for, demo):
    client = client_for("responder")
    url = reverse("incidents:record")
    sent = form_on(client.get(url), having="submission_key") | RECORD_FORM
    assert client.post(url, sent | {"title": ""}).status_code == 200
    assert client.post(url, sent).status_code == 302
    assert Incident.objects.count() == 1


DECISION = {"what": "Open a rest centre", "why": "Families cannot go home", "who_decided": "Gold"}


def _failing_after_the_work(monkeypatch, failure):
    """The success message that follows a form's work raises ``failure``, as anything may fail once the
    service has written (Redis going away as the page is answered, say); call the returned function to end
    the failure."""
    real_success = messages.success

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(messages, "success", fail)
    return lambda: monkeypatch.setattr(messages, "success", real_success)


@pytest.mark.parametrize(
    "failure, status, page_says",
    [
        (RedisUnavailable("Redis failed moments ago"), 503, "Nothing you sent was saved"),
        (RuntimeError("a fault in the code"), 500, "check whether it was saved"),
    ],
)
def test_a_form_answered_with_a_server_error_saved_nothing_and_sent_again_is_saved_once(
    client_for, demo, demo_users, monkeypatch, failure, status, page_says
):
    """The defect: a form whose work was written before the request failed kept that work, though the 503
    page says nothing was saved, and gave its key back, so sending it again (as the page says) logged the
    decision twice."""
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("responder")
    client.raise_request_exception = False
    url = reverse("incidents:decision_add", args=[incident.pk])
    sent = form_on(client.get(url), having="submission_key") | DECISION
    failure_ends = _failing_after_the_work(monkeypatch, failure)

    failed = client.post(url, sent)

    assert failed.status_code == status
    assert page_says in failed.content.decode()
    assert not Decision.objects.filter(incident=incident).exists()
    failure_ends()
    assert client.post(url, sent).status_code == 302
    assert Decision.objects.filter(incident=incident).count() == 1


def test_a_refused_form_keeps_the_refusal_in_the_audit_log(client_for, demo, demo_users):
    """Work is undone only for a server error: a refusal (403) is the request's answer, and its audit entry
    stays."""
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:decision_add", args=[incident.pk])
    sent = form_on(client_for("responder").get(url), having="submission_key") | DECISION

    assert client_for("viewer").post(url, sent).status_code == 403
    refused = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=demo_users["viewer"])
    assert refused.exists()
    assert not Decision.objects.exists()


def test_another_persons_key_is_not_their_result(client_for, demo):
    client = client_for("responder")
    url = reverse("incidents:record")
    sent = form_on(client.get(url), having="submission_key") | RECORD_FORM
    client.post(url, sent)
    client_for("coordinator").post(url, sent | {"title": "Another incident"})
    assert Incident.objects.count() == 2


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_record_incident_records_one_incident(client, live_server, demo, demo_users):
    url = reverse("incidents:record")
    cookies, token = signed_in_session(client, live_server, demo_users["responder"], url)
    page = client.get(url)
    sent = form_on(page, having="submission_key") | RECORD_FORM
    sent.pop("csrfmiddlewaretoken", None)
    with held_until_both_wait(Partnership.objects.filter(pk=demo.pk)):
        finished = posts_started([(live_server.url + url, sent)] * 2, cookies=cookies, form_token=token)
    answers = finished()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert Incident.objects.count() == 1


@ONLY_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_status_changes_at_once_write_one_timeline_line(client, live_server, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    url = reverse("incidents:status", args=[incident.pk])
    cookies, token = signed_in_session(client, live_server, demo_users["responder"], url)
    target = (
        IncidentStatus.RECOVERY if incident.status == IncidentStatus.RESPONDING else IncidentStatus.RESPONDING
    )
    with held_until_both_wait(Incident.objects.filter(pk=incident.pk)):
        finished = posts_started(
            [(live_server.url + url, {"status": target, "revision": incident.status})] * 2,
            cookies=cookies,
            form_token=token,
        )
    answers = finished()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert Incident.objects.get(pk=incident.pk).status == target
    assert incident.timeline.filter(text__startswith="Status:").count() == 1
