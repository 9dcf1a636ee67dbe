"""The delivery layer against a real SMTP server: every message arrives exactly once, whatever fails."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

import svtoolkit
from svtoolkit.core.queueing import ALERTS_QUEUE
from svtoolkit.core.scheduling import scheduled_jobs
from svtoolkit.core.sending import claim_seconds
from svtoolkit.messaging import delivery, services
from svtoolkit.messaging.models import Delivery, DeliveryStatus, Notification, Urgency
from svtoolkit.messaging.services import Recipient
from tests.concurrency import this_connections_dropper
from tests.databases import without_test_settings
from tests.factories import UserFactory
from tests.messaging.servers import slow_resolver

pytestmark = pytest.mark.django_db


def _send(to=("duty@example.org",), **extra):
    fields = {"kind": "test", "subject": "SB-2026-0001: test", "body": "Body text", **extra}
    return services.send(recipients=[Recipient(label=address, email=address) for address in to], **fields)


def test_a_message_reaches_each_recipient_once(smtp_server):
    notification = _send(to=("a@example.org", "b@example.org"))
    assert delivery.deliver_due() == 2
    assert delivery.deliver_due() == 0
    assert sorted(m["To"] for m in smtp_server.received) == ["a@example.org", "b@example.org"]
    assert set(notification.deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.parametrize(
    "trouble, error",
    [
        ("down", "could not be reached"),
        ("defer_address", "450"),  # greylisting: "try later" to an address it has not seen before
        ("defer_sender", "451"),
    ],
)
def test_a_message_the_mail_server_cannot_take_now_is_sent_once_it_can(smtp_server, trouble, error):
    if trouble == "down":
        smtp_server.stop()
    else:
        smtp_server.mode = trouble
    _send()
    assert delivery.deliver_due() == 0
    queued = Delivery.objects.get()
    assert (queued.status, queued.attempts) == (DeliveryStatus.QUEUED, 1)
    assert queued.next_attempt_at > timezone.now()
    assert error in queued.last_error
    if trouble == "down":
        smtp_server.start()
    else:
        smtp_server.mode = "accept"
    assert delivery.deliver_due() == 0, "not before its retry time"
    with time_machine.travel(queued.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
    assert len(smtp_server.received) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_hung_mail_server_times_out_and_the_message_is_tried_again(smtp_server):
    smtp_server.mode = "hang"
    smtp_server.hang_seconds = 3
    _send()
    started = time.monotonic()
    delivery.deliver_due()
    assert time.monotonic() - started < 2.5, "the send timeout (1 s) cut the wait"
    hung = Delivery.objects.get()
    assert (hung.status, hung.attempts) == (DeliveryStatus.QUEUED, 1)
    assert "in time" in hung.last_error
    smtp_server.mode = "accept"
    with time_machine.travel(hung.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
    assert len(smtp_server.received) == 1


def test_an_email_waiting_for_a_retry_after_the_mail_server_did_not_answer_in_time_says_so_once_withdrawn(
    smtp_server,
):
    """The mail server did not answer an alert email in time (it may have taken it all the same), so it
    waits for a retry; then the alert is acknowledged. The mail server cannot be asked: the email is not
    sent again, with the note that an earlier try may have been sent."""
    smtp_server.mode = "hang"
    smtp_server.hang_seconds = 2
    alert = _send(urgency=Urgency.ALERT)
    delivery.deliver_due_alerts()
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")
    smtp_server.mode = "accept"
    delivery.deliver_due_alerts()  # the next sweep, its retry not yet due
    withdrawn = Delivery.objects.get()
    assert smtp_server.received == [], "not sent again"
    assert withdrawn.status == DeliveryStatus.WITHDRAWN and withdrawn.earlier_try_may_have_gone


@pytest.mark.parametrize("refusal", ["defer", "defer_address", "defer_sender", "down"])
def test_an_email_the_mail_server_refused_is_withdrawn_without_saying_an_earlier_try_may_have_gone(
    smtp_server, refusal
):
    """The mail server answered an alert email's try with "try later" (or could not be connected to at all),
    so it was certainly not sent; then the alert is acknowledged. The email is not sent, and no note worries
    the coordinator that an earlier try may have reached the person."""
    if refusal == "down":
        smtp_server.stop()
    else:
        smtp_server.mode = refusal
    alert = _send(urgency=Urgency.ALERT)
    delivery.deliver_due_alerts()
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")
    if refusal == "down":
        smtp_server.start()
    smtp_server.mode = "accept"
    delivery.deliver_due_alerts()
    withdrawn = Delivery.objects.get()
    assert smtp_server.received == [], "not sent again"
    assert withdrawn.status == DeliveryStatus.WITHDRAWN
    assert not withdrawn.earlier_try_may_have_gone
    assert "may have been sent" not in withdrawn.last_error


def test_an_email_refused_then_unanswered_in_time_says_an_earlier_try_may_have_gone_once_withdrawn(
    smtp_server,
):
    """One refused try does not hide a later one whose outcome is unknown."""
    smtp_server.mode = "defer"
    alert = _send(urgency=Urgency.ALERT)
    delivery.deliver_due_alerts()
    smtp_server.mode = "hang"
    smtp_server.hang_seconds = 2
    with time_machine.travel(Delivery.objects.get().next_attempt_at + timedelta(seconds=1)):
        delivery.deliver_due_alerts()
    assert Delivery.objects.get().attempts == 2
    services.withdraw(notification_ids=[alert.pk], because="the alert was acknowledged by Sam Lee")
    smtp_server.mode = "accept"
    delivery.deliver_due_alerts()
    withdrawn = Delivery.objects.get()
    assert withdrawn.status == DeliveryStatus.WITHDRAWN and withdrawn.earlier_try_may_have_gone


def test_an_email_the_mail_server_refused_withdrawn_from_its_recipient_does_not_say_it_may_have_gone(
    smtp_server,
):
    """Someone leaves the response team while their alert email, refused with "try later", waits for a
    retry: it is not sent, and it does not say that an earlier try may have reached them."""
    smtp_server.mode = "defer"
    person = UserFactory()
    alert = services.send(
        kind="test",
        subject="SB-2026-0001: test",
        body="Body text",
        urgency=Urgency.ALERT,
        recipients=[Recipient(label="Duty officer", email="duty@example.org", user=person)],
    )
    delivery.deliver_due_alerts()
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    services.withdraw_deliveries_to(
        recipient=person, among=Q(notification=alert), because="Not sent: no longer on the response team."
    )
    withdrawn = Delivery.objects.get()
    assert withdrawn.status == DeliveryStatus.WITHDRAWN
    assert withdrawn.last_error == "Not sent: no longer on the response team."


def test_a_mail_server_whose_name_is_slow_to_resolve_is_cut_off_at_the_send_timeout(
    smtp_server, settings, monkeypatch
):
    """The lookup of the server's name counts in the send's time: a resolver slower than the send timeout
    (1 s) cannot hold the send past its claim."""
    settings.EMAIL_HOST = slow_resolver(monkeypatch, seconds=4)
    _send()
    started = time.monotonic()
    delivery.deliver_due()
    took = time.monotonic() - started
    assert took < 1.8, "the lookup was cut off at the send timeout"
    assert took < delivery.SENDER.claim_length().total_seconds()
    slow = Delivery.objects.get()
    assert (slow.status, slow.attempts, slow.claimed_until) == (DeliveryStatus.QUEUED, 1, None)
    assert "in time" in slow.last_error
    assert smtp_server.received == []


def test_a_mail_server_whose_name_resolves_in_time_is_sent_to(smtp_server, settings, monkeypatch):
    settings.EMAIL_HOST = slow_resolver(monkeypatch, seconds=0.2)
    _send()
    assert delivery.deliver_due() == 1
    assert len(smtp_server.received) == 1


def test_a_refused_address_fails_at_once_is_shown_and_can_be_sent_again(smtp_server):
    smtp_server.mode = "reject"
    _send()
    delivery.deliver_due()
    failed = Delivery.objects.get()
    assert failed.status == DeliveryStatus.FAILED
    assert "550" in failed.last_error
    smtp_server.mode = "accept"
    coordinator = UserFactory()
    services.resend(delivery=failed, by=coordinator)
    assert delivery.deliver_due() == 1
    assert len(smtp_server.received) == 1


def test_an_alert_and_an_alert_sent_again_wait_for_the_alerts_worker(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    """Ordinary messages stuck on a slow mail server hold up the default queue's worker, never the alerts'."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    smtp_server.mode = "reject"
    with django_capture_on_commit_callbacks(execute=True):
        ordinary = _send(subject="SB-2026-0001: meeting moved")
        alert = _send(subject="SB-2026-0001: stabbing reported", urgency=Urgency.ALERT)
    delivery.deliver_due_alerts()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend(delivery=alert.deliveries.get(status=DeliveryStatus.FAILED), by=UserFactory())
    queued = [
        (task.queue_name, task.args_kwargs["kwargs"]["notification_ids"])
        for task in DBTaskResult.objects.all()
    ]
    assert sorted(queued) == [("alerts", [alert.pk]), ("alerts", [alert.pk]), ("default", [ordinary.pk])]


