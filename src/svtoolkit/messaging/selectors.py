"""Reading what was sent: a person's own messages, a partnership's delivery log, an incident's messages."""

from django.db.models import Q

from svtoolkit.messaging.models import Delivery, DeliveryStatus

RECENT = 200


def deliveries_to(user):
    """What svtoolkit sent this person, newest first: the outbox of the demo, a record elsewhere."""
    addresses = [address for address in (user.email, user.mobile_number) if address]
    return (
        Delivery.objects.filter(Q(recipient=user) | Q(address__in=addresses))
        .select_related("notification")
        .order_by("-created_at", "-id")[:RECENT]
    )


def delivery_log(partnership, *, status: str = ""):
    """Every delivery of the partnership's messages, newest first, optionally of one status."""
    deliveries = Delivery.objects.filter(notification__partnership=partnership)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.select_related("notification", "notification__incident").order_by("-created_at", "-id")


def incident_deliveries(incident):
    return (
        Delivery.objects.filter(notification__incident=incident)
        .select_related("notification")
        .order_by("-created_at", "-id")
    )


def failed_count(incident) -> int:
    return Delivery.objects.filter(notification__incident=incident, status=DeliveryStatus.FAILED).count()


def delivery_in(partnership, delivery_id) -> Delivery | None:
    return (
        Delivery.objects.filter(pk=delivery_id, notification__partnership=partnership)
        .select_related("notification")
        .first()
    )
