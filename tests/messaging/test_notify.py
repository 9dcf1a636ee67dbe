"""Text messages and emails through GOV.UK Notify: its own Python client, its HTTP API answered locally."""

import json
import re
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from svtoolkit.core.queueing import ALERTS_QUEUE
from svtoolkit.core.scheduling import scheduled_jobs
from svtoolkit.messaging import delivery, services
from svtoolkit.messaging.models import Delivery, DeliveryStatus, Notification, Urgency
from svtoolkit.messaging.services import Recipient
from tests.messaging.servers import NOTIFY_SMS_TEMPLATE as SMS_TEMPLATE
from tests.messaging.servers import DrippingHTTPServer, slow_resolver
from tests.messaging.servers import notify_accepts as _accept
from tests.messaging.servers import notify_authorised as _authorised

pytestmark = pytest.mark.django_db


def _alert():
    return services.send(
        kind="alert",
        subject="SB-2026-0007: stabbing reported",
        body="A stabbing was reported near Market Street. Acknowledge: http://x/a/1/",
        sms_text="SB-2026-0007 stabbing reported. Acknowledge: http://x/a/1/",
        urgency=Urgency.ALERT,
        recipients=[Recipient(label="Duty officer", email="duty@example.org", mobile="07700900123")],
    )


def _alerts_texted_to_two():
    """Two alerts sent by the alerts sweep: the duty officer's (text 07700900123), then the deputy's (text
    07700900456)."""
    _alert()
    services.send(
        kind="alert",
        subject="s",
        body="b",
        urgency=Urgency.ALERT,
        recipients=[Recipient(label="Deputy", mobile="07700900456")],
    )
    delivery.deliver_due_alerts()


def _taking_then_answering_too_late(texts: list, taken: dict):
    """A handler for the stand-in's send endpoints: it takes each message (in ``texts``, and ``taken`` by its
    reference), then answers after the one-second send timeout: svtoolkit never hears that Notify took it."""

    def handler(request):
        received = json.loads(request.data)
        texts.append(received)
        taken[received["reference"]] = {"id": str(uuid.uuid4()), "created_at": timezone.now().isoformat()}
        time.sleep(1.5)
        return Response(json.dumps(taken[received["reference"]]), 201)

    return handler


def test_an_alert_goes_by_text_and_email_through_notify(notify):
    texts, emails = [], []
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept(texts))
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_handler(_accept(emails))
    _alert()
    assert delivery.deliver_due_alerts() == 2
    assert texts[0]["phone_number"] == "07700900123"
    assert texts[0]["template_id"] == SMS_TEMPLATE
    assert texts[0]["personalisation"]["body"].startswith("SB-2026-0007 stabbing reported")
    assert emails[0]["personalisation"]["subject"] == "SB-2026-0007: stabbing reported"
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == DeliveryStatus.SENT and texts[0]["reference"] == f"delivery-{sms.pk}"


