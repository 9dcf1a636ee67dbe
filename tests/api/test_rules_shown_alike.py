"""Each rule moved into its service (issue 18, item 2) is shown the same on the web and in the API: the
service's own message, on the same field. See docs/decisions/0010-each-input-rule-written-once.md."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.test_incident_parts import meeting_request, reading
from tests.incidents.builders import demo_incident

pytestmark = pytest.mark.django_db

TOLD_FIRST = "The partnership cannot have been told before the incident happened."
HALF_A_PLACE = "Give both the latitude and the longitude, or neither."


@pytest.fixture
def incident_and_action(demo, demo_users):
    return demo_incident(demo, demo_users)


def _incident_record(incident, action, demo_users):
    occurred = "2026-11-24T21:10"
    web = {
        "title": "Stabbing",
        "incident_types": ["knife"],
        "occurred_at": occurred,
        "notified_at": "2026-11-24T20:00",
        "notification_source": "police",
        "summary": "One injured.",
        "scene_description": "Bus stop",
    }
    api = {
        **web,
        "occurred_at": "2026-11-24T21:10:00Z",
        "notified_at": "2026-11-24T20:00:00Z",
    }
    return reverse("incidents:record"), web, "post", "/api/v1/incidents/", api


def _action_change(status, **typed):
    def case(incident, action, demo_users):
        web = {"status": status, "revision": action.revision, "not_needed_reason": "", "note": "", **typed}
        api = {"status": status, "revision": action.revision, **typed}
        return (
            reverse("incidents:action", args=[incident.pk, action.pk]),
            web,
            "patch",
            f"/api/v1/incidents/{incident.pk}/actions/{action.pk}/",
            api,
        )

    return case


def _scene(incident, action, demo_users):
    web = {"description": "Car park", "area": "", "latitude": "51.5", "longitude": ""}
    api = {"description": "Car park", "latitude": "51.5"}
    return reverse("incidents:scene_add", args=[incident.pk]), web, "post", _part(incident, "scenes"), api


def _meeting(incident, action, demo_users):
    api = meeting_request(incident, demo_users, place="", online_link="")
    web = {
        **api,
        "starts_at": timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "daily_for": 1,
        "then_weekly_for": 0,
    }
    return reverse("meetings:schedule", args=[incident.pk]), web, "post", _part(incident, "meetings"), api


def _tension(incident, action, demo_users):
    future = timezone.now() + timedelta(days=1)
    api = reading(observed_at=future.isoformat())
    web = {**api, "observed_at": timezone.localtime(future).strftime("%Y-%m-%dT%H:%M")}
    return (
        reverse("tension:record", args=[incident.pk]),
        web,
        "post",
        _part(incident, "tension-readings"),
        api,
    )


def _part(incident, part):
    return f"/api/v1/incidents/{incident.pk}/{part}/"


@pytest.mark.parametrize(
    "case, field, message",
    [
        (_incident_record, "notified_at", TOLD_FIRST),
        (_action_change("not_needed"), "not_needed_reason", "Say why the action is not needed."),
        (_action_change("handed_over"), "note", "Say who the action was handed over to."),
        (_scene, "longitude", HALF_A_PLACE),
        (_meeting, "place", "Give a place or an online link."),
        (_tension, "observed_at", "A reading cannot be in the future."),
    ],
    ids=["told-before-it-happened", "not-needed", "handed-over", "half-a-place", "meeting-place", "future"],
)
def test_the_web_and_the_api_show_the_services_message_on_the_same_field(
    client_for, api_as, incident_and_action, demo_users, case, field, message
):
    incident, action = incident_and_action
    web_url, web_data, method, api_url, api_data = case(incident, action, demo_users)

    page = client_for("responder").post(web_url, web_data)
    assert page.status_code == 200
    assert message in page.context["form"].errors.get(field, [])

    answer = getattr(api_as("responder"), method)(api_url, api_data, format="json")
    assert answer.status_code == 400
    assert answer.json().get(field) == [message]


@pytest.mark.parametrize(
    "address, form, leave_out",
    [
        ("/api/v1/incidents/", "svtoolkit.incidents.forms.IncidentForm", "occurred_at"),
        ("/api/v1/incidents/", "svtoolkit.incidents.forms.IncidentForm", "notification_source"),
        ("/api/v1/incidents/{incident}/actions/", "svtoolkit.incidents.forms.NewActionForm", "due_at"),
        ("/api/v1/incidents/{incident}/meetings/", "svtoolkit.meetings.forms.ScheduleForm", "chair"),
        ("/api/v1/incidents/{incident}/meetings/", "svtoolkit.meetings.forms.ScheduleForm", "organisations"),
        ("/api/v1/incidents/{incident}/tension-readings/", "svtoolkit.tension.forms.ReadingForm", "level"),
        ("/api/v1/incidents/{incident}/messages/", "svtoolkit.communications.forms.MessageForm", "approvers"),
        ("/api/v1/incidents/{incident}/measures/", "svtoolkit.incidents.measures.forms.MeasureForm", "scene"),
        ("/api/v1/organisations/", "svtoolkit.partnerships.forms.OrganisationForm", "kind"),
        ("/api/v1/alerts/", "svtoolkit.alerts.forms.RaiseAlertForm", "callback_number"),
    ],
)
def test_a_field_left_out_is_asked_for_in_the_web_forms_words(
    api_as, incident_and_action, address, form, leave_out
):
    incident, _ = incident_and_action
    module, name = form.rsplit(".", 1)
    web_form = getattr(__import__(module, fromlist=[name]), name)
    asked_for = web_form.base_fields[leave_out].error_messages["required"]
    api = api_as("coordinator")
    url = address.format(incident=incident.pk)
    left_out = api.post(url, {}, format="json")
    sent_empty = api.post(url, {leave_out: None}, format="json")
    assert left_out.status_code == sent_empty.status_code == 400
    assert left_out.json()[leave_out] == [asked_for]
    assert sent_empty.json()[leave_out] == [asked_for]


def test_a_meetings_length_out_of_range_is_refused_in_the_web_forms_words(
    api_as, incident_and_action, demo_users
):
    """The defect: a meeting of 5 minutes was refused by the API as "Ensure this value is greater than or
    equal to 15." where the page says "A meeting is at least 15 minutes"."""
    incident, _ = incident_and_action
    api = api_as("responder")
    for minutes, said in [(5, "A meeting is at least 15 minutes"), (481, "A meeting is at most 480 minutes")]:
        answer = api.post(
            _part(incident, "meetings"),
            meeting_request(incident, demo_users, duration_minutes=minutes),
            format="json",
        )
        assert answer.status_code == 400
        assert answer.json() == {"duration_minutes": [said]}
    assert not incident.meetings.exists()


