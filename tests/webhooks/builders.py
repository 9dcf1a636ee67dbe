"""Test data for webhooks: an endpoint at an address, a delivery that gave up after its last try."""

from svtoolkit.webhooks import services
from svtoolkit.webhooks.models import WebhookDeliveryStatus
from tests.factories import WebhookDeliveryFactory, WebhookEventFactory


def failed_delivery(endpoint, **event):
    """A categorisation event to ``endpoint`` that failed eight times, the last with a 503."""
    return WebhookDeliveryFactory(
        endpoint=endpoint,
        event=WebhookEventFactory(partnership=endpoint.partnership, **event),
        status=WebhookDeliveryStatus.FAILED,
        attempts=8,
        last_response_code=503,
        last_error="Gave up after 8 tries: The endpoint answered 503.",
    )


def endpoint_at(url: str, *, partnership, by):
    """An endpoint at ``url`` that hears of categorisations, set up by ``by``; returns it and its secret."""
    return services.add_endpoint(
        partnership=partnership, url=url, description="", event_types=["incident.categorised"], by=by
    )
