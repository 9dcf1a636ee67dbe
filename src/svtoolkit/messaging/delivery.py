"""Sending email and text messages exactly once, by ``core.sending``'s claim, send and record: here, only how
a message is sent (by its provider), how long it waits to be tried again (an alert less long), and its secret
link taken out once every delivery has gone. GOV.UK Notify is asked later what became of what it took.
"""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from svtoolkit.core.sending import (
    EARLIER_TRY_MAY_HAVE_GONE,
    Sender,
    TemporaryFailure,
    doubling_wait,
    log_failed_for_good,
)
from svtoolkit.messaging import providers
from svtoolkit.messaging.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    Urgency,
)

SECRET_REMOVED = "[link removed once sent]"
# How long Notify is asked what became of a message it took; until then it may still report it failed.
NOTIFY_STATUS_WINDOW = timedelta(days=3)


def retry_wait(attempts: int, urgency: str) -> timedelta:
    """Waits that double from 15 seconds (alerts) or a minute, up to 30 minutes."""
    return doubling_wait(attempts, first=15 if urgency == Urgency.ALERT else 60, longest=30 * 60)


def quiet_hours_end(person, at: datetime) -> datetime:
    """``at``, or the end of ``person``'s quiet hours if it falls in them: when a message that can wait may
    go to them (queued, or tried again)."""
    start, end = person.quiet_from, person.quiet_until
    # Equal times (kept from before the form refused them) are no quiet hours, not a whole day of them.
    if not (start and end) or start == end:
        return at
    local = timezone.localtime(at)
    clock = local.time()
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return at
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def _wait_before_retry(delivery) -> timedelta:
    """The wait after a try that may pass (for a message that can wait, past its recipient's quiet hours);
    none for one withdrawn while it was being sent (its alert acknowledged, or its recipient off the
    response team), which is never to be tried again: the next sweep, within a minute, withdraws it
    (``_withdrawn``: Notify asked first), and its link goes with it, rather than the panel showing it to be
    tried again until its retry time."""
    withdrawn_meanwhile = Delivery.objects.filter(pk=delivery.pk).filter(
        Q(notification__withdrawn_because__gt="") | Q(withdrawn_because__gt="")
    )
    if withdrawn_meanwhile.exists():
        return timedelta(0)
    urgency = delivery.notification.urgency
    wait = retry_wait(delivery.attempts, urgency)
    if urgency == Urgency.ALERT or delivery.recipient is None:
        return wait
    now = timezone.now()
    return quiet_hours_end(delivery.recipient, now + wait) - now


def _failure_fields(error: Exception) -> dict:
    """A try its provider refused is counted: it certainly did not go."""
    return {"tries_refused": F("tries_refused") + 1} if getattr(error, "refused", False) else {}


def _send(delivery) -> dict:
    reference = providers.send(delivery)
    now = timezone.now()
    if delivery.provider == providers.OUTBOX:  # the outbox is where it ends: delivered as it is sent
        return {
            "status": DeliveryStatus.DELIVERED,
            "provider_reference": reference,
            "sent_at": now,
            "delivered_at": now,
        }
    return {"status": DeliveryStatus.SENT, "provider_reference": reference, "sent_at": now}


def remove_secret_once_sent(message: Notification) -> None:
    """Take the secret link out once nothing more can be sent: every delivery has gone for good (or was
    withdrawn, never to go). One that failed, or that Notify took and may still report failed (until Notify
    says it was delivered or the window in which it is asked has passed), may be sent again by a coordinator:
    until then the link stays, so a message sent again still works. A withdrawn message is never sent again,
    so its link goes once no delivery of it waits or is being sent, whatever became of the others."""
    if not message.secret:
        return
    if message.withdrawn_because:
        outstanding = message.deliveries.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
    else:
        gone_for_good = Q(status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.WITHDRAWN]) | (
            Q(status=DeliveryStatus.SENT)
            & (~Q(provider=providers.NOTIFY) | Q(sent_at__lt=timezone.now() - NOTIFY_STATUS_WINDOW))
        )
        outstanding = message.deliveries.exclude(gone_for_good)
    if outstanding.exists() or message.deliveries.filter(provider=providers.OUTBOX).exists():
        return
    Notification.objects.filter(pk=message.pk).update(
        body=message.body.replace(message.secret, SECRET_REMOVED),
        sms_text=message.sms_text.replace(message.secret, SECRET_REMOVED),
        secret="",
    )


def _withdrawn(delivery) -> dict | None:
    """A delivery whose message was withdrawn (its alert acknowledged), or that was withdrawn from its
    recipient (who left the response team) while a worker was sending it, is not sent again. One tried
    before through Notify is first looked up there, as a retry would be: when Notify took that try (its answer
    cut off, or its worker stopped before recording it), the person has it, so it is recorded as sent. One
    tried before by SMTP cannot be looked up: it is not sent, saying the earlier try may have gone. One whose
    every earlier try its provider refused (``Delivery.tries_refused``) was never sent, and says no such
    thing."""
    if not (delivery.notification.withdrawn_because or delivery.withdrawn_because):
        return None
    # The message's withdrawal is shown with the message; the delivery's own, with the delivery.
    because = "" if delivery.notification.withdrawn_because else f"{delivery.withdrawn_because} "
    not_sent = {"status": DeliveryStatus.WITHDRAWN, **({"last_error": because.strip()} if because else {})}
    # ``attempts`` counts this claim: the tries before it that its provider refused certainly did not go.
    if not delivery.tries_may_have_gone(delivery.attempts - 1):
        return not_sent
    try:
        taken = providers.taken_by_notify(delivery)
    except TemporaryFailure as error:
        return {
            "status": DeliveryStatus.WITHDRAWN,
            "last_error": f"{because}{error}. {EARLIER_TRY_MAY_HAVE_GONE}",
        }
    if delivery.provider == providers.SMTP:
        return {
            "status": DeliveryStatus.WITHDRAWN,
            "last_error": f"{because}The mail server cannot be asked whether it took it. "
            f"{EARLIER_TRY_MAY_HAVE_GONE}",
        }
    if taken:
        return {
            "status": DeliveryStatus.SENT,
            "provider_reference": taken,
            "sent_at": timezone.now(),
            "last_error": "",
        }
    return not_sent


