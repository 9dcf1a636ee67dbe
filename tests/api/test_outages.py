"""The API in an outage (issue 15, defects 7 and 8): a meeting saved while the task queue's Redis is down,
and any request while the database is down.

The meeting and its invitations are committed together; queueing the sending fails after the commit. The
request must still answer 201, and the delivery sweep sends the invitations from the database.
"""

import pytest
from rest_framework.test import APIClient

from svtoolkit.messaging import delivery
from svtoolkit.messaging.models import Delivery, DeliveryStatus
from tests.api.test_incident_parts import meeting_request, url
from tests.core.outages import hung_redis, in_thread_with_database_down, nobody_listening, redis_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def incident(incident_and_action):
    return incident_and_action[0]


def queue_in(settings, url_of_redis: str) -> None:
    """The RQ task queue, as SVTOOLKIT_TASK_QUEUE=redis sets it, in the given Redis."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"{url_of_redis}?socket_connect_timeout=1&socket_timeout=1"}}


@pytest.mark.parametrize("outage", ["nobody listening", "hung"])
def test_a_meeting_saved_while_the_queue_is_down_is_201_and_its_invitations_go_by_the_sweep(
    api_as, incident, demo_users, settings, smtp_server, outage
):
    with hung_redis() as hung:
        queue_in(settings, redis_url(hung.port if outage == "hung" else nobody_listening()))
        response = api_as("responder").post(
            url(incident, "meetings"), meeting_request(incident, demo_users), format="json"
        )

    assert response.status_code == 201
    assert incident.meetings.count() == 1
    waiting = Delivery.objects.filter(status=DeliveryStatus.QUEUED)
    assert waiting.exists() and not smtp_server.received
    invited = set(waiting.values_list("address", flat=True))

    sent = delivery.deliver_due()  # the sweep, as the worker runs it each minute once Redis is back

    assert sent == len(invited)
    assert not Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists()
    assert {message["To"] for message in smtp_server.received} == invited


def test_an_api_request_while_the_database_is_down_is_a_503_in_json(token_for, tmp_path, settings):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('responder')}")

    response = in_thread_with_database_down(lambda: api.get("/api/v1/incidents/"), tmp_path=tmp_path)

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The service is unavailable: nothing you sent was saved. Try again in a few minutes."
    }
    assert response["X-Protective-Marking"] == "OFFICIAL-SENSITIVE: PARTNERS ONLY"
