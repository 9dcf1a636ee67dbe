"""Sending webhook deliveries exactly once: claim, sign, post, record.

As in svtoolkit.messaging.delivery: a worker first claims a delivery with one conditional UPDATE (queued and
due, or claimed by a worker whose claim has run out), committed before anything is sent, so two workers or
two overlapping sweeps never both send it. The claim lasts well beyond the timeout; a worker killed mid-send
leaves a claim that runs out, and the next sweep sends it again (receivers tell a repeat by its webhook-id).
A timeout, a refused connection, 408, 429 or a 5xx answer is tried again with growing waits; any other answer
that is not 2xx, or the last of the tries, marks it failed, shown in the endpoint's delivery log.

Each request is signed as the Standard Webhooks specification says (https://www.standardwebhooks.com):
headers webhook-id (the same on every attempt), webhook-timestamp and webhook-signature, an HMAC-SHA256 of
"id.timestamp.body" with the endpoint's secret.
"""

import ipaddress
import json
import logging
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from svtoolkit.webhooks.models import WebhookDelivery, WebhookDeliveryStatus

logger = logging.getLogger(__name__)

# Answers worth another try: the receiver timed out, is rate-limiting, or failed on its side.
RETRY_CODES = {408, 425, 429}


class TemporaryFailure(Exception):
    """The endpoint could not take the event now; a later attempt may succeed."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class PermanentFailure(Exception):
    """The endpoint refused the event, or may not be sent to; trying again cannot help."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


def claim_length() -> timedelta:
    return timedelta(seconds=settings.SVTOOLKIT_WEBHOOK_TIMEOUT * 4 + 30)


def retry_wait(attempts: int) -> timedelta:
    """Waits that double from 30 seconds, up to an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 60 * 60))


def due_condition(now) -> Q:
    """Due on the delivery's own row. The claim must test no other table: PostgreSQL turns a join in an UPDATE
    into a subquery that it does not check again after waiting for another worker's lock, so two workers
    would both claim the delivery."""
    return Q(status=WebhookDeliveryStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=WebhookDeliveryStatus.SENDING, claimed_until__lt=now
    )


def body_of(event) -> str:
    """The request body: the event as Standard Webhooks shapes it (type, timestamp, data)."""
    return json.dumps(
        {"type": event.event_type, "timestamp": event.created_at.isoformat(), "data": event.payload},
        separators=(",", ":"),
        sort_keys=True,
    )


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    at = at.astimezone(UTC)
    return {
        "content-type": "application/json",
        "user-agent": "svtoolkit-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body),
    }


def check_destination(url: str) -> None:
    """Refuse an address svtoolkit must not post to: plain http, or (unless the operator allows it) a host on
    a private, loopback or link-local network, so an endpoint cannot be used to reach inside the network."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.SVTOOLKIT_WEBHOOK_ALLOW_HTTP):
        raise PermanentFailure("The endpoint's address must start with https://.")
    if settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError) as error:
        raise TemporaryFailure(f"The endpoint's host could not be found: {error}") from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise PermanentFailure(f"The endpoint's host is on a private network ({ip}).")


def post(delivery) -> int:
    """Send one delivery; returns the status code of a 2xx answer, or raises a failure."""
    endpoint, event = delivery.endpoint, delivery.event
    check_destination(endpoint.url)
    body = body_of(event)
    headers = signed_headers(
        secret=endpoint.secret, message_id=event.message_id, body=body, at=timezone.now()
    )
    try:
        response = requests.post(
            endpoint.url,
            data=body.encode(),
            headers=headers,
            timeout=settings.SVTOOLKIT_WEBHOOK_TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout as error:
        raise TemporaryFailure("The endpoint did not answer in time.") from error
    except requests.RequestException as error:
        raise TemporaryFailure(f"The endpoint could not be reached: {type(error).__name__}") from error
    code = response.status_code
    response.close()
    if 200 <= code < 300:
        return code
    if code >= 500 or code in RETRY_CODES:
        raise TemporaryFailure(f"The endpoint answered {code}.", code=code)
    raise PermanentFailure(f"The endpoint refused the event: it answered {code}.", code=code)


def deliver(delivery_id: int) -> bool:
    """Claim and send one delivery if it is due; returns whether this call delivered it."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(due_condition(now))
        .update(
            status=WebhookDeliveryStatus.SENDING,
            claimed_until=now + claim_length(),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    if not delivery.endpoint.is_active:  # switched off since it was picked: it waits, its try not counted
        _record(delivery, status=WebhookDeliveryStatus.QUEUED, attempts=delivery.attempts - 1)
        return False
    try:
        code = post(delivery)
    except PermanentFailure as error:
        _record(
            delivery,
            status=WebhookDeliveryStatus.FAILED,
            last_error=str(error),
            last_response_code=error.code,
        )
        return False
    except Exception as error:  # noqa: BLE001 - any other failure of a send is worth another try
        if not isinstance(error, TemporaryFailure):
            logger.exception("Webhook delivery %s failed unexpectedly", delivery_id)
        _record_retry(delivery, error)
        return False
    _record(
        delivery,
        status=WebhookDeliveryStatus.DELIVERED,
        last_response_code=code,
        last_error="",
        delivered_at=timezone.now(),
    )
    return True


def _record_retry(delivery, error) -> None:
    code = getattr(error, "code", None)
    if delivery.attempts >= settings.SVTOOLKIT_WEBHOOK_ATTEMPTS:
        _record(
            delivery,
            status=WebhookDeliveryStatus.FAILED,
            last_response_code=code,
            last_error=f"Gave up after {delivery.attempts} tries: {error}",
        )
        return
    _record(
        delivery,
        status=WebhookDeliveryStatus.QUEUED,
        last_response_code=code,
        last_error=str(error),
        next_attempt_at=timezone.now() + retry_wait(delivery.attempts),
    )


def _record(delivery, **outcome) -> None:
    """Write what became of a send, only while the claim is still this worker's (same attempt, sending)."""
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=WebhookDeliveryStatus.SENDING, attempts=delivery.attempts
    ).update(claimed_until=None, **outcome)


def deliver_due(*, limit: int = 500) -> int:
    """Send every delivery that is due (new, retrying, or left by a worker that stopped); returns how many."""
    due = WebhookDelivery.objects.filter(due_condition(timezone.now()), endpoint__is_active=True).order_by(
        "next_attempt_at", "id"
    )
    return sum(deliver(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))


def deliver_event(event_id: int) -> int:
    """Send one new event to its endpoints straight after it was committed."""
    due = WebhookDelivery.objects.filter(event_id=event_id, endpoint__is_active=True).filter(
        due_condition(timezone.now())
    )
    return sum(deliver(pk) for pk in list(due.values_list("pk", flat=True)))
