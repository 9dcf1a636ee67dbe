"""Sending webhook deliveries exactly once, by ``core.sending``'s claim, send and record: here, only how an
event is signed and posted, and which answers are worth another try. A timeout, a refused connection, 408,
425, 429 or a 5xx answer is tried again with growing waits; any other answer that is not 2xx, or the last of
the tries, marks it failed, shown in the endpoint's delivery log. A delivery reaches its endpoint twice only
if its worker stopped before recording it, or the endpoint took it but answered after the timeout (so it is
tried again); receivers tell such a repeat by its webhook-id.

Each request is signed as the Standard Webhooks specification says (https://www.standardwebhooks.com):
headers webhook-id (the same on every attempt), webhook-timestamp and webhook-signature, an HMAC-SHA256 of
"id.timestamp.body" with the endpoint's secret.
"""

import ipaddress
import json
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook
from urllib3.exceptions import NewConnectionError

from svtoolkit.core.deadlines import Deadline, addresses_within, session_within
from svtoolkit.core.sending import (
    EARLIER_TRY_MAY_HAVE_GONE,
    PermanentFailure,
    Sender,
    TemporaryFailure,
    doubling_wait,
)
from svtoolkit.webhooks.models import WebhookDelivery, WebhookDeliveryStatus

# Answers worth another try: the receiver timed out, is rate-limiting, or failed on its side.
RETRY_CODES = {408, 425, 429}


def retry_wait(attempts: int) -> timedelta:
    """Waits that double from 30 seconds, up to an hour."""
    return doubling_wait(attempts, first=30, longest=60 * 60)


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


# IPv6 addresses that carry an IPv4 address in their last 32 bits, which a translator (NAT64, SIIT) or a stack
# that still takes the deprecated IPv4-compatible form connects to: judged by the IPv4 address they carry.
_CARRYING_IPV4 = (
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
)
# Reaching whatever the local network is set up to reach: NAT64 for local use (RFC 8215), and site-local
# addresses (deprecated, RFC 3879, but still a private range to a stack that routes them).
_LOCAL_IPV6 = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("fec0::/10"))


