"""An id no record can have (a whole number past 2**63 - 1, which no database holds) is a page's error or a
404, never a 500 from the database: in a multi-select (core.forms.RecordsField) and in an address (the
``id`` path converter, core.converters)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOO_LARGE = 2**64  # 18446744073709551616, as a fuzz tester typed


@pytest.mark.parametrize(
    "name, field, message",
    [
        ("incidents:plan_update", "actions", "An action selected was completed or set aside by someone else"),
        ("communications:message_add", "approvers", f"{TOO_LARGE} is not one of the available choices"),
        ("incidents:person_need_to_know", "users", "Choose people from the list"),
        ("playbooks:exercise_start", "organisations", f"{TOO_LARGE} is not one of the available choices"),
    ],
)
def test_a_ticked_id_past_what_a_database_holds_is_not_one_of_the_choices(
    client_for, url_args, name, field, message
):
    response = client_for("responder").post(
        reverse(name, kwargs=url_args.get(name, {})), {field: [str(TOO_LARGE)]}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert message in content


def test_an_incident_id_past_what_a_database_holds_is_not_found(client_for, url_args):
    action = url_args["incidents:action"]
    response = client_for("coordinator").get(f"/incidents/{TOO_LARGE}/plan/{action['action_id']}/")
    assert response.status_code == 404


def test_every_address_with_an_id_answers_404_to_one_past_what_a_database_holds(client_for, url_args):
    client = client_for("coordinator")
    tried = []
    for name, kwargs in url_args.items():
        if not any(key.endswith("_id") for key in kwargs):
            continue
        too_large = {key: TOO_LARGE if key.endswith("_id") else value for key, value in kwargs.items()}
        url = reverse(name, kwargs=too_large)
        assert client.get(url).status_code == 404, url
        tried.append(name)
    assert "incidents:action" in tried and "api:incident" in tried