def test_an_alerts_retry_is_sent_by_the_alerts_queues_sweep_and_never_waits_in_the_default_one(smtp_server):
    """A backlog of ordinary messages in the default queue cannot hold up an alert being tried again."""
    smtp_server.mode = "defer"
    ordinary = _send(subject="SB-2026-0001: meeting moved")
    alert = _send(subject="SB-2026-0001: stabbing reported", urgency=Urgency.ALERT)
    delivery.deliver_notifications([ordinary.pk, alert.pk])  # each first try fails; both wait for a retry
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.QUEUED, 1)}
    smtp_server.mode = "accept"
    sweeps = {job.task.queue_name: job.task for job in scheduled_jobs() if job.name.startswith("messaging.")}
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        sweeps["default"].call()
        assert [m["Subject"] for m in smtp_server.received] == ["SB-2026-0001: meeting moved"]
        sweeps[ALERTS_QUEUE].call()
        sweeps[ALERTS_QUEUE].call()
    assert [m["Subject"] for m in smtp_server.received] == [
        "SB-2026-0001: meeting moved",
        "SB-2026-0001: stabbing reported",
    ]
    assert alert.deliveries.get().status == DeliveryStatus.SENT


def test_rqs_job_timeout_leaves_every_queues_sweep_room_to_finish_its_last_send(tmp_path):
    """A sweep claims sends for up to SVTOOLKIT_SENDING_SECONDS, then asks Notify for up to
    SVTOOLKIT_NOTIFY_STATUS_SECONDS; the alerts' sweep as well as the default one must not be cut off by RQ in
    the middle of its last send (it would be marked failed, not tried again)."""
    environment = {
        **without_test_settings(os.environ),
        "SVTOOLKIT_ENV": "demo",
        "SVTOOLKIT_VAR_DIR": str(tmp_path),
        "SVTOOLKIT_TASK_QUEUE": "redis",
        "REDIS_URL": "redis://redis.invalid:6379/0",  # only read here, never reached
        "SVTOOLKIT_SEND_TIMEOUT": "20",
        "SVTOOLKIT_WEBHOOK_TIMEOUT": "10",
        "DJANGO_SETTINGS_MODULE": "svtoolkit.settings",
        "PYTHONPATH": str(Path(svtoolkit.__file__).parents[1]),  # this checkout's code
    }
    read = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: queue.get('DEFAULT_TIMEOUT') for name, queue in s.RQ_QUEUES.items()}))"
    )
    timeouts = json.loads(subprocess.check_output([sys.executable, "-c", read], env=environment, text=True))
    # SVTOOLKIT_SENDING_SECONDS, the longest claim of one send, and the time the sweep asks Notify (30 s, and
    # the last status call's 5 s)
    needed = 120 + claim_seconds(20) + 30 + 5
    assert timeouts == {"default": needed, ALERTS_QUEUE: needed}


