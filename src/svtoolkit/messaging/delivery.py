"""Sending deliveries exactly once: claim, send, record.

A worker first claims a delivery with one conditional UPDATE (queued and due, or claimed by a worker whose
claim has run out), committed before anything is sent, so two workers, a double click or two overlapping
runs can never both send it. The claim lasts well beyond the send timeout; a worker killed mid-send, or whose
database went away, leaves a claim that runs out, and the next sweep sends the delivery again. A failure that
may pass is retried with growing waits; one that cannot, or one that keeps failing, is marked failed and shown
to coordinators, who can send it again.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from svtoolkit.messaging import providers
from svtoolkit.messaging.models import Delivery, DeliveryStatus, Notification, Urgency

logger = logging.getLogger(__name__)

SECRET_REMOVED = "[link removed once sent]"


def claim_length() -> timedelta:
    """Long enough for the slowest send (the timeout) several times over, so a slow send is never doubled."""
    return timedelta(seconds=settings.SVTOOLKIT_SEND_TIMEOUT * 4 + 30)


def retry_wait(attempts: int, urgency: str) -> timedelta:
    """Waits that double from 15 seconds (alerts) or a minute, up to 30 minutes."""
    first = 15 if urgency == Urgency.ALERT else 60
    return timedelta(seconds=min(first * 2 ** (attempts - 1), 30 * 60))


def due_condition(now) -> Q:
    return Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def deliver(delivery_id: int) -> bool:
    """Claim and send one delivery if it is due; returns whether this call sent it."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(due_condition(now))
        .update(status=DeliveryStatus.SENDING, claimed_until=now + claim_length(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        reference = providers.send(delivery)
    except providers.PermanentFailure as error:
        _record(delivery, status=DeliveryStatus.FAILED, last_error=str(error))
        return False
    except Exception as error:  # noqa: BLE001 - any other failure of a send is worth another try
        if not isinstance(error, providers.TemporaryFailure):
            logger.exception("Delivery %s failed unexpectedly", delivery_id)
        _record_retry(delivery, error)
        return False
    outcome = DeliveryStatus.DELIVERED if delivery.provider == providers.OUTBOX else DeliveryStatus.SENT
    _record(delivery, status=outcome, provider_reference=reference, sent_at=timezone.now(), last_error="")
    _remove_secret_once_sent(delivery.notification)
    return True


def _record_retry(delivery, error) -> None:
    if delivery.attempts >= settings.SVTOOLKIT_DELIVERY_ATTEMPTS:
        _record(
            delivery,
            status=DeliveryStatus.FAILED,
            last_error=f"Gave up after {delivery.attempts} tries: {error}",
        )
        return
    _record(
        delivery,
        status=DeliveryStatus.QUEUED,
        last_error=str(error),
        next_attempt_at=timezone.now() + retry_wait(delivery.attempts, delivery.notification.urgency),
    )


def _record(delivery, **outcome) -> None:
    """Write what became of a send, holding on through a database that drops for a while: the message has
    gone, and losing that fact would send it again once the claim runs out."""
    if outcome.get("status") == DeliveryStatus.DELIVERED:
        outcome.setdefault("delivered_at", timezone.now())
    outcome["claimed_until"] = None
    deadline = time.monotonic() + claim_length().total_seconds() / 2
    wait = 0.5
    while True:
        try:
            # Only while the claim is still this worker's (same attempt, still sending).
            Delivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
            ).update(**outcome)
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            logger.warning("The database is unreachable; recording delivery %s again shortly", delivery.pk)
            connection.close()
            time.sleep(wait)
            wait = min(wait * 2, 5)
            close_old_connections()


def _remove_secret_once_sent(message: Notification) -> None:
    if not message.secret:
        return
    outstanding = message.deliveries.exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED])
    if outstanding.exists() or message.deliveries.filter(provider=providers.OUTBOX).exists():
        return
    Notification.objects.filter(pk=message.pk).update(
        body=message.body.replace(message.secret, SECRET_REMOVED),
        sms_text=message.sms_text.replace(message.secret, SECRET_REMOVED),
        secret="",
    )


def deliver_due(*, limit: int = 500) -> int:
    """Send every delivery that is due (new, retrying, or left by a worker that stopped); returns how many."""
    due = Delivery.objects.filter(due_condition(timezone.now())).order_by("next_attempt_at", "id")
    return sum(deliver(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))


def deliver_notifications(notification_ids: list[int]) -> int:
    """Send the deliveries of these messages that are due now (those held for quiet hours wait)."""
    ids = Delivery.objects.filter(notification_id__in=notification_ids).filter(due_condition(timezone.now()))
    return sum(deliver(pk) for pk in list(ids.values_list("pk", flat=True)))


NOTIFY_STATUS_WINDOW = timedelta(days=3)


def check_notify_statuses() -> int:
    """Ask GOV.UK Notify what became of messages it took (delivered, or failed at the phone or inbox)."""
    now = timezone.now()
    waiting = Delivery.objects.filter(
        provider=providers.NOTIFY, status=DeliveryStatus.SENT, sent_at__gte=now - NOTIFY_STATUS_WINDOW
    ).exclude(provider_reference="")
    changed = 0
    for delivery in waiting:
        status = providers.notify_status(delivery.provider_reference)
        if status in providers.NOTIFY_DELIVERED:
            changed += Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.DELIVERED, delivered_at=now
            )
        elif status in providers.NOTIFY_FAILED:
            changed += Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.FAILED, last_error=providers.NOTIFY_FAILED[status]
            )
    return changed
