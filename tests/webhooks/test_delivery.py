"""Webhooks against a real receiving server that checks every signature: each event is taken once, whatever
fails on the way."""

import socket
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from svtoolkit.core import events
from svtoolkit.core.errors import DomainError
from svtoolkit.webhooks import delivery, services
from svtoolkit.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookEvent
from tests.concurrency import this_connections_dropper
from tests.factories import WebhookDeliveryFactory
from tests.messaging.servers import SLOW_NAME, DrippingHTTPServer, free_port, slow_resolver
from tests.webhooks.builders import endpoint_at, failed_delivery

pytestmark = pytest.mark.django_db

PAYLOAD = {"incident": {"reference": "NB-2026-0001", "status": "assessing"}}


def publish(demo, event_type="incident.categorised"):
    return services.publish(event_type, partnership=demo, payload=PAYLOAD)


def the_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def left_sending(event) -> WebhookDelivery:
    """The delivery of ``event``, left being sent by a worker that stopped mid-send (its claim still runs)."""
    WebhookDelivery.objects.filter(event=event).update(
        status=WebhookDeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() + timedelta(minutes=1)
    )
    return WebhookDelivery.objects.get(event=event)


def test_an_event_reaches_the_endpoint_signed_at_once_and_once(
    demo, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = publish(demo)
    assert receiver.bad_signatures == 0
    assert receiver.accepted_ids() == [event.message_id]
    body = receiver.accepted[0]["payload"]
    assert body["type"] == "incident.categorised" and body["data"] == PAYLOAD
    assert body["timestamp"] == event.created_at.isoformat()
    sent = the_delivery()
    assert (sent.status, sent.attempts, sent.last_response_code) == (WebhookDeliveryStatus.DELIVERED, 1, 200)
    assert delivery.deliver_due() == 0
    assert len(receiver.requests) == 1


def test_an_endpoint_that_fails_is_sent_the_event_once_after_a_retry(demo, endpoint, receiver):
    receiver.answers = [500]
    event = publish(demo)
    assert delivery.deliver_due() == 0
    failed_once = the_delivery()
    assert (failed_once.status, failed_once.attempts, failed_once.last_response_code) == ("queued", 1, 500)
    assert delivery.deliver_due() == 0, "not before its retry time"
    with time_machine.travel(failed_once.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
        assert delivery.deliver_due() == 0
    assert receiver.accepted_ids() == [event.message_id]
    assert [seen["id"] for seen in receiver.requests] == [event.message_id] * 2, (
        "the same webhook-id each time"
    )
    assert the_delivery().status == WebhookDeliveryStatus.DELIVERED


def test_an_endpoint_that_hangs_times_out_and_is_tried_again(demo, endpoint, receiver):
    receiver.answers = ["hang"]
    publish(demo)
    started = time.monotonic()
    delivery.deliver_due()
    assert time.monotonic() - started < 2.2, "the timeout (1 s) cut the wait"
    hung = the_delivery()
    assert (hung.status, hung.attempts) == (WebhookDeliveryStatus.QUEUED, 1)
    assert "did not answer in time" in hung.last_error
    with time_machine.travel(hung.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
    assert len(receiver.accepted) == 1


def test_an_endpoint_that_cannot_be_reached_is_tried_again(demo, demo_users, settings):
    endpoint, _ = endpoint_at(
        f"http://127.0.0.1:{free_port()}/hook", partnership=demo, by=demo_users["coordinator"]
    )
    publish(demo)
    assert delivery.deliver_due() == 0
    waiting = the_delivery()
    assert waiting.status == WebhookDeliveryStatus.QUEUED and "could not be reached" in waiting.last_error


def test_an_endpoint_that_drips_its_answer_is_cut_off_at_the_timeout_well_inside_the_claim(
    demo, demo_users, settings
):
    # A byte every 0.05 s: each read is answered well inside the one-second timeout, the whole answer
    # would take 4 s, and a send that ran on past its claim would be sent again by another worker.
    settings.SVTOOLKIT_WEBHOOK_TIMEOUT = 1
    server = DrippingHTTPServer(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 40 + b"\r\nContent-Length: 0\r\n\r\n")
    endpoint_at(server.url, partnership=demo, by=demo_users["coordinator"])
    publish(demo)
    started = time.monotonic()
    delivery.deliver_due()
    took = time.monotonic() - started
    server.stop()
    assert took < 1.8, "the whole send was cut off at the timeout"
    assert took < delivery.SENDER.claim_length().total_seconds()
    cut_off = the_delivery()
    assert (cut_off.status, cut_off.attempts, cut_off.claimed_until) == (
        WebhookDeliveryStatus.QUEUED,
        1,
        None,
    )
    assert "did not answer in time" in cut_off.last_error
    assert server.requests == 1


@pytest.mark.parametrize("private_networks_allowed", [True, False])
def test_an_endpoint_whose_name_is_slow_to_resolve_is_cut_off_at_the_timeout_well_inside_the_claim(
    demo, demo_users, receiver, settings, monkeypatch, private_networks_allowed
):
    """The lookup of the endpoint's name counts in the post's time (1 s): when the address is checked before
    the post (private networks not allowed) and when it is connected to."""
    settings.SVTOOLKIT_WEBHOOK_TIMEOUT = 1
    _, receiver.secret = endpoint_at(
        f"http://{SLOW_NAME}:{urlsplit(receiver.url).port}/hook",
        partnership=demo,
        by=demo_users["coordinator"],
    )
    slow_resolver(monkeypatch, seconds=4, answer="127.0.0.1" if private_networks_allowed else "93.184.215.14")
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = private_networks_allowed
    publish(demo)
    started = time.monotonic()
    delivery.deliver_due()
    took = time.monotonic() - started
    assert took < 1.8, "the lookup was cut off at the timeout"
    assert took < delivery.SENDER.claim_length().total_seconds()
    slow = the_delivery()
    assert (slow.status, slow.attempts, slow.claimed_until) == (WebhookDeliveryStatus.QUEUED, 1, None)
    assert "in time" in slow.last_error
    assert receiver.requests == []


def test_an_endpoint_that_refuses_fails_at_once_and_can_be_sent_again(demo, demo_users, endpoint, receiver):
    receiver.answers = [410]
    publish(demo)
    delivery.deliver_due()
    refused = the_delivery()
    assert (refused.status, refused.last_response_code) == (WebhookDeliveryStatus.FAILED, 410)
    services.send_again(delivery=refused, by=demo_users["coordinator"])
    assert delivery.deliver_due() == 1
    assert len(receiver.accepted) == 1
    with pytest.raises(DomainError):
        WebhookDelivery.objects.update(status=WebhookDeliveryStatus.SENDING)
        services.send_again(delivery=the_delivery(), by=demo_users["coordinator"])


def test_retries_stop_after_the_set_number_of_tries(demo, endpoint, receiver, settings):
    settings.SVTOOLKIT_WEBHOOK_ATTEMPTS = 3
    receiver.then = 503
    publish(demo)
    for hours in range(0, 5):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            delivery.deliver_due()
    gave_up = the_delivery()
    assert (gave_up.status, gave_up.attempts) == (WebhookDeliveryStatus.FAILED, 3)
    assert "Gave up after 3 tries" in gave_up.last_error and gave_up.last_response_code == 503
    assert len(receiver.requests) == 3


def test_a_delivery_left_sending_by_a_stopped_worker_is_sent_once_its_claim_runs_out(
    demo, endpoint, receiver
):
    publish(demo)
    WebhookDelivery.objects.update(
        status=WebhookDeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert delivery.deliver_due() == 0, "another worker may still be sending it"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert delivery.deliver_due() == 1
        assert delivery.deliver_due() == 0
    assert len(receiver.accepted) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_send_each_event_once(demo, endpoint, receiver):
    # On PostgreSQL it caught a claim that joined the endpoint's table, which PostgreSQL does not check again
    # after waiting for the other worker's lock.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database refuses a second writer instead of waiting for it.")
    receiver.answers = [
        500
    ] * 6  # each first try, straight after its commit, fails: all six wait to be retried
    for _ in range(6):
        publish(demo)
    assert WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.QUEUED, attempts=1).count() == 6
    receiver.delay = 0.05
    later = timezone.now() + timedelta(minutes=5)
    start = threading.Barrier(2)
    sent = []

    def worker():
        with time_machine.travel(later):
            start.wait()
            sent.append(delivery.deliver_due())
        connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sum(sent) == 6
    assert sorted(receiver.accepted_ids()) == sorted(
        WebhookEvent.objects.values_list("message_id", flat=True)
    )
    assert receiver.bad_signatures == 0


@pytest.mark.django_db(transaction=True)
def test_a_database_that_drops_after_the_post_does_not_send_it_twice(demo, endpoint, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("Dropping the worker's database connection from outside needs PostgreSQL.")
    receiver.answers = [500]  # the first try, straight after the commit, fails: the event waits for a retry
    event = publish(demo)
    receiver.after_accepting = this_connections_dropper()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert delivery.deliver_due() == 1
    assert connection.connection.info.backend_pid != receiver.after_accepting.backend, (
        "the worker connected again to record the delivery"
    )
    assert the_delivery().status == WebhookDeliveryStatus.DELIVERED
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert delivery.deliver_due() == 0
    assert receiver.accepted_ids() == [event.message_id]


def test_only_active_endpoints_that_chose_the_event_hear_of_it(demo, demo_users, endpoint):
    assert services.publish("alert.acknowledged", partnership=demo, payload=PAYLOAD) is None
    services.change_endpoint(
        endpoint=endpoint,
        url=endpoint.url,
        description="",
        event_types=endpoint.event_types,
        is_active=False,
        expected_revision=endpoint.revision,
        by=demo_users["coordinator"],
    )
    assert publish(demo) is None
    assert not WebhookDelivery.objects.exists()


def test_an_event_announced_by_any_app_reaches_the_endpoints(demo, endpoint):
    events.publish(events.ALERT_RAISED, partnership=demo, payload=PAYLOAD)
    assert WebhookEvent.objects.get().event_type == "alert.raised"


def test_an_event_of_a_change_that_was_undone_is_never_sent(demo, endpoint, receiver):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        publish(demo)
        raise RuntimeError("the change failed")
    assert not WebhookEvent.objects.exists()
    assert delivery.deliver_due() == 0


def test_a_new_secret_signs_what_is_sent_from_then_on(demo, demo_users, endpoint, receiver):
    receiver.answers = [500]
    publish(demo)
    delivery.deliver_due()
    receiver.secret = services.make_new_secret(
        endpoint=endpoint, expected_revision=endpoint.revision, by=demo_users["coordinator"]
    )
    with time_machine.travel(the_delivery().next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_due() == 1
    assert receiver.bad_signatures == 0 and len(receiver.accepted) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://automation.example.org/hook", "must start with https://"),
        ("https://127.0.0.1/hook", "private network"),
        ("https://[::1]:8443/hook", "private network"),
        # Non-global IPv4 addresses written as IPv6: IPv4-mapped, IPv4-compatible, NAT64 and local NAT64.
        ("https://[::ffff:10.0.0.1]/hook", "private network"),
        ("https://[::7f00:1]/hook", "private network"),
        ("https://[::a9fe:a9fe]/hook", "private network"),
        ("https://[64:ff9b::a00:1]/hook", "private network"),
        ("https://[64:ff9b:1::a00:1]/hook", "private network"),
        # 6to4 (2002::/16) carrying 10.0.0.1 and 169.254.169.254 (cloud metadata), IPv4-translated
        # (::ffff:0:0/96) carrying 10.0.0.1, and the deprecated site-local range (fec0::/10).
        ("https://[2002:a00:1::1]/hook", "private network"),
        ("https://[2002:a9fe:a9fe::1]/latest/meta-data", "private network"),
        ("https://[::ffff:0:a00:1]/hook", "private network"),
        ("https://[fec0::1]/hook", "private network"),
    ],
)
def test_an_endpoint_must_use_https_and_stay_off_private_networks_in_production(
    demo, demo_users, settings, url, message
):
    """The defect: 6to4, IPv4-translated and site-local IPv6 forms of a private address (169.254.169.254,
    the cloud's metadata service, among them) were taken as public, so an endpoint could reach them."""
    settings.SVTOOLKIT_WEBHOOK_ALLOW_HTTP = False
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(DomainError, match=message) as refused:
        services.add_endpoint(
            partnership=demo,
            url=url,
            description="",
            event_types=["incident.categorised"],
            by=demo_users["coordinator"],
        )
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2002:5db8:d70e::1", "::ffff:0:5db8:d70e", "2a00:1450::1"]
)
def test_a_public_address_however_it_is_written_is_not_refused(address):
    delivery.refuse_private(address)


def test_a_host_that_resolves_to_a_private_address_after_it_was_checked_is_not_posted_to(
    demo, demo_users, receiver, settings, monkeypatch
):
    """DNS rebinding: the name answers a public address when it is checked, then the receiver's loopback."""
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    resolve = socket.getaddrinfo
    answers = ["93.184.215.14"] * 2  # checked when it is added, and before the send; then loopback

    def rebinding(host, *args, **kwargs):
        if host == "rebinding.example.org":
            host = answers.pop(0) if answers else "127.0.0.1"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _, receiver.secret = endpoint_at(
        f"http://rebinding.example.org:{urlsplit(receiver.url).port}/hook",
        partnership=demo,
        by=demo_users["coordinator"],
    )
    publish(demo)
    assert delivery.deliver_due() == 0
    refused = the_delivery()
    assert refused.status == WebhookDeliveryStatus.FAILED
    assert "private network (127.0.0.1)" in refused.last_error
    assert receiver.requests == [], "nothing was sent to the private address"
    assert not answers, "the name was resolved again to connect"


def test_a_secret_follows_the_standard_webhooks_format():
    secret = services.new_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
    assert services.new_secret() != secret


def test_an_endpoint_switched_off_is_sent_only_new_events_once_it_is_on_again(
    demo, demo_users, endpoint, receiver
):
    receiver.answers = [500]
    publish(demo, "alert.raised")
    delivery.deliver_due()
    retrying = the_delivery()
    stopped = left_sending(publish(demo))
    fields = {"url": endpoint.url, "description": "", "event_types": endpoint.event_types}
    coordinator = demo_users["coordinator"]
    services.change_endpoint(
        endpoint=endpoint, is_active=False, expected_revision=endpoint.revision, by=coordinator, **fields
    )
    retrying.refresh_from_db()
    assert retrying.status == "withdrawn"
    assert retrying.withdrawn_because.startswith(f"the endpoint was switched off by {coordinator} at ")
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later):
        assert delivery.deliver_due() == 0
    stopped.refresh_from_db()
    assert stopped.status == "withdrawn"
    assert stopped.withdrawn_because == retrying.withdrawn_because
    assert stopped.last_error == "An earlier try may have been sent."
    services.change_endpoint(
        endpoint=endpoint, is_active=True, expected_revision=endpoint.revision, by=coordinator, **fields
    )
    new = publish(demo)
    with time_machine.travel(later):
        assert delivery.deliver_due() == 1
    assert receiver.accepted_ids() == [new.message_id]
    assert len(receiver.requests) == 2


def test_an_event_waiting_for_a_retry_when_its_endpoint_is_switched_off_says_an_earlier_try_may_have_gone(
    demo, demo_users, endpoint, receiver
):
    """The defect: an event whose first try had no answer in time (the endpoint may have taken it) was
    withdrawn, on switching the endpoint off, as never sent; withdrawn at its next claim, it said a try may
    have gone."""
    receiver.answers = ["hang"]
    publish(demo, "alert.raised")
    delivery.deliver_due()
    waiting = the_delivery()
    assert (waiting.status, waiting.attempts) == (WebhookDeliveryStatus.QUEUED, 1)
    services.change_endpoint(
        endpoint=endpoint,
        is_active=False,
        expected_revision=endpoint.revision,
        by=demo_users["coordinator"],
        url=endpoint.url,
        description="",
        event_types=endpoint.event_types,
    )
    waiting.refresh_from_db()
    assert waiting.status == WebhookDeliveryStatus.WITHDRAWN
    assert waiting.last_error.endswith("An earlier try may have been sent.")


@pytest.mark.parametrize("answer", ["no one listening", 429])
def test_an_event_whose_every_try_was_refused_is_withdrawn_as_never_sent(
    demo, demo_users, endpoint, receiver, answer
):
    """The defect: an event whose tries could not connect to the endpoint at all (nothing listening at its
    address), or were answered 429 (not taken), was withdrawn on switching the endpoint off saying "An earlier
    try may have been sent.", as though it might have reached it. Such tries certainly did not go."""
    if answer == "no one listening":
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{free_port()}/hook")
        endpoint.refresh_from_db()
    else:
        receiver.answers = [answer]
    publish(demo, "alert.raised")
    delivery.deliver_due()
    waiting = the_delivery()
    assert (waiting.status, waiting.attempts, waiting.tries_refused) == (WebhookDeliveryStatus.QUEUED, 1, 1)
    services.change_endpoint(
        endpoint=endpoint,
        is_active=False,
        expected_revision=endpoint.revision,
        by=demo_users["coordinator"],
        url=endpoint.url,
        description="",
        event_types=endpoint.event_types,
    )
    waiting.refresh_from_db()
    assert waiting.status == WebhookDeliveryStatus.WITHDRAWN
    assert "may have been sent" not in waiting.last_error


def test_a_failed_event_is_not_sent_again_to_an_endpoint_switched_off(demo, demo_users, endpoint):
    failed = failed_delivery(endpoint)
    fields = {"url": endpoint.url, "description": "", "event_types": endpoint.event_types}
    services.change_endpoint(
        endpoint=endpoint,
        is_active=False,
        expected_revision=endpoint.revision,
        by=demo_users["coordinator"],
        **fields,
    )
    with pytest.raises(DomainError, match="switched off"):
        services.send_again(delivery=failed, by=demo_users["coordinator"])
    failed.refresh_from_db()
    assert failed.status == WebhookDeliveryStatus.FAILED


def test_events_of_a_kind_unticked_for_an_endpoint_are_not_sent_to_it_nor_sent_again(
    demo, demo_users, endpoint, receiver
):
    """The defect: unticking an event type for an endpoint left its waiting events of that type to be sent
    (only switching it off withdrew them), a worker sent them still, and "Send again" queued a failed one
    again: an endpoint told to stop hearing of alerts went on hearing of them."""
    receiver.answers = [500]
    publish(demo, "alert.raised")
    delivery.deliver_due()
    retrying = the_delivery()  # waits for its retry
    unticked_later = WebhookDelivery.objects.get(event=publish(demo, "alert.raised"))
    stopped = left_sending(publish(demo, "alert.raised"))
    still_heard = WebhookDelivery.objects.get(event=publish(demo))
    failed = failed_delivery(endpoint, event_type="alert.raised")
    coordinator = demo_users["coordinator"]
    services.change_endpoint(
        endpoint=endpoint,
        url=endpoint.url,
        description="",
        event_types=["incident.categorised", "action.escalated"],
        is_active=True,
        expected_revision=endpoint.revision,
        by=coordinator,
    )
    retrying.refresh_from_db()
    assert retrying.status == WebhookDeliveryStatus.WITHDRAWN
    assert retrying.withdrawn_because.startswith(
        f"the endpoint stopped hearing of alert.raised events (unticked by {coordinator} at "
    )
    # One published as the box was unticked, before the change committed, is not sent either.
    WebhookDelivery.objects.filter(pk=unticked_later.pk).update(
        status=WebhookDeliveryStatus.QUEUED, withdrawn_because=""
    )
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert delivery.deliver_due() == 1
    assert receiver.accepted_ids() == [still_heard.event.message_id]
    unticked_later.refresh_from_db()
    assert unticked_later.status == WebhookDeliveryStatus.WITHDRAWN
    assert unticked_later.withdrawn_because == "the endpoint no longer hears of alert.raised events"
    stopped.refresh_from_db()
    assert stopped.status == WebhookDeliveryStatus.WITHDRAWN
    assert stopped.withdrawn_because == retrying.withdrawn_because
    with pytest.raises(DomainError, match="no longer hears of alert.raised events"):
        services.send_again(delivery=failed, by=coordinator)
    failed.refresh_from_db()
    assert failed.status == WebhookDeliveryStatus.FAILED


def remove(endpoint, by):
    endpoint.refresh_from_db()
    return services.remove_endpoint(endpoint=endpoint, expected_revision=endpoint.revision, by=by)


def test_events_waiting_for_an_endpoint_when_it_is_removed_are_never_sent_and_say_why(
    demo, demo_users, endpoint, receiver
):
    receiver.answers = [500]
    publish(demo, "alert.raised")
    delivery.deliver_due()
    retrying = the_delivery()
    new = WebhookDelivery.objects.get(event=publish(demo))
    stopped = left_sending(publish(demo))
    delivered = WebhookDeliveryFactory(endpoint=endpoint, status=WebhookDeliveryStatus.DELIVERED, attempts=1)
    coordinator = demo_users["coordinator"]
    assert remove(endpoint, coordinator) == 2
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert delivery.deliver_due() == 0
    for waiting in (retrying, new, stopped):
        waiting.refresh_from_db()
        assert waiting.status == WebhookDeliveryStatus.WITHDRAWN
        assert waiting.withdrawn_because.startswith(f"the endpoint was removed by {coordinator} at ")
    assert retrying.last_error.endswith("An earlier try may have been sent.")
    assert stopped.last_error == "An earlier try may have been sent."
    delivered.refresh_from_db()
    assert delivered.status == WebhookDeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1, "only the first try, before it was removed"
    assert publish(demo) is None, "a removed endpoint hears of nothing new"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", [503, "hang"])
def test_an_event_whose_post_fails_as_its_endpoint_is_removed_shows_not_sent_at_once(
    demo, demo_users, endpoint, receiver, failure
):
    """Removed while a worker posts it, and the post fails in a way that would be tried again: the
    endpoint's log shows it not sent straight away, not queued until the next sweep withdraws it."""
    receiver.answers = [failure]

    def removed_meanwhile():  # on the receiver's thread, with its own database connection
        remove(WebhookEndpoint.objects.get(pk=endpoint.pk), demo_users["coordinator"])
        connection.close()

    receiver.before_answering = removed_meanwhile
    event = publish(demo)
    failed = the_delivery()
    assert failed.status == WebhookDeliveryStatus.WITHDRAWN, failed.last_error
    assert failed.withdrawn_because.startswith(f"the endpoint was removed by {demo_users['coordinator']}")
    assert failed.last_error.endswith("An earlier try may have been sent.")
    assert failed.claimed_until is None and failed.attempts == 1
    assert delivery.deliver_due() == 0
    assert [seen["id"] for seen in receiver.requests] == [event.message_id]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("answer", "status"), [(200, "delivered"), (503, "withdrawn")])
def test_an_event_being_sent_as_its_endpoint_is_removed_goes_once_and_the_worker_carries_on(
    demo, demo_users, endpoint, receiver, answer, status
):
    """Removed while a worker posts it: the post goes, once, and is recorded; one whose post fails is not
    tried again, and says so. The worker neither fails nor sends it a second time."""
    receiver.answers = [answer]
    removed = []

    def removed_meanwhile():  # on the receiver's thread, with its own database connection
        removed.append(remove(WebhookEndpoint.objects.get(pk=endpoint.pk), demo_users["coordinator"]))
        connection.close()

    receiver.before_answering = removed_meanwhile
    event = publish(demo)
    assert removed == [0], "the event was being sent: the removal left it to its worker"
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert delivery.deliver_due() == 0
    sent = the_delivery()
    assert (sent.status, sent.attempts) == (status, 1)
    if status == "withdrawn":
        assert sent.withdrawn_because.startswith(f"the endpoint was removed by {demo_users['coordinator']}")
        assert sent.last_error.endswith("An earlier try may have been sent.")
    assert [seen["id"] for seen in receiver.requests] == [event.message_id]
