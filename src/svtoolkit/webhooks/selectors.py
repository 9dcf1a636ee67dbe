"""Reading webhook endpoints and their delivery logs, always within one partnership."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from svtoolkit.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint


def endpoints_of(partnership):
    """The partnership's endpoints, each with how many of its deliveries failed, wait for a retry or were not
    sent (withdrawn as the endpoint was switched off or stopped hearing of their type)."""
    return WebhookEndpoint.objects.filter(partnership=partnership).annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)),
        retrying_count=Count(
            "deliveries",
            filter=Q(deliveries__status=WebhookDeliveryStatus.QUEUED, deliveries__attempts__gt=0),
        ),
        withdrawn_count=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.WITHDRAWN)),
    )


def endpoint_in(partnership, endpoint_id) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, partnership=partnership)


def delivery_log(endpoint):
    """What became of each event sent to the endpoint, newest first."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def delivery_in(partnership, delivery_id) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint__partnership", "event"),
        pk=delivery_id,
        endpoint__partnership=partnership,
    )