def test_an_address_the_mail_server_refuses_fails_at_once(smtp_server):
    smtp_server.mode = "reject_address"
    _send()
    delivery.deliver_due()
    failed = Delivery.objects.get()
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert "550" in failed.last_error and not smtp_server.received


def test_retries_stop_after_the_set_number_of_tries(smtp_server, settings):
    settings.SVTOOLKIT_DELIVERY_ATTEMPTS = 3
    smtp_server.mode = "defer"
    _send()
    for hours in range(1, 6):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            delivery.deliver_due()
    gave_up = Delivery.objects.get()
    assert (gave_up.status, gave_up.attempts) == (DeliveryStatus.FAILED, 3)
    assert "Gave up after 3 tries" in gave_up.last_error


def test_a_delivery_left_sending_by_a_stopped_worker_is_sent_once_its_claim_runs_out(smtp_server):
    _send()
    # What a worker killed mid-send leaves behind: its claim, and no message at the server.
    Delivery.objects.update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() + timedelta(minutes=2)
    )
    assert delivery.deliver_due() == 0, "another worker may still be sending it"
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert delivery.deliver_due() == 1
        assert delivery.deliver_due() == 0
    assert len(smtp_server.received) == 1


def test_the_same_message_is_created_once_under_one_key(smtp_server):
    first = _send(dedupe_key="partner-notice:1")
    second = _send(dedupe_key="partner-notice:1")
    assert first is not None and second is None
    delivery.deliver_due()
    assert len(smtp_server.received) == 1


