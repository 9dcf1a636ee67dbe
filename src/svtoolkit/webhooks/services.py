"""Outbound webhooks: endpoints set up by coordinators, and events published to them.

``publish`` is what svtoolkit.core.events calls for every event any app announces (incidents, alerts): it
writes the event and a delivery per endpoint that hears of it in the caller's transaction, and asks the task
worker to send them once it commits; the sweep (``tasks.deliver_due_webhooks``) sends anything still due.
"""

import base64
import json
import secrets

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from svtoolkit.audit.services import record_created, record_deleted, record_updated
from svtoolkit.core.errors import DomainError
from svtoolkit.core.events import EVENT_TYPES
from svtoolkit.core.locking import save_if_unchanged, update_if_unchanged
from svtoolkit.core.queueing import enqueue_after_commit
from svtoolkit.core.sending import EARLIER_TRY_MAY_HAVE_GONE, queue_again
from svtoolkit.webhooks import delivery
from svtoolkit.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def publish(event_type: str, *, partnership, payload: dict) -> WebhookEvent | None:
    """Queue an event to every active endpoint of the partnership that hears of it; call it inside the
    transaction of the change it reports. Returns the event, or None when no endpoint hears of it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            partnership=partnership, is_active=True, removed_at__isnull=True
        )
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return None
    now = timezone.now()
    # Round-tripped through JSON now, so a payload that cannot be sent fails the change, not the worker.
    event = WebhookEvent.objects.create(
        partnership=partnership,
        event_type=event_type,
        payload=json.loads(json.dumps(payload)),
        created_at=now,
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now, created_at=now)
        for endpoint in endpoints
    )
    _enqueue(event.pk)
    return event


def _enqueue(event_id: int) -> None:
    """Send this event straight after the commit; if the queue is down, the webhook sweep sends it."""
    from svtoolkit.webhooks.tasks import deliver_webhook_event

    enqueue_after_commit(deliver_webhook_event, swept_by="the webhook sweep", event_id=event_id)


def _check_destination(url: str) -> None:
    try:
        delivery.check_destination(url)
    except (delivery.PermanentFailure, delivery.TemporaryFailure) as error:
        raise DomainError(str(error), field="url") from error


def check_event_types(*, event_types) -> None:
    """An endpoint hears of at least one event, each of a type svtoolkit sends."""
    unknown = set(event_types) - set(EVENT_TYPES)
    if unknown or not event_types:
        raise DomainError("Choose at least one event the endpoint should hear of.", field="event_types")


@transaction.atomic
def add_endpoint(
    *, partnership, url: str, description: str, event_types, by, request=None
) -> tuple[WebhookEndpoint, str]:
    """Set up an endpoint; returns it and its signing secret, to be shown once."""
    _check_destination(url)
    check_event_types(event_types=event_types)
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        partnership=partnership,
        url=url,
        description=description.strip(),
        event_types=sorted(event_types),
        secret=secret,
        created_by=by,
    )
    record_created(by=by, target=endpoint, request=request, url=url, event_types=endpoint.event_types)
    return endpoint, secret


@transaction.atomic
def change_endpoint(
    *,
    endpoint,
    url: str,
    description: str,
    event_types,
    is_active: bool,
    expected_revision: int | None,
    by,
    request=None,
) -> WebhookEndpoint:
    """Change an endpoint's address, events or description, or switch it off. Compare-and-set on the
    endpoint's revision, so two coordinators changing it at once never overwrite each other. Switched off,
    what was waiting for it is not sent (``withdraw_waiting``); nor, left on, what was waiting of a type it
    no longer hears of. Only a new address is checked: one that has
    since stopped passing (its host moved onto a private network, say) must not stop a coordinator switching
    the endpoint off or editing it, and the check before each send still refuses to post to it."""
    refuse_if_removed(endpoint, so="your changes were not saved")
    if url != endpoint.url:
        _check_destination(url)
    check_event_types(event_types=event_types)
    unticked = sorted(set(endpoint.event_types) - set(event_types))
    update_if_unchanged(
        endpoint,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this endpoint while you were editing it.",
        url=url,
        description=description.strip(),
        event_types=sorted(event_types),
        is_active=is_active,
    )
    at = _now_as_shown()
    if not is_active:
        withdraw_waiting(endpoint=endpoint, because=f"the endpoint was switched off by {by} at {at}")
    else:
        for event_type in unticked:
            withdraw_waiting(
                endpoint=endpoint,
                event_type=event_type,
                because=f"the endpoint stopped hearing of {event_type} events (unticked by {by} at {at})",
            )
    record_updated(
        by=by,
        target=endpoint,
        request=request,
        url=url,
        event_types=endpoint.event_types,
        is_active=is_active,
    )
    return endpoint


def _now_as_shown() -> str:
    """Now, as the delivery log says when an endpoint was switched off, unticked or removed."""
    return f"{timezone.localtime(timezone.now()):%d %b %Y %H:%M}"


def removal_of(endpoint) -> str:
    """Who removed the endpoint and when, as messages say it: "This endpoint was removed by ... on ..."."""
    at = timezone.localtime(endpoint.removed_at)
    by = endpoint.removed_by or "someone who has since left"
    return f"This endpoint was removed by {by} on {at.day} {at:%B %Y} at {at:%H:%M}"


def refuse_if_removed(endpoint, *, so: str) -> None:
    """A removed endpoint changes no more and hears of nothing: refused, saying who removed it, when, and
    ``so`` what became of the change asked for. Read from the database, not the page's copy, so a colleague's
    removal a moment ago counts."""
    stored = WebhookEndpoint.objects.select_related("removed_by").get(pk=endpoint.pk)
    if stored.removed_at is not None:
        raise DomainError(f"{removal_of(stored)}, so {so}.")


def _save_unless_removed(endpoint, *, so: str, expected_revision, conflict_message: str, **changes) -> None:
    """``save_if_unchanged`` on an endpoint still in use: one removed is refused (``refuse_if_removed``), and
    one removed or changed since the page showed it, by a colleague a moment ago, is the edit conflict."""
    refuse_if_removed(endpoint, so=so)
    save_if_unchanged(
        WebhookEndpoint.objects.filter(removed_at__isnull=True),
        endpoint.pk,
        expected_revision=expected_revision,
        conflict_message=conflict_message,
        **changes,
    )


@transaction.atomic
def remove_endpoint(*, endpoint, expected_revision: int | None, by, request=None) -> int:
    """Remove an endpoint whose receiving system is gone: its signing secret is erased, it hears of nothing
    more, and what waits for it is not sent (``withdraw_waiting``: shown in its delivery log as not sent
    because it was removed, by whom and when; one a worker is sending goes once and is not tried again). The
    endpoint stays, without its secret, only so its delivery log can still be read. Compare-and-set on the
    revision the question was asked with: a colleague's change made meanwhile is seen before it goes.
    Returns how many events waiting for it will not be sent."""
    _save_unless_removed(
        endpoint,
        so="there is nothing more to remove",
        expected_revision=expected_revision,
        conflict_message="Someone else changed this endpoint while you were deciding whether to remove it, "
        "so it was not removed. Check it as it is now, then remove it if it should still go.",
        is_active=False,
        secret="",
        removed_at=timezone.now(),
        removed_by=by,
    )
    endpoint.refresh_from_db()
    not_sent = withdraw_waiting(
        endpoint=endpoint, because=f"the endpoint was removed by {by} at {_now_as_shown()}"
    )
    record_deleted(
        by=by,
        target=endpoint,
        request=request,
        url=endpoint.url,
        event_types=endpoint.event_types,
        not_sent=not_sent,
    )
    return not_sent


def withdraw_waiting(*, endpoint, because: str, event_type: str | None = None) -> int:
    """Send the endpoint none of the events waiting for it (of ``event_type`` only, when it no longer hears
    of them; of any type, when it was switched off or removed), so switching it on or ticking the type again
    sends only new ones (an old alert long after it was raised helps no one): each delivery waiting, or
    waiting for a retry, is not sent and says ``because``; returns how many. One a worker is sending is the
    worker's: it goes, once, and if it does not, it is not tried again. The updates test each delivery's own
    row only (the events of the type are a subquery on the events' table), as the claim does, so on
    PostgreSQL a claim and this never both take a delivery."""
    not_withdrawn = WebhookDelivery.objects.filter(endpoint=endpoint, withdrawn_because="")
    if event_type is not None:
        of_type = WebhookEvent.objects.filter(partnership=endpoint.partnership_id, event_type=event_type)
        not_withdrawn = not_withdrawn.filter(event__in=of_type)
    not_withdrawn.filter(status=WebhookDeliveryStatus.SENDING).update(withdrawn_because=because)
    waiting = not_withdrawn.filter(status=WebhookDeliveryStatus.QUEUED)
    withdrawn = {
        "status": WebhookDeliveryStatus.WITHDRAWN,
        "withdrawn_because": because,
        "claimed_until": None,
    }
    # One tried before may have reached the endpoint (its answer came too late, say), as the claim says too,
    # unless every try was refused (``WebhookDelivery.tries_refused``).
    retrying = waiting.filter(attempts__gt=F("tries_refused")).update(
        **withdrawn, last_error=Concat(F("last_error"), Value(f" {EARLIER_TRY_MAY_HAVE_GONE}"))
    )
    return retrying + waiting.update(**withdrawn)


@transaction.atomic
def make_new_secret(*, endpoint, expected_revision: int | None, by, request=None) -> str:
    """Replace the endpoint's signing secret (it was lost or leaked); returns the new one, to be shown once.
    Deliveries from now on, retries included, are signed with it. Compare-and-set on the endpoint's revision
    as the page showed it: a second coordinator pressing the button on a page opened before someone else made
    a new secret is refused, rather than silently replacing the secret the first has just handed on."""
    secret = new_secret()
    _save_unless_removed(
        endpoint,
        so="it was not given a new secret",
        expected_revision=expected_revision,
        conflict_message="Someone else changed this endpoint or made it a new secret while you had its page "
        "open, so no new secret was made. Check the endpoint, then make a new secret if it is still needed.",
        secret=secret,
        secret_made_at=timezone.now(),
    )
    record_updated(by=by, target=endpoint, request=request, new_secret=True)
    return secret


@transaction.atomic
def send_again(*, delivery, by, request=None) -> WebhookDelivery:
    """Send a delivered or failed event to its endpoint again, from the first try (the receiver was fixed, or
    lost what it got); it carries the same webhook-id, so the receiver can tell it has seen it."""
    refuse_if_removed(delivery.endpoint, so="nothing more is sent to it")
    if not delivery.endpoint.is_active:
        raise DomainError("The endpoint is switched off: switch it on to send it events again.")
    if delivery.event.event_type not in delivery.endpoint.event_types:
        raise DomainError(
            f"The endpoint no longer hears of {delivery.event.event_type} events: tick them among its events "
            "to send it this one again."
        )
    finished = [WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED]
    # Sent again on purpose, now the endpoint is on: the switch-off its send outlasted no longer stops it.
    # Its earlier delivery is not this send's: the log shows a time only once this one is delivered.
    if not queue_again(
        WebhookDelivery,
        delivery.pk,
        if_status=finished,
        withdrawn_because="",
        tries_refused=0,
        delivered_at=None,
        last_response_code=None,
    ):
        raise DomainError("This event is still being sent: it cannot be sent again yet.")
    record_updated(
        by=by, partnership=delivery.endpoint.partnership, target=delivery, request=request, sent_again=True
    )
    _enqueue(delivery.event_id)
    delivery.refresh_from_db()
    return delivery