def _carried(ip):
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4 2002::/16, or in its last 32 bits), else
    the address itself."""
    if ip.version == 4:
        return ip
    if carried := ip.ipv4_mapped or ip.sixtofour:
        return carried
    if any(ip in network for network in _CARRYING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def refuse_private(address: str) -> None:
    """Refuse an address on a private, loopback or link-local network, however it is written (an IPv4
    address carried in an IPv6 one among them)."""
    ip = _carried(ipaddress.ip_address(address.split("%")[0]))
    if any(ip in network for network in _LOCAL_IPV6) or not ip.is_global:
        raise PermanentFailure(f"The endpoint's host is on a private network ({address}).")


def check_destination(url: str, *, deadline: Deadline | None = None) -> None:
    """Refuse an address svtoolkit must not post to: plain http, or (unless the operator allows it) a host on
    a private, loopback or link-local network, so an endpoint cannot be used to reach inside the network.
    The post checks again the address it connected to (``post``): the name may resolve differently then.
    Its lookup is given what is left of ``deadline`` (the post's), else the post's timeout."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.SVTOOLKIT_WEBHOOK_ALLOW_HTTP):
        raise PermanentFailure("The endpoint's address must start with https://.")
    try:
        port = parts.port
    except ValueError:  # past 65535
        port = 0
    if port == 0:
        raise PermanentFailure("The port in the endpoint's address must be a number from 1 to 65535.")
    if settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    deadline = deadline or Deadline(settings.SVTOOLKIT_WEBHOOK_TIMEOUT)
    try:
        addresses = {info[4][0] for info in addresses_within(parts.hostname, port or 443, deadline)}
    except TimeoutError as error:
        raise TemporaryFailure("The endpoint's host could not be found in time.", refused=True) from error
    except (socket.gaierror, UnicodeError) as error:
        raise TemporaryFailure(
            "The endpoint's host could not be found: check the address is typed correctly.", refused=True
        ) from error
    for address in addresses:
        refuse_private(address)


def post(delivery) -> int:
    """Send one delivery; returns the status code of a 2xx answer, or raises a failure."""
    endpoint, event = delivery.endpoint, delivery.event
    # The whole post, its every round trip together (core.sending's claim); the answer's body is not read.
    deadline = Deadline(settings.SVTOOLKIT_WEBHOOK_TIMEOUT)
    check_destination(endpoint.url, deadline=deadline)
    body = body_of(event)
    headers = signed_headers(
        secret=endpoint.secret, message_id=event.message_id, body=body, at=timezone.now()
    )
    try:
        allowed = settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS
        with session_within(deadline, check_peer=None if allowed else refuse_private) as session:
            response = session.post(
                endpoint.url, data=body.encode(), headers=headers, allow_redirects=False, stream=True
            )
    except requests.ConnectTimeout as error:  # nothing was sent: no connection was made in time
        raise TemporaryFailure("The endpoint could not be connected to in time.", refused=True) from error
    except requests.Timeout as error:
        raise TemporaryFailure("The endpoint did not answer in time.") from error
    except requests.RequestException as error:
        raise TemporaryFailure(
            f"The endpoint could not be reached: {type(error).__name__}", refused=_not_connected(error)
        ) from error
    code = response.status_code
    response.close()
    if 200 <= code < 300:
        return code
    if code >= 500 or code in RETRY_CODES:
        # 429 (too many requests) says it was not taken; any other may have been, before the endpoint failed.
        raise TemporaryFailure(f"The endpoint answered {code}.", code=code, refused=code == 429)
    raise PermanentFailure(f"The endpoint refused the event: it answered {code}.", code=code)


def _not_connected(error: requests.RequestException) -> bool:
    """Whether the post failed before a connection was made (the host not found, the connection refused), so
    nothing of the event was sent."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _failure_fields(error: Exception) -> dict:
    """The answer's code, and a try that certainly did not go counted as refused."""
    refused = {"tries_refused": F("tries_refused") + 1} if getattr(error, "refused", False) else {}
    return {"last_response_code": getattr(error, "code", None), **refused}


def _send(delivery) -> dict:
    code = post(delivery)
    return {
        "status": WebhookDeliveryStatus.DELIVERED,
        "last_response_code": code,
        "delivered_at": timezone.now(),
    }


def _withdrawn(delivery) -> dict | None:
    """A delivery whose endpoint was removed or switched off, or stopped hearing of its event's type, while
    it waited (or while a worker that then stopped was sending it, or as it was published) is not sent,
    saying why (and, when it was tried before, that a try may have gone): switching the endpoint on again, or
    ticking the type again, sends only new events."""
    endpoint, event_type = delivery.endpoint, delivery.event.event_type
    if delivery.withdrawn_because:
        because = delivery.withdrawn_because
    elif endpoint.removed_at is not None:
        because = "the endpoint was removed"
    elif not endpoint.is_active:
        because = "the endpoint was switched off"
    elif event_type not in endpoint.event_types:
        because = f"the endpoint no longer hears of {event_type} events"
    else:
        return None
    withdrawn = {"status": WebhookDeliveryStatus.WITHDRAWN, "withdrawn_because": because}
    # ``attempts`` counts this claim: an earlier try may have reached the endpoint unless each was refused.
    if delivery.attempts - 1 > delivery.tries_refused:
        withdrawn["last_error"] = " ".join(filter(None, [delivery.last_error, EARLIER_TRY_MAY_HAVE_GONE]))
    return withdrawn


SENDER = Sender(
    model=WebhookDelivery,
    send=_send,
    timeout=lambda: settings.SVTOOLKIT_WEBHOOK_TIMEOUT,
    attempts_allowed=lambda: settings.SVTOOLKIT_WEBHOOK_ATTEMPTS,
    retry_wait=lambda delivery: retry_wait(delivery.attempts),
    loaded=("endpoint", "event"),
    withdrawn=_withdrawn,
    # Removed, switched off or unticked while this try was posted (``services.withdraw_waiting`` marks the
    # delivery): a try that may pass is not put back to wait, but shown not sent at once.
    withdrawn_while_sending=~Q(withdrawn_because=""),
    withdrawn_after_try=lambda delivery, error: {
        "status": WebhookDeliveryStatus.WITHDRAWN,
        "last_error": f"{error} {EARLIER_TRY_MAY_HAVE_GONE}",
    },
    failure_fields=_failure_fields,
)
deliver = SENDER.deliver


def deliver_due(*, limit: int = 500) -> int:
    """Send every delivery that is due (new, retrying, or left by a worker that stopped), and record as not
    sent those whose endpoint was switched off; returns how many went."""
    return SENDER.deliver_due(limit=limit)


def deliver_event(event_id: int) -> int:
    """Send one new event to its endpoints straight after it was committed."""
    return SENDER.deliver_due(Q(event_id=event_id))