def test_each_attempt_carries_the_same_message_id(smtp_server):
    smtp_server.mode = "defer"
    _send()
    delivery.deliver_due()
    smtp_server.mode = "accept"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        delivery.deliver_due()
    sent = Delivery.objects.get()
    assert smtp_server.received_ids() == [sent.provider_reference]


def test_a_secret_link_is_removed_from_the_stored_message_once_sent(smtp_server):
    notification = _send(
        body="Acknowledge: http://x/ack/SECRET123/",
        sms_text="Tap http://x/ack/SECRET123/",
        secret="SECRET123",
    )
    delivery.deliver_due()
    assert "SECRET123" in smtp_server.received[0].get_payload()
    notification.refresh_from_db()
    assert "SECRET123" not in notification.body + notification.sms_text and notification.secret == ""


def test_a_message_that_can_wait_is_held_until_the_persons_quiet_hours_end(smtp_server):
    person = UserFactory(quiet_from=clock(22, 0), quiet_until=clock(7, 0))
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 28, 23, 30)), tick=False):
        services.send(
            kind="reminder", subject="Reminder", body="b", recipients=[services.recipient_for_user(person)]
        )
        services.send(
            kind="alert",
            subject="Alert",
            body="b",
            urgency=Urgency.ALERT,
            recipients=[services.recipient_for_user(person)],
        )
        assert delivery.deliver_due() == 0
        assert delivery.deliver_due_alerts() == 1
        assert [m["Subject"] for m in smtp_server.received] == ["Alert"]
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 29, 7, 1)), tick=False):
        assert delivery.deliver_due() == 1
    assert [m["Subject"] for m in smtp_server.received] == ["Alert", "Reminder"]