def _after_sending(delivery) -> None:
    """The message read again: the one loaded at the claim does not show a withdrawal made during the send."""
    remove_secret_once_sent(Notification.objects.get(pk=delivery.notification_id))


# Alerts' deliveries: sent, and tried again, only by tasks in the alerts queue (core.queueing.ALERTS_QUEUE).
ALERTS = Q(notification__urgency=Urgency.ALERT)

SENDER = Sender(
    model=Delivery,
    send=_send,
    timeout=lambda: settings.SVTOOLKIT_SEND_TIMEOUT,
    attempts_allowed=lambda: settings.SVTOOLKIT_DELIVERY_ATTEMPTS,
    retry_wait=_wait_before_retry,
    loaded=("notification", "recipient"),
    # An alert's text before its email: a slow mail server must not hold up the texts of a 50-person alert.
    first=(ALERTS & Q(channel=Channel.SMS),),
    withdrawn=_withdrawn,
    failure_fields=_failure_fields,
    after_sending=_after_sending,
)
deliver = SENDER.deliver


def deliver_due(*, limit: int = 500) -> int:
    """The default queue's sweep: send every delivery that is due (new, retrying, held for quiet hours until
    now, or left by a worker that stopped) but alerts', which ``deliver_due_alerts`` sends; returns how many
    went."""
    return SENDER.deliver_due(~ALERTS, limit=limit)


def deliver_due_alerts(*, limit: int = 500) -> int:
    """The alerts queue's sweep: send alerts' deliveries that are due (retrying, or left by a worker that
    stopped), texts first, so no backlog of ordinary messages holds them up; returns how many went."""
    return SENDER.deliver_due(ALERTS, limit=limit)


def deliver_notifications(notification_ids: list[int]) -> int:
    """Send the deliveries of these messages that are due now (those held for quiet hours wait)."""
    return SENDER.deliver_due(Q(notification_id__in=notification_ids))


def check_notify_statuses() -> int:
    """The default queue's sweep: ask GOV.UK Notify what became of messages it took but alerts' (which
    ``check_alert_notify_statuses`` asks about); returns how many changed."""
    return _check_notify_statuses(~ALERTS)


def check_alert_notify_statuses() -> int:
    """The alerts queue's sweep: ask GOV.UK Notify what became of alerts' texts and emails it took, so an
    alert Notify could not deliver is shown failed however busy the default queue is; returns how many
    changed."""
    return _check_notify_statuses(ALERTS)


def _check_notify_statuses(among: Q) -> int:
    """Ask Notify what became of messages ``among`` these it took (delivered, or failed at the phone or
    inbox), oldest first, each call given ``SVTOOLKIT_NOTIFY_STATUS_TIMEOUT``; none is asked about after
    ``SVTOOLKIT_NOTIFY_STATUS_SECONDS``, the rest waiting for the next sweep (a slow or hung Notify holds up
    neither the sweep nor its queue). Then take out the secret links of messages that have now gone for
    good."""
    now = timezone.now()
    _remove_secrets_notify_can_no_longer_fail(now, among)
    waiting = (
        Delivery.objects.filter(
            among,
            provider=providers.NOTIFY,
            status=DeliveryStatus.SENT,
            sent_at__gte=now - NOTIFY_STATUS_WINDOW,
        )
        .exclude(provider_reference="")
        .select_related("notification")
        .order_by("sent_at", "id")
    )
    stop_asking = time.monotonic() + settings.SVTOOLKIT_NOTIFY_STATUS_SECONDS
    changed = 0
    for delivery in waiting:
        if time.monotonic() > stop_asking:
            break
        status = providers.notify_status(delivery.provider_reference)
        if status in providers.NOTIFY_DELIVERED:
            changed += Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.DELIVERED, delivered_at=now
            )
            remove_secret_once_sent(delivery.notification)
        elif status in providers.NOTIFY_FAILED:
            reason = providers.NOTIFY_FAILED[status]
            failed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.FAILED, last_error=reason
            )
            if failed:
                log_failed_for_good(Delivery, delivery.pk, reason)
            changed += failed
    return changed


def _remove_secrets_notify_can_no_longer_fail(now, among: Q) -> None:
    gone_quiet = Delivery.objects.filter(
        among, provider=providers.NOTIFY, status=DeliveryStatus.SENT, sent_at__lt=now - NOTIFY_STATUS_WINDOW
    )
    waiting = Notification.objects.exclude(secret="").filter(pk__in=gone_quiet.values("notification_id"))
    for message in waiting:
        remove_secret_once_sent(message)