def test_notify_busy_then_back_sends_the_text_once(notify, settings):
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts = []
    notify.expect_oneshot_request("/v2/notifications/sms", method="POST").respond_with_json(
        {"errors": [{"error": "Internal", "message": "Internal server error"}], "status_code": 500},
        status=500,
    )
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept(texts))
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"notifications": [], "links": {}}
    )
    _alert()
    delivery.deliver_due_alerts()
    retrying = Delivery.objects.get(channel="sms")
    assert retrying.status == DeliveryStatus.QUEUED and "500" in retrying.last_error
    with time_machine.travel(retrying.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due_alerts() == 1
    assert len(texts) == 1


def test_a_text_notify_took_but_answered_too_late_is_not_sent_again(notify, settings):
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts, taken = [], {}

    def what_notify_has(request):
        assert _authorised(request) and request.args["template_type"] == "sms"
        found = [taken[request.args["reference"]]] if request.args["reference"] in taken else []
        return Response(json.dumps({"notifications": found, "links": {}}), 200)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        _taking_then_answering_too_late(texts, taken)
    )
    notify.expect_request("/v2/notifications", method="GET").respond_with_handler(what_notify_has)
    _alert()
    delivery.deliver_due_alerts()
    retrying = Delivery.objects.get(channel="sms")
    assert retrying.status == DeliveryStatus.QUEUED and len(texts) == 1
    with time_machine.travel(retrying.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due_alerts() == 1
    sent = Delivery.objects.get(channel="sms")
    assert len(texts) == 1, "the duty officer is texted once"
    assert sent.status == DeliveryStatus.SENT
    assert sent.provider_reference == taken[f"delivery-{sent.pk}"]["id"]


def test_a_text_sent_again_after_notify_failed_it_is_sent_though_its_answer_is_cut_off(notify, settings):
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts = []
    _alert()
    failed = Delivery.objects.get(channel="sms")
    # Sent before, and reported failed by Notify; a coordinator sends it again, and its answer is cut off.
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, attempts=1)
    failed_before = {
        "id": str(uuid.uuid4()),
        "created_at": timezone.now().isoformat(),
        "status": "temporary-failure",
    }

    def take_then_answer_too_late(request):
        texts.append(json.loads(request.data))
        if len(texts) == 1:
            time.sleep(1.5)
        return Response(json.dumps({"id": str(uuid.uuid4())}), 201)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        take_then_answer_too_late
    )
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"notifications": [failed_before], "links": {}}
    )
    services.resend(delivery=failed, by=None)
    delivery.deliver_due_alerts()
    with time_machine.travel(Delivery.objects.get(channel="sms").next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due_alerts() == 1
    sent = Delivery.objects.get(channel="sms")
    assert len(texts) == 2 and sent.provider_reference != failed_before["id"]


def test_a_text_sent_again_after_it_may_have_gone_is_sent_though_notify_was_busy_at_its_first_try(
    notify, settings
):
    """The first send stopped before its outcome was known, and Notify had in fact taken it (the person did
    not get it). A coordinator sends it again; Notify is busy at that first try. The retry sends it: Notify's
    copy of the first send is not taken for the one sent again."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts, taken, busy = [], {}, [True]
    _alert()
    may_have_gone = Delivery.objects.get(channel="sms")
    taken[f"delivery-{may_have_gone.pk}"] = {
        "id": str(uuid.uuid4()),
        "created_at": timezone.now().isoformat(),
        "status": "sending",
    }
    Delivery.objects.filter(pk=may_have_gone.pk).update(
        status=DeliveryStatus.FAILED, attempts=1, last_error="The send stopped before its outcome was known"
    )

    def busy_then_take(request):
        assert _authorised(request)
        if busy[0]:
            busy[0] = False
            return Response(json.dumps({"errors": [], "status_code": 429}), 429)
        received = json.loads(request.data)
        texts.append(received)
        taken[received["reference"]] = {"id": str(uuid.uuid4()), "created_at": timezone.now().isoformat()}
        return Response(json.dumps(taken[received["reference"]]), 201)

    def what_notify_has(request):
        found = [taken[request.args["reference"]]] if request.args["reference"] in taken else []
        return Response(json.dumps({"notifications": found, "links": {}}), 200)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(busy_then_take)
    notify.expect_request("/v2/notifications", method="GET").respond_with_handler(what_notify_has)
    services.resend(delivery=may_have_gone, by=None)
    delivery.deliver_due_alerts()
    retrying = Delivery.objects.get(channel="sms")
    assert retrying.status == DeliveryStatus.QUEUED and "429" in retrying.last_error
    with time_machine.travel(retrying.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due_alerts() == 1
    sent = Delivery.objects.get(channel="sms")
    assert len(texts) == 1, "the text sent again reaches Notify"
    assert sent.status == DeliveryStatus.SENT
    assert sent.provider_reference == taken[texts[0]["reference"]]["id"]
    assert sent.provider_reference != taken[f"delivery-{sent.pk}"]["id"]


@pytest.mark.parametrize("notify_has", ["took it", "has none", "cannot be asked"])
def test_a_withdrawn_text_whose_worker_stopped_mid_send_is_recorded_as_sent_if_notify_took_it(
    notify, settings, notify_has
):
    """A worker was killed while sending an alert text (its claim ran out), then the alert was acknowledged:
    the text is not sent again, and it shows as sent when Notify took it, else as not sent."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts = []
    alert = _alert()
    stopped = Delivery.objects.get(channel="sms")
    taken = {"id": str(uuid.uuid4()), "created_at": timezone.now().isoformat(), "status": "sending"}
    Delivery.objects.filter(pk=stopped.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")

    def what_notify_has(request):
        assert request.args["reference"] == f"delivery-{stopped.pk}"
        if notify_has == "cannot be asked":
            return Response(json.dumps({"errors": [], "status_code": 500}), 500)
        found = [taken] if notify_has == "took it" else []
        return Response(json.dumps({"notifications": found, "links": {}}), 200)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept(texts))
    notify.expect_request("/v2/notifications", method="GET").respond_with_handler(what_notify_has)
    delivery.deliver_due_alerts()
    stopped.refresh_from_db()
    assert texts == [], "not sent again"
    if notify_has == "took it":
        assert stopped.status == DeliveryStatus.SENT and stopped.provider_reference == taken["id"]
        assert stopped.sent_at is not None
    else:
        assert stopped.status == DeliveryStatus.WITHDRAWN and stopped.claimed_until is None
    if notify_has == "cannot be asked":
        assert "may have been sent" in stopped.last_error


def test_a_withdrawn_text_waiting_for_a_retry_after_notify_took_it_too_late_to_say_is_recorded_as_sent(
    notify, settings
):
    """Notify took the alert text but its answer was cut off, so the text waits for a retry; then the alert
    is acknowledged. The person has the text: Notify is asked, and it shows as sent, not sent again."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts, taken = [], {}

    def what_notify_has(request):
        found = [taken[request.args["reference"]]] if request.args["reference"] in taken else []
        return Response(json.dumps({"notifications": found, "links": {}}), 200)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        _taking_then_answering_too_late(texts, taken)
    )
    notify.expect_request("/v2/notifications", method="GET").respond_with_handler(what_notify_has)
    alert = _alert()
    delivery.deliver_due_alerts()
    assert Delivery.objects.get(channel="sms").status == DeliveryStatus.QUEUED
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")
    delivery.deliver_due_alerts()  # the next sweep, its retry not yet due
    sms = Delivery.objects.get(channel="sms")
    assert len(texts) == 1, "not sent again"
    assert sms.status == DeliveryStatus.SENT and sms.provider_reference == taken[f"delivery-{sms.pk}"]["id"]


def test_a_number_notify_refuses_fails_at_once(notify, settings):
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_json(
        {
            "errors": [{"error": "ValidationError", "message": "phone_number Not a UK mobile number"}],
            "status_code": 400,
        },
        status=400,
    )
    _alert()
    delivery.deliver_due_alerts()
    failed = Delivery.objects.get(channel="sms")
    assert failed.status == DeliveryStatus.FAILED and "Not a UK mobile number" in failed.last_error


def test_a_text_notify_refused_as_too_many_is_withdrawn_without_saying_an_earlier_try_may_have_gone(
    notify, settings
):
    """Notify answered an alert text with 429 (too many requests): it did not take it. Then the alert is
    acknowledged while Notify cannot be asked about earlier tries: the text is withdrawn, with no note that
    an earlier try may have been sent, which it certainly was not."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_json(
        {"errors": [{"error": "RateLimitError", "message": "Exceeded rate limit"}], "status_code": 429},
        status=429,
    )
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"errors": [], "status_code": 500}, status=500
    )
    alert = _alert()
    delivery.deliver_due_alerts()
    assert Delivery.objects.get(channel="sms").status == DeliveryStatus.QUEUED
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")
    delivery.deliver_due_alerts()
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == DeliveryStatus.WITHDRAWN
    assert not sms.earlier_try_may_have_gone and "may have been sent" not in sms.last_error


