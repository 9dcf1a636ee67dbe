"""Who may GET each webhook page (coordinators only), and the objects their URLs name."""

from svtoolkit.webhooks import services
from tests.access_expectations_base import COORDINATOR_ONLY, COORDINATOR_ONLY_POST
from tests.webhooks.builders import failed_delivery

EXPECTED = {
    "webhooks:endpoints": COORDINATOR_ONLY,
    "webhooks:endpoint_add": COORDINATOR_ONLY,
    "webhooks:endpoint": COORDINATOR_ONLY,
    "webhooks:endpoint_secret": COORDINATOR_ONLY_POST,
    "webhooks:endpoint_remove": COORDINATOR_ONLY,
    "webhooks:deliveries": COORDINATOR_ONLY,
    "webhooks:delivery_send_again": COORDINATOR_ONLY_POST,
}


def url_kwargs(demo, demo_users):
    endpoint, _ = services.add_endpoint(
        partnership=demo,
        url="https://automation.example.org/svtoolkit",
        description="Council Teams channel",
        event_types=["incident.categorised", "action.escalated"],
        by=demo_users["coordinator"],
    )
    failed = failed_delivery(endpoint)
    by_endpoint = {"endpoint_id": endpoint.pk}
    return {
        "webhooks:endpoint": by_endpoint,
        "webhooks:endpoint_secret": by_endpoint,
        "webhooks:endpoint_remove": by_endpoint,
        "webhooks:deliveries": by_endpoint,
        "webhooks:delivery_send_again": {"delivery_id": failed.pk},
    }