def test_a_message_that_can_wait_whose_try_failed_is_not_tried_again_in_the_persons_quiet_hours(smtp_server):
    """The defect: quiet hours held a message only when it was queued: one whose try failed a minute before
    they began was tried again within them, a minute later (a text at night for someone who chose texts)."""
    person = UserFactory(quiet_from=clock(22, 0), quiet_until=clock(7, 0))
    smtp_server.stop()
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 28, 21, 59, 50)), tick=False):
        services.send(
            kind="reminder", subject="Reminder", body="b", recipients=[services.recipient_for_user(person)]
        )
        assert delivery.deliver_due() == 0

    waiting = Delivery.objects.get()
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.QUEUED, 1)
    assert waiting.next_attempt_at == timezone.make_aware(timezone.datetime(2026, 11, 29, 7, 0))


def test_quiet_hours_that_start_and_end_at_the_same_time_hold_nothing(smtp_server):
    person = UserFactory(
        quiet_from=clock(22, 0), quiet_until=clock(22, 0)
    )  # stored before the form refused it
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 28, 23, 30)), tick=False):
        services.send(
            kind="reminder", subject="Reminder", body="b", recipients=[services.recipient_for_user(person)]
        )
        assert delivery.deliver_due() == 1
    assert [m["Subject"] for m in smtp_server.received] == ["Reminder"]


def test_an_alerts_texts_go_before_its_emails(smtp_server, settings):
    """A slow mail server must not hold up the texts of an alert to many people."""
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    smtp_server.accept_delay = 0.05
    people = [
        services.Recipient(label=f"P{n}", email=f"p{n}@example.org", mobile=f"0770090012{n}")
        for n in range(3)
    ]
    services.send(
        kind="alert", subject="Alert", body="b", sms_text="t", urgency=Urgency.ALERT, recipients=people
    )
    assert delivery.deliver_due_alerts() == 6
    sent = list(Delivery.objects.order_by("sent_at", "id").values_list("channel", flat=True))
    assert sent == ["sms"] * 3 + ["email"] * 3


def test_a_sweep_stops_claiming_after_its_time_and_the_next_sweep_sends_the_rest(smtp_server, settings):
    settings.SVTOOLKIT_SENDING_SECONDS = 1
    smtp_server.accept_delay = 0.3
    people = [f"person{n}@example.org" for n in range(5)]
    for address in people:
        _send(to=(address,))
    first = delivery.deliver_due()
    assert 0 < first < len(people), "it stopped claiming after a second"
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED, attempts=0).count() == len(people) - first
    assert delivery.deliver_due() == len(people) - first
    assert sorted(m["To"] for m in smtp_server.received) == people


def test_the_tasks_own_timeout_after_the_server_took_a_message_stops_the_sweep_without_sending_it_again(
    smtp_server,
):
    _send(to=("a@example.org", "b@example.org"))
    original = smtp_server.handle_DATA

    async def accept_then_the_tasks_time_runs_out(server, session, envelope):
        answer = await original(server, session, envelope)
        os.kill(os.getpid(), signal.SIGALRM)  # what RQ's job timeout does, wherever the worker is
        return answer

    smtp_server.handle_DATA = accept_then_the_tasks_time_runs_out
    with pytest.raises(JobTimeoutException), UnixSignalDeathPenalty(60, JobTimeoutException):
        delivery.deliver_due()
    smtp_server.handle_DATA = original
    stopped = Delivery.objects.get(address="a@example.org")
    assert stopped.status == DeliveryStatus.FAILED and "may have gone" in stopped.last_error
    assert Delivery.objects.get(address="b@example.org").status == DeliveryStatus.QUEUED
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert delivery.deliver_due() == 1
    assert [m["To"] for m in smtp_server.received] == ["a@example.org", "b@example.org"]