def test_notify_dripping_its_answer_is_cut_off_at_the_send_timeout(notify, settings):
    # Each read is answered well inside the one-second send timeout; the whole answer would take 5 s.
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    server = DrippingHTTPServer(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Slow: "
        + b"." * 40
        + b'\r\nContent-Length: 9\r\n\r\n{"id":""}'
    )
    settings.NOTIFY_BASE_URL = server.url
    _alert()
    started = time.monotonic()
    delivery.deliver_due_alerts()
    took = time.monotonic() - started
    server.stop()
    assert took < 1.8, "the whole send was cut off at the send timeout"
    cut_off = Delivery.objects.get(channel="sms")
    assert (cut_off.status, cut_off.attempts, cut_off.claimed_until) == (DeliveryStatus.QUEUED, 1, None)
    assert server.requests == 1


def test_notify_whose_name_is_slow_to_resolve_is_cut_off_at_the_send_timeout(notify, settings, monkeypatch):
    """The lookup of Notify's name counts in the send's time (1 s)."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    name = slow_resolver(monkeypatch, seconds=4)
    settings.NOTIFY_BASE_URL = notify.url_for("/").replace("localhost", name).replace("127.0.0.1", name)
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept([]))
    _alert()
    started = time.monotonic()
    delivery.deliver_due_alerts()
    took = time.monotonic() - started
    assert took < 1.8, "the lookup was cut off at the send timeout"
    slow = Delivery.objects.get(channel="sms")
    assert (slow.status, slow.attempts, slow.claimed_until) == (DeliveryStatus.QUEUED, 1, None)
    assert not notify.log


def test_notify_status_is_read_back_delivered_or_failed(notify, settings):
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    ids = iter(["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"])
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        lambda request: Response(json.dumps({"id": next(ids)}), 201)
    )
    notify.expect_request("/v2/notifications/11111111-1111-1111-1111-111111111111").respond_with_json(
        {"id": "1", "status": "delivered"}
    )
    notify.expect_request("/v2/notifications/22222222-2222-2222-2222-222222222222").respond_with_json(
        {"id": "2", "status": "permanent-failure"}
    )
    _alerts_texted_to_two()
    assert delivery.check_alert_notify_statuses() == 2
    statuses = dict(Delivery.objects.filter(channel="sms").values_list("address", "status"))
    assert statuses == {"07700900123": DeliveryStatus.DELIVERED, "07700900456": DeliveryStatus.FAILED}
    assert "does not exist" in Delivery.objects.get(address="07700900456").last_error
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert delivery.check_alert_notify_statuses() == 0


def _sweeps() -> dict:
    """The scheduled delivery sweeps, by the queue each runs in."""
    return {job.task.queue_name: job.task for job in scheduled_jobs() if job.name.startswith("messaging.")}


def _notify_reports(notify, status: dict) -> None:
    """The stand-in answers every question about a message it took with ``status["status"]``."""
    notify.expect_request(re.compile(r"/v2/notifications/[0-9a-f-]+"), method="GET").respond_with_handler(
        lambda request: Response(json.dumps({"id": request.path.rsplit("/", 1)[-1], **status}), 200)
    )


def test_an_alert_text_notify_reports_failed_is_recorded_failed_by_the_alerts_sweep_alone(notify):
    """However busy or stuck the default queue's worker is, an alert's text that never reached the duty
    officer shows as failed, to be sent again."""
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept([]))
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_handler(_accept([]))
    status = {"status": "sending"}
    _notify_reports(notify, status)
    ordinary = services.send(
        kind="test",
        subject="SB-2026-0007: meeting moved",
        body="b",
        recipients=[Recipient(label="Sam", email="s@x.org")],
    )
    _alert()
    sweeps = _sweeps()
    sweeps["default"].call()
    sweeps[ALERTS_QUEUE].call()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}

    status["status"] = "permanent-failure"
    sweeps[ALERTS_QUEUE].call()
    text = Delivery.objects.get(channel="sms")
    assert text.status == DeliveryStatus.FAILED and "does not exist" in text.last_error
    assert ordinary.deliveries.get().status == DeliveryStatus.SENT  # the default queue's sweep asks about it
    sweeps["default"].call()
    assert ordinary.deliveries.get().status == DeliveryStatus.FAILED


def test_an_email_of_no_partnership_notify_reports_failed_later_is_logged_for_the_operators(notify, caplog):
    """The defect: a failure Notify reported after taking a message was recorded without a word in the log,
    the one place a failure of a message no partnership's coordinators see (a password reset) is shown."""
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_handler(_accept([]))
    _notify_reports(notify, {"status": "permanent-failure"})
    reset = services.send(
        kind="password_reset",
        subject="Reset your password",
        body="Choose a new password: http://x/reset/abc/",
        recipients=[Recipient(label="Sam", email="sam@example.org")],
    )
    delivery.deliver_due()
    with caplog.at_level("ERROR", logger="svtoolkit"):
        assert delivery.check_notify_statuses() == 1
    failed = reset.deliveries.get()
    assert failed.status == DeliveryStatus.FAILED
    assert f"messaging.Delivery {failed.pk} failed for good: {failed.last_error}" in caplog.messages