@pytest.mark.parametrize(
    "address, form, field, value, limit",
    [
        ("/api/v1/alerts/", "svtoolkit.alerts.forms.RaiseAlertForm", "what", "x" * 201, "max_length"),
        (
            "/api/v1/alerts/",
            "svtoolkit.alerts.forms.RaiseAlertForm",
            "how_they_know",
            "x" * 501,
            "max_length",
        ),
        (
            "/api/v1/organisations/",
            "svtoolkit.partnerships.forms.OrganisationForm",
            "name",
            "x" * 201,
            "max_length",
        ),
        (
            "/api/v1/contacts/",
            "svtoolkit.partnerships.forms.ContactForm",
            "job_title",
            "x" * 151,
            "max_length",
        ),
        ("/api/v1/contacts/", "svtoolkit.partnerships.forms.ContactForm", "phone", "0" * 41, "max_length"),
        ("/api/v1/contacts/", "svtoolkit.partnerships.forms.ContactForm", "escalation_order", 0, "min_value"),
        (
            "/api/v1/contacts/",
            "svtoolkit.partnerships.forms.ContactForm",
            "escalation_order",
            100,
            "max_value",
        ),
    ],
)
def test_a_value_beyond_a_limit_the_web_form_words_itself_is_refused_in_its_words(
    api_as, address, form, field, value, limit
):
    """As the meeting's length: a limit the API shares with the web form is refused in the form's own words
    ("Keep it to 200 characters or fewer", "Enter an escalation order from 1 to 99"), not DRF's."""
    module, name = form.rsplit(".", 1)
    web_form = getattr(__import__(module, fromlist=[name]), name)
    said = web_form.base_fields[field].error_messages[limit]
    answer = api_as("coordinator").post(address, {field: value}, format="json")
    assert answer.status_code == 400
    assert answer.json()[field] == [said]
