"""Schemathesis over the OpenAPI schema, against the WSGI application, as the coordinator with a token.

Each operation gets a few generated requests, valid and invalid by the schema; none may be answered with a
server error. Path ids are set to real records (otherwise every request would be a 404 and prove little).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from svtoolkit.incidents import services
from svtoolkit.partnerships.models import Contact
from tests.communications.builders import demo_message
from tests.incidents.builders import demo_measure
from tests.meetings.builders import demo_meeting


@pytest.fixture
def wsgi_app():
    """The Django WSGI application, kept inside the test's transaction (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(demo, demo_users, incident_and_action):
    incident, action = incident_and_action
    decision = services.record_decision(incident=incident, by=demo_users["responder"], what="A", why="B")
    return {
        "incident_id": incident.pk,
        "action_id": action.pk,
        "decision_id": decision.pk,
        "measure_id": demo_measure(incident, demo_users).pk,
        "meeting_id": demo_meeting(demo, demo_users, incident).pk,
        "message_id": demo_message(demo, demo_users, incident).pk,
        "entry_id": demo.organisations.get(kind="police").pk,
        "contact_entry_id": Contact.objects.filter(organisation__partnership=demo).first().pk,
    }


@pytest.mark.slow
def test_no_operation_answers_with_a_server_error(wsgi_app, token_for, real_ids):
    headers = {"Authorization": f"Bearer {token_for('coordinator')}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=10,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def no_server_error(case):
                for name in case.path_parameters or {}:
                    if name in real_ids:
                        contact = name == "entry_id" and case.path.startswith("/api/v1/contacts/")
                        case.path_parameters[name] = real_ids["contact_entry_id" if contact else name]
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            no_server_error()