def test_a_status_check_notify_does_not_answer_in_time_gives_up_and_is_asked_again_next_run(notify, settings):
    """Each question has SVTOOLKIT_NOTIFY_STATUS_TIMEOUT (1 s here, the send timeout 10 s) and none is asked
    after SVTOOLKIT_NOTIFY_STATUS_SECONDS (1 s): a hung Notify holds the alerts' sweep for about a second, and
    the texts not asked about, the oldest first, are asked about by the next run."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept([]))
    _alerts_texted_to_two()
    settings.SVTOOLKIT_SEND_TIMEOUT = 10
    settings.SVTOOLKIT_NOTIFY_STATUS_TIMEOUT = 1
    settings.SVTOOLKIT_NOTIFY_STATUS_SECONDS = 1
    answer = b'{"id":"","status":"permanent-failure"}'
    server = DrippingHTTPServer(  # the whole answer would take 5 s
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
        + b"." * 40
        + b"\r\nContent-Length: %d\r\n\r\n" % len(answer)
        + answer
    )
    settings.NOTIFY_BASE_URL = server.url
    started = time.monotonic()
    _sweeps()[ALERTS_QUEUE].call()
    took = time.monotonic() - started
    server.stop()
    assert took < 1.8, "the question was given up at the status timeout, and no other was asked"
    assert server.requests == 1
    texts = Delivery.objects.filter(channel="sms")
    assert set(texts.values_list("status", flat=True)) == {DeliveryStatus.SENT}

    settings.NOTIFY_BASE_URL = notify.url_for("/")
    _notify_reports(notify, {"status": "permanent-failure"})
    _sweeps()[ALERTS_QUEUE].call()
    assert set(texts.values_list("status", flat=True)) == {DeliveryStatus.FAILED}


def _alert_with_a_link():
    """An alert texted to the duty officer with the acknowledgement link TOKEN123."""
    return services.send(
        kind="alert",
        subject="SB-2026-0007: stabbing reported",
        body="Acknowledge: http://x/a/TOKEN123/",
        sms_text="SB-2026-0007 stabbing reported. Acknowledge: http://x/a/TOKEN123/",
        secret="TOKEN123",
        urgency=Urgency.ALERT,
        recipients=[Recipient(label="Duty officer", mobile="07700900123")],
    )


def _text_with_a_link_sent(notify, settings) -> list:
    """An alert texted through Notify (its email to the outbox) with the acknowledgement link TOKEN123; the
    texts Notify was sent."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    texts = []
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept(texts))
    _alert_with_a_link()
    delivery.deliver_due_alerts()
    return texts


