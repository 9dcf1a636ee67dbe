import pytest
from pytest_httpserver import HTTPServer

from svtoolkit.webhooks import services
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A real HTTP server (pytest-httpserver's, answering requests in threads, so a hung request does not
    hold up the next) that checks each event's signature with the standardwebhooks library and answers as
    the test asks (a status code, or "hang"); svtoolkit gives it one second to answer."""
    settings.SVTOOLKIT_WEBHOOK_TIMEOUT = 1
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    answering = Receiver(server)
    yield answering
    answering.release()
    server.clear()
    server.stop()


@pytest.fixture
def endpoint(receiver, demo, demo_users):
    endpoint, secret = services.add_endpoint(
        partnership=demo,
        url=receiver.url,
        description="Council automation",
        event_types=["incident.categorised", "action.escalated", "alert.raised"],
        by=demo_users["coordinator"],
    )
    receiver.secret = secret
    return endpoint