def test_an_alert_goes_by_text_and_email_and_a_reminder_by_the_channels_chosen(settings):
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    person = UserFactory(mobile_number="07700900123", receive_email=False, receive_sms=True)
    reminder = services.send(
        kind="r", subject="r", body="b", recipients=[services.recipient_for_user(person)]
    )
    alert = services.send(
        kind="a",
        subject="a",
        body="b",
        urgency=Urgency.ALERT,
        recipients=[services.recipient_for_user(person)],
    )
    assert list(reminder.deliveries.values_list("channel", flat=True)) == ["sms"]
    assert sorted(alert.deliveries.values_list("channel", flat=True)) == ["email", "sms"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_send_each_message_once(smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database refuses a second writer at once instead of waiting for it."
        )
    smtp_server.mode = "defer"
    for n in range(6):
        _send(to=(f"person{n}@example.org",))
    smtp_server.mode = "accept"
    smtp_server.accept_delay = 0.05
    later = timezone.now() + timedelta(minutes=5)
    sent = []

    def worker():
        with time_machine.travel(later):
            sent.append(delivery.deliver_due())
        connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sum(sent) == 6
    assert sorted(m["To"] for m in smtp_server.received) == sorted(f"person{n}@example.org" for n in range(6))


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_slow_at_every_step_cannot_hold_a_send_past_its_claim(smtp_server):
    # Each answer comes just inside the one-second send timeout: a timeout per round trip would let the
    # exchange run on past the claim, and a second worker's sweep would send the message again.
    smtp_server.reply_delay = 0.9
    past_the_claim = delivery.SENDER.claim_length() + timedelta(seconds=1)
    sending, swept = threading.Event(), []
    original = smtp_server.handle_MAIL

    async def mail_while_the_other_worker_sweeps(server, session, envelope, address, mail_options):
        sending.set()
        return await original(server, session, envelope, address, mail_options)

    smtp_server.handle_MAIL = mail_while_the_other_worker_sweeps

    def second_worker():
        sending.wait(10)
        with time_machine.travel(timezone.now() + past_the_claim):
            swept.append(delivery.deliver_due())
        connection.close()

    worker = threading.Thread(target=second_worker)
    worker.start()
    started = time.monotonic()
    _send()  # sent straight after the commit
    took = time.monotonic() - started
    sending.set()
    worker.join()
    assert swept == [0] and not smtp_server.received
    assert took < 2, "the send was cut off at the send timeout"
    smtp_server.reply_delay = 0
    with time_machine.travel(Delivery.objects.get().next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
    assert len(smtp_server.received) == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_message_to_be_sent_once(smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip(
            "A killed worker process shares its database only on PostgreSQL (SQLite here is in memory)."
        )
    smtp_server.mode = "hang"
    smtp_server.hang_seconds = 30
    _send()  # its first try, straight after the commit, times out: it waits for its retry
    smtp_server.data_started.clear()
    retry_time = Delivery.objects.get().next_attempt_at + timedelta(seconds=1)
    connections.close_all()
    child = os.fork()
    if child == 0:  # the worker: it hangs in the middle of the send until it is killed
        try:
            with time_machine.travel(retry_time):
                delivery.deliver_due()
        finally:
            os._exit(0)
    assert smtp_server.data_started.wait(10), "the worker reached the middle of the send"
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    left = Delivery.objects.get()
    assert left.status == DeliveryStatus.SENDING and not smtp_server.received
    smtp_server.mode = "accept"
    assert delivery.deliver_due() == 0, "its claim has not run out yet"
    with time_machine.travel(left.claimed_until + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
        assert delivery.deliver_due() == 0
    assert len(smtp_server.received) == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_drops_after_the_send_does_not_send_it_twice(smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("Dropping the worker's database connection from outside needs PostgreSQL.")
    smtp_server.mode = "defer"
    _send()
    smtp_server.mode = "accept"
    drop_the_workers_database = this_connections_dropper()
    original = smtp_server.handle_DATA

    async def accept_then_drop_the_workers_database(server, session, envelope):
        answer = await original(server, session, envelope)
        drop_the_workers_database()
        return answer

    smtp_server.handle_DATA = accept_then_drop_the_workers_database
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert delivery.deliver_due() == 1
    assert connection.connection.info.backend_pid != drop_the_workers_database.backend, (
        "the worker reconnected to record the send"
    )
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert delivery.deliver_due() == 0
    assert len(smtp_server.received) == 1