def test_a_text_notify_reports_failed_is_sent_again_with_its_acknowledgement_link(notify, settings):
    """The link is the one way to acknowledge: it stays while Notify may still report the text failed."""
    texts = _text_with_a_link_sent(notify, settings)
    sms = Delivery.objects.get(channel="sms")
    notify.expect_request(f"/v2/notifications/{sms.provider_reference}").respond_with_json(
        {"id": sms.provider_reference, "status": "temporary-failure"}
    )
    assert delivery.check_alert_notify_statuses() == 1

    services.resend(delivery=Delivery.objects.get(pk=sms.pk), by=None)
    delivery.deliver_due_alerts()
    assert len(texts) == 2 and "TOKEN123" in texts[1]["personalisation"]["body"]
    sms.refresh_from_db()
    notify.expect_request(f"/v2/notifications/{sms.provider_reference}").respond_with_json(
        {"id": sms.provider_reference, "status": "delivered"}
    )
    assert delivery.check_alert_notify_statuses() == 1
    stored = Notification.objects.get()
    assert "TOKEN123" not in stored.body + stored.sms_text and stored.secret == ""


def test_an_alert_text_notify_reports_failed_after_its_recipient_left_the_team_is_not_sent_again(
    notify, settings
):
    """The defect: someone left the response team while Notify was still trying their phone with a text it had
    taken; Notify then reported it failed, and a coordinator could send it again, to the person who had left
    (only deliveries not yet taken were marked as withdrawn from them)."""
    from svtoolkit.alerts.services import withdraw_alerts_to_former_team_member
    from svtoolkit.core.errors import DomainError
    from tests.factories import PartnershipFactory, UserFactory

    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"
    partnership, person = PartnershipFactory(), UserFactory(mobile_number="07700900123")
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(_accept([]))
    services.send(
        kind="alert",
        subject="SB-2026-0007: stabbing reported",
        body="A stabbing was reported.",
        sms_text="SB-2026-0007 stabbing reported.",
        urgency=Urgency.ALERT,
        partnership=partnership,
        recipients=[services.recipient_for_user(person)],
    )
    delivery.deliver_due_alerts()
    sms = Delivery.objects.get(channel="sms")
    assert sms.status == DeliveryStatus.SENT
    withdraw_alerts_to_former_team_member(user=person, partnership=partnership)
    notify.expect_request(f"/v2/notifications/{sms.provider_reference}").respond_with_json(
        {"id": sms.provider_reference, "status": "temporary-failure"}
    )
    assert delivery.check_alert_notify_statuses() == 1

    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.FAILED
    with pytest.raises(DomainError):
        services.resend(delivery=sms, by=None)


