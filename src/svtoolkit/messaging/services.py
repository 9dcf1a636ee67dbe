"""Sending a message: the one way svtoolkit emails or texts anyone.

``send`` writes the message and one delivery per recipient and channel in the caller's transaction, and asks
the task worker to send them once it commits; the worker's sweep sends anything still due, so a message is
never lost between the two. The message names the incident it concerns, so the incident page can show who
was told what, and how it went.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_QUEUE_NAME

from svtoolkit.audit.services import record_updated
from svtoolkit.core.errors import DomainError
from svtoolkit.core.queueing import ALERTS_QUEUE, enqueue_after_commit
from svtoolkit.core.sending import EARLIER_TRY_MAY_HAVE_GONE, queue_again
from svtoolkit.messaging import delivery as sending
from svtoolkit.messaging import providers
from svtoolkit.messaging.models import Channel, Delivery, DeliveryStatus, Notification, Urgency

_kept_in_the_outbox: ContextVar[bool] = ContextVar("kept_in_the_outbox", default=False)


@contextmanager
def kept_in_the_outbox() -> Iterator[None]:
    """Within the block (seeding the demo), messages are written straight into the outbox as delivered:
    nothing is queued for the worker and nothing leaves svtoolkit, whatever providers are set up."""
    token = _kept_in_the_outbox.set(True)
    try:
        yield
    finally:
        _kept_in_the_outbox.reset(token)


@dataclass(frozen=True)
class Recipient:
    """Someone to reach: a person with an account (their own choices apply), or a directory contact."""

    label: str
    email: str = ""
    mobile: str = ""
    user: object = None


def recipient_for_user(user) -> Recipient:
    return Recipient(
        label=user.full_name or user.email, email=user.email, mobile=user.mobile_number, user=user
    )


def recipient_for_contact(contact) -> Recipient:
    return Recipient(
        label=f"{contact.name} ({contact.organisation})", email=contact.email, mobile=contact.mobile_number
    )


def recipients_of(*, dedupe_key: str) -> list[Recipient]:
    """Those the message under ``dedupe_key`` went to, at the addresses it went to, to reach again about
    it (a meeting's cancellation goes to those its invitation reached, whoever the directory names now);
    none withdrawn before it went, and nobody if it was never sent."""
    found: dict[tuple, dict] = {}
    deliveries = Delivery.objects.filter(notification__dedupe_key=dedupe_key).exclude(
        status=DeliveryStatus.WITHDRAWN
    )
    for delivery in deliveries.select_related("recipient").order_by("id"):
        who = found.setdefault(
            (delivery.recipient_id, delivery.recipient_label),
            {"label": delivery.recipient_label, "user": delivery.recipient},
        )
        who["email" if delivery.channel == Channel.EMAIL else "mobile"] = delivery.address
    return [Recipient(**who) for who in found.values()]


def _channels(recipient: Recipient, urgency: str) -> list[tuple[str, str]]:
    """The channels and addresses a message goes to: an alert to every one the person can be reached on,
    anything else to those the person chose (email unless they chose text messages only)."""
    sms_on = bool(providers.provider_for(Channel.SMS)) and bool(recipient.mobile)
    user = recipient.user
    if urgency == Urgency.ALERT or user is None:
        wanted_email, wanted_sms = True, urgency == Urgency.ALERT
    else:
        wanted_sms = user.receive_sms and sms_on
        wanted_email = user.receive_email or not wanted_sms
    channels = []
    if wanted_email and recipient.email:
        channels.append((Channel.EMAIL, recipient.email))
    if wanted_sms and sms_on:
        channels.append((Channel.SMS, recipient.mobile))
    return channels


def _not_before(recipient: Recipient, urgency: str, now: datetime) -> datetime:
    """Now, or the end of the person's quiet hours for a message that can wait."""
    if urgency == Urgency.ALERT or recipient.user is None:
        return now
    return sending.quiet_hours_end(recipient.user, now)


@dataclass(frozen=True)
class Personal:
    """A message of one person's own (a link only they should have), for ``send_personal``."""

    recipient: Recipient
    body: str
    sms_text: str = ""
    secret: str = ""
    dedupe_key: str | None = None


def send(
    *,
    kind: str,
    subject: str,
    body: str,
    recipients,
    urgency: str = Urgency.NORMAL,
    sms_text: str = "",
    partnership=None,
    incident=None,
    attachments=(),
    dedupe_key: str | None = None,
    secret: str = "",
) -> Notification | None:
    """Queue a message to each recipient; returns it, or None if a message with ``dedupe_key`` exists already
    (a double click, a second worker, an overlapping run) or no recipient can be reached."""
    draft = _draft(
        kind=kind,
        subject=subject,
        body=body,
        sms_text=sms_text,
        urgency=urgency,
        partnership=partnership,
        incident=incident,
        attachments=attachments,
        dedupe_key=dedupe_key,
        secret=secret,
    )
    [notification] = _queue([(draft, list(recipients))], urgency)
    return notification


def send_personal(
    *, kind: str, subject: str, messages: list[Personal], urgency: str, partnership=None, incident=None
) -> list[Notification | None]:
    """Queue one message of their own to each person, all at once (an alert to fifty people is one insert
    of messages and one of deliveries, not fifty of each); returns them in order, None as ``send`` would."""
    drafts = [
        (
            _draft(
                kind=kind,
                subject=subject,
                body=message.body,
                sms_text=message.sms_text,
                urgency=urgency,
                partnership=partnership,
                incident=incident,
                dedupe_key=message.dedupe_key,
                secret=message.secret,
            ),
            [message.recipient],
        )
        for message in messages
    ]
    return _queue(drafts, urgency)


def _one_line(text: str) -> str:
    """``text`` on one line, its runs of spaces, line breaks and control characters made one space: a
    subject drawn from what someone typed can always go in an email header."""
    return " ".join("".join(char if char.isprintable() else " " for char in text).split())


def _draft(
    *, kind, subject, body, sms_text, urgency, partnership, incident, dedupe_key, secret, attachments=()
):
    return Notification(
        kind=kind,
        subject=_one_line(subject)[:200],
        body=body,
        sms_text=sms_text[:480],
        urgency=urgency,
        partnership=partnership or getattr(incident, "partnership", None),
        incident=incident,
        attachments=list(attachments),
        dedupe_key=dedupe_key,
        secret=secret,
    )


def _planned_deliveries(recipients, urgency: str, now) -> list[Delivery]:
    outbox_only = _kept_in_the_outbox.get()
    planned = []
    for recipient in recipients:
        for channel, address in _channels(recipient, urgency):
            if (channel, address) not in {(d.channel, d.address) for d in planned}:
                planned.append(
                    Delivery(
                        channel=channel,
                        address=address,
                        recipient=recipient.user,
                        recipient_label=recipient.label[:250],
                        provider=providers.OUTBOX if outbox_only else providers.provider_for(channel),
                        next_attempt_at=_not_before(recipient, urgency, now),
                        created_at=now,
                        **({"status": DeliveryStatus.DELIVERED, "sent_at": now} if outbox_only else {}),
                    )
                )
    return planned


def _queue(drafts, urgency: str) -> list[Notification | None]:
    """Write the drafts that are new and reach someone, with their deliveries, and have the worker send them
    once the transaction commits. A draft whose dedupe key exists already is left out (None)."""
    now = timezone.now()
    keys = [draft.dedupe_key for draft, _ in drafts if draft.dedupe_key]
    existing = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    results: list[Notification | None] = []
    writing = []
    for draft, recipients in drafts:
        planned = _planned_deliveries(recipients, urgency, now)
        if not planned or (draft.dedupe_key and draft.dedupe_key in existing):
            results.append(None)
            continue
        draft.created_at = now
        writing.append((draft, planned))
        results.append(draft)
    if not writing:
        return results
    try:
        with transaction.atomic():
            Notification.objects.bulk_create([draft for draft, _ in writing])
    except IntegrityError:
        # Another worker created one of these keys since we looked: take the drafts one at a time.
        if len(writing) == 1:
            if Notification.objects.filter(dedupe_key=writing[0][0].dedupe_key).exists():
                return [None]
            raise
        for draft, _ in writing:
            draft.pk = None
        return [_queue([one], urgency)[0] for one in drafts]
    deliveries = []
    for draft, planned in writing:
        for delivery in planned:
            delivery.notification = draft
        deliveries += planned
    Delivery.objects.bulk_create(deliveries)
    if not _kept_in_the_outbox.get():
        _enqueue([draft.pk for draft, _ in writing], urgency)
    return results


def _enqueue(notification_ids: list[int], urgency: str) -> None:
    """Send these messages straight after the commit; if the queue is down, the sweep sends them. Alerts go
    in a queue of their own, which ordinary messages stuck on a slow mail server cannot hold up."""
    from svtoolkit.messaging.tasks import deliver_notifications

    queue = ALERTS_QUEUE if urgency == Urgency.ALERT else DEFAULT_TASK_QUEUE_NAME
    enqueue_after_commit(
        deliver_notifications.using(queue_name=queue),
        swept_by="the delivery sweep",
        notification_ids=notification_ids,
    )


@transaction.atomic
def withdraw(*, notification_ids, because: str) -> int:
    """Send these messages no further (an alert acknowledged): each delivery waiting for its first try is not
    sent, and shows ``because``; returns how many. One waiting to be tried again, whose earlier try its
    provider may have taken (its answer cut off), is left to the next sweep, made due now, which withdraws it
    as it does a claimed one (``delivery._withdrawn``: Notify asked first, SMTP noted). One a worker has
    claimed is the worker's: it is sent, once (and if it fails, not tried again). The updates test the
    delivery's own row only, as the claim does, so on PostgreSQL a claim and this never both take a
    delivery."""
    ids = list(notification_ids)
    Notification.objects.filter(pk__in=ids, withdrawn_because="").update(withdrawn_because=because)
    waiting = Delivery.objects.filter(notification_id__in=ids, status=DeliveryStatus.QUEUED)
    waiting.filter(attempts__gt=0).update(next_attempt_at=timezone.now())
    withdrawn = waiting.filter(attempts=0).update(status=DeliveryStatus.WITHDRAWN, claimed_until=None)
    for message in Notification.objects.filter(pk__in=ids).exclude(secret=""):
        sending.remove_secret_once_sent(message)
    return withdrawn


@transaction.atomic
def withdraw_deliveries_to(*, recipient, among: Q, because: str) -> int:
    """Send ``recipient`` none of these messages' deliveries still waiting, for its first try or a retry
    (someone who left the response team mid-alert); each shows ``because``. One a worker has claimed is the
    worker's: it is sent, once, and not tried again should that send fail or its worker stop
    (``delivery._withdrawn``); one that failed is not sent again (``resend``), nor one its provider took that
    it reports failed later (a text Notify is still trying). Returns how many were withdrawn now. ``among``
    (which may look at the messages) only picks the deliveries; the updates test each delivery's own row, as
    the claim does, so on PostgreSQL one a worker has just claimed is not overwritten as not sent."""
    not_waiting_statuses = [DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED]
    not_gone = [DeliveryStatus.QUEUED, *not_waiting_statuses]
    picked = Delivery.objects.filter(among, recipient=recipient, status__in=not_gone)
    theirs = Delivery.objects.filter(pk__in=list(picked.values_list("pk", flat=True)))
    not_waiting = theirs.filter(status__in=not_waiting_statuses)
    not_waiting.update(withdrawn_because=because)
    waiting = theirs.filter(status=DeliveryStatus.QUEUED)
    # A try its provider refused certainly did not go (``Delivery.tries_refused``); any other may have.
    retrying = waiting.filter(attempts__gt=F("tries_refused")).update(
        status=DeliveryStatus.WITHDRAWN,
        claimed_until=None,
        last_error=f"{because} {EARLIER_TRY_MAY_HAVE_GONE}",
    )
    return retrying + waiting.update(status=DeliveryStatus.WITHDRAWN, claimed_until=None, last_error=because)


@transaction.atomic
def resend(*, delivery, by, request=None) -> Delivery:
    """Try a failed delivery again from the start (a coordinator fixed the address, or the server is back).
    A withdrawn message (an alert acknowledged since) is not sent again, nor one withdrawn from its recipient
    (who left the response team) or to a switched-off account (``Delivery.not_sent_again_because``). One
    withdrawn while this runs is withdrawn at its claim (``delivery._withdrawn``)."""
    why_not = Delivery.objects.select_related("notification", "recipient").get(pk=delivery.pk)
    if why_not.not_sent_again_because:
        raise DomainError(why_not.not_sent_again_because)
    # Each send again has a Notify reference of its own (providers.notify_reference).
    queued = queue_again(
        Delivery, delivery.pk, if_status=[DeliveryStatus.FAILED], resends=F("resends") + 1, tries_refused=0
    )
    if not queued:
        raise DomainError("Only a message that failed can be sent again.")
    record_updated(
        by=by, partnership=delivery.notification.partnership, target=delivery, request=request, resent=True
    )
    _enqueue([delivery.notification_id], delivery.notification.urgency)
    delivery.refresh_from_db()
    return delivery


def email_takes_attachments() -> bool:
    """Whether emails go with the files attached to them: GOV.UK Notify's email API takes none (only links to
    files it keeps, which the one email template svtoolkit sends with cannot carry), so a message that would
    attach one says instead how the person gets what it would have given them."""
    return providers.provider_for(Channel.EMAIL) != providers.NOTIFY


def settings_summary() -> dict:
    """What the delivery layer is set up to use, for the operator's and the outbox pages."""
    return {
        "email": providers.provider_for(Channel.EMAIL),
        "sms": providers.provider_for(Channel.SMS),
        "attempts": settings.SVTOOLKIT_DELIVERY_ATTEMPTS,
    }
