"""Reading what was sent: a person's own messages, a partnership's delivery log, an incident's messages."""

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from svtoolkit.messaging.models import Delivery, DeliveryStatus, Notification

RECENT = 200


def deliveries_to(user):
    """What svtoolkit sent this person, newest first: the outbox of the demo, a record elsewhere. Those sent
    to their account, and those sent to their email address as a directory contact (kept as typed there:
    compared whatever the capitals, as addresses are); never by a mobile number, which anyone may type as
    theirs."""
    return (
        Delivery.objects.filter(Q(recipient=user) | Q(recipient__isnull=True, address__iexact=user.email))
        .select_related("notification")
        .order_by("-created_at", "-id")[:RECENT]
    )


def delivery_log(partnership, *, statuses=()):
    """Every delivery of the partnership's messages, newest first; only those in `statuses` when some are
    given."""
    deliveries = Delivery.objects.filter(notification__partnership=partnership)
    if statuses:
        deliveries = deliveries.filter(status__in=statuses)
    # The recipient too: whether a failed one may be sent again (``Delivery.not_sent_again_because``).
    return deliveries.select_related("notification", "notification__incident", "recipient").order_by(
        "-created_at", "-id"
    )


def incident_deliveries(incident):
    return (
        Delivery.objects.filter(notification__incident=incident)
        .select_related("notification", "recipient")
        .order_by("-created_at", "-id")
    )


def failed_count(incident_id: int) -> int:
    """How many of the incident's deliveries failed. Read on every request for its page, even one found in the
    cache, so in plain SQL: building the ORM's join cost more CPU than the rest of the page's lookup."""
    deliveries, notifications = Delivery._meta.db_table, Notification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {deliveries} INNER JOIN {notifications}"
            f" ON {deliveries}.notification_id = {notifications}.id"
            f" WHERE {notifications}.incident_id = %s AND {deliveries}.status = %s",
            [incident_id, DeliveryStatus.FAILED.value],
        )
        return cursor.fetchone()[0]


def delivery_in(partnership, delivery_id) -> Delivery | None:
    return (
        Delivery.objects.filter(pk=delivery_id, notification__partnership=partnership)
        .select_related("notification")
        .first()
    )


def reached_no_one(kind: str):
    """Messages of a kind none of whose deliveries went: each one failed for good."""
    not_failed = Delivery.objects.filter(notification=OuterRef("pk")).exclude(status=DeliveryStatus.FAILED)
    return Notification.objects.filter(kind=kind).exclude(Exists(not_failed))


def withdrawn_unsent():
    """Messages none of whose deliveries is left to go or went: each one withdrawn before it was sent."""
    not_withdrawn = Delivery.objects.filter(notification=OuterRef("pk")).exclude(
        status=DeliveryStatus.WITHDRAWN
    )
    return Notification.objects.exclude(Exists(not_withdrawn))


def failed_deliveries(notification) -> list[Delivery]:
    return list(notification.deliveries.filter(status=DeliveryStatus.FAILED).select_related("notification"))
