"""What the API answers to bodies it cannot take (security review, issue 14)."""

import pytest
from django.urls import reverse

from svtoolkit.incidents.models import Incident
from svtoolkit.tension.models import TensionReading
from tests.api.test_alerts import ALERT
from tests.api.test_incident_parts import reading

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_is_refused_with_a_clear_400(api_as, incident_and_action):
    incident, _ = incident_and_action
    deep = "[" * 5000 + "]" * 5000
    for url, method in (
        (reverse("api:incidents"), "post"),
        (reverse("api:incident", kwargs={"incident_id": incident.pk}), "patch"),
        (reverse("api:actions", kwargs={"incident_id": incident.pk}), "post"),
    ):
        answer = getattr(api_as("responder"), method)(url, deep, content_type="application/json")
        assert answer.status_code == 400, (url, answer)
        assert "nested too deeply" in answer.json()["detail"]


def test_a_body_nested_deeper_than_any_request_needs_is_refused_before_it_is_read(api_as):
    # 100 levels do not exhaust Python's decoder, but no request of this API needs more than a few.
    nested = {"title": "Stabbing"}
    for _ in range(100):
        nested = {"scenes": [nested]}
    answer = api_as("responder").post(reverse("api:incidents"), nested, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "The JSON body is nested too deeply: at most 32 levels of lists and objects."
    }


def test_nesting_within_the_limit_is_still_read(api_as):
    # A body nested a little (a list of scenes, each an object) is read as before: errors are about fields.
    answer = api_as("responder").post(
        reverse("api:incidents"), {"title": "", "scenes": [{"description": "Bus stop"}]}, format="json"
    )
    assert answer.status_code == 400
    assert "title" in answer.json()


def _raw(api, method, url, body):
    return getattr(api, method)(url, body, content_type="application/json")


@pytest.mark.parametrize("given", ["1e999", "-1e999", "1.5", "true", "99999999999999999999", "0"])
def test_an_id_that_is_no_whole_number_a_record_can_have_is_a_400_naming_the_field(
    api_as, incident_and_action, demo, given
):
    # Python's JSON reads 1e999 as infinity, past the strict JSON check: it names no record.
    incident, action = incident_and_action
    organisation = demo.organisations.first()
    api = api_as("coordinator")
    for method, url, field, body in (
        ("post", f"/api/v1/incidents/{incident.pk}/actions/", "owner", '{"title": "Visit", "owner": %s}'),
        (
            "post",
            f"/api/v1/incidents/{incident.pk}/actions/",
            "owner_organisation",
            '{"title": "Visit", "owner_organisation": %s}',
        ),
        (
            "patch",
            f"/api/v1/incidents/{incident.pk}/actions/{action.pk}/",
            "owner",
            '{"revision": 1, "owner": %s}',
        ),
        ("post", "/api/v1/contacts/", "organisation", '{"name": "Sam", "organisation": %s}'),
        ("patch", f"/api/v1/organisations/{organisation.pk}/", "owner", '{"revision": 1, "owner": %s}'),
    ):
        answer = _raw(api, method, url, body % given)
        assert answer.status_code == 400, (url, given, answer.content)
        assert field in answer.json(), (url, given, answer.json())


@pytest.mark.parametrize(
    "path, body",
    [
        ("status/", r'{"status": "\ud800"}'),
        ("actions/", r'{"title": "Visit", "status": "\udfff"}'),
        ("", r'{"incident_types": ["\ud800"]}'),
        ("", r'{"\ud800": "a key that is no text"}'),
    ],
)
def test_text_that_is_half_a_surrogate_pair_is_refused_with_a_clear_400(
    api_as, incident_and_action, path, body
):
    # Python's JSON reads "\ud800" as a lone surrogate: an error repeating it could not be written as UTF-8.
    incident, _ = incident_and_action
    api = api_as("coordinator")
    url = f"/api/v1/incidents/{incident.pk}/{path}"
    answer = (api.post if path else api.patch)(url, body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert "not Unicode" in answer.json()["detail"]
    assert api.get(f"/api/v1/incidents/{incident.pk}/").json()["status"] == incident.status


@pytest.mark.parametrize(
    "method, path, body, field, codes",
    [
        ("patch", "incidents/{incident}/", {"revision": 1}, "incident_types", ("knife", "firearm")),
        ("post", "alerts/", ALERT, "incident_types", ("knife", "firearm")),
        ("post", "incidents/{incident}/tension-readings/", reading(), "indicators", ("rumours", "schools")),
    ],
)
def test_a_list_of_codes_sent_as_an_object_is_a_400_and_nothing_is_stored(
    api_as, incident_and_action, method, path, body, field, codes
):
    """The defect: a JSON object where the schema says a list of codes was read as its keys, those set to
    false too ({"knife": true, "firearm": false} stored knife and firearm, and redrew the plan).
    Now anything but a list is a 400 on the field, and nothing is stored."""
    incident, _ = incident_and_action
    types_before = incident.incident_types
    url = "/api/v1/" + path.format(incident=incident.pk)
    yes, no = codes
    sent = {**body, field: {yes: True, no: False}}
    answer = getattr(api_as("coordinator"), method)(url, sent, format="json")
    assert answer.status_code == 400, answer.json()
    assert answer.json() == {field: ['Expected a list of items but got type "dict".']}
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.incident_types == types_before
    assert not TensionReading.objects.exists()