def test_the_link_of_a_text_notify_never_reports_on_goes_once_notify_is_no_longer_asked(notify, settings):
    _text_with_a_link_sent(notify, settings)
    assert Notification.objects.get().secret == "TOKEN123"
    with time_machine.travel(timezone.now() + delivery.NOTIFY_STATUS_WINDOW + timedelta(minutes=1)):
        delivery.check_alert_notify_statuses()
    assert Notification.objects.get().secret == ""


@pytest.mark.django_db(transaction=True)
def test_the_link_of_a_text_withdrawn_while_it_was_being_sent_goes_once_its_send_fails(notify, settings):
    """The alert is acknowledged while a worker is sending its text (claimed, so the worker's to send), and
    Notify then refuses the number: nothing more can be sent, so the link's secret is taken out."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = "outbox"

    def acknowledged_meanwhile_then_refused(request):
        try:
            services.withdraw(
                notification_ids=Notification.objects.values_list("pk", flat=True),
                because="the alert was acknowledged by Sam Lee",
            )
        finally:
            connection.close()  # this thread's own
        return Response(
            json.dumps({"errors": [{"error": "ValidationError", "message": "Not a UK mobile number"}]}), 400
        )

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        acknowledged_meanwhile_then_refused
    )
    alert = _alert_with_a_link()
    delivery.deliver_due_alerts()  # sent already, as the message was committed
    assert Delivery.objects.get(channel="sms").status == DeliveryStatus.FAILED
    stored = Notification.objects.get(pk=alert.pk)
    assert stored.withdrawn_because and stored.secret == ""
    assert "TOKEN123" not in stored.body + stored.sms_text
