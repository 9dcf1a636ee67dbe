"""Reading webhook endpoints and their delivery logs, always within one partnership."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from svtoolkit.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint


def _with_problems(endpoints):
    """Each endpoint with how many of its deliveries failed, wait for a retry or were not sent (withdrawn as
    the endpoint was switched off, removed or stopped hearing of their type)."""
    return endpoints.annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)),
        retrying_count=Count(
            "deliveries",
            filter=Q(deliveries__status=WebhookDeliveryStatus.QUEUED, deliveries__attempts__gt=0),
        ),
        withdrawn_count=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.WITHDRAWN)),
    )


def endpoints_of(partnership):
    """The partnership's endpoints (not those removed), each with how many of its deliveries failed, wait for
    a retry or were not sent."""
    return _with_problems(WebhookEndpoint.objects.filter(partnership=partnership, removed_at__isnull=True))


def removed_endpoints_of(partnership):
    """The partnership's removed endpoints, latest removed first, kept for their delivery logs."""
    return (
        _with_problems(WebhookEndpoint.objects.filter(partnership=partnership, removed_at__isnull=False))
        .select_related("removed_by")
        .order_by("-removed_at", "-id")
    )


def endpoint_in(partnership, endpoint_id) -> WebhookEndpoint:
    """One of the partnership's endpoints, removed ones included (their pages say so, and their logs stay)."""
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("removed_by"), pk=endpoint_id, partnership=partnership
    )


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
