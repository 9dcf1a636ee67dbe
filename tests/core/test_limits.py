"""Every free-text field has a documented maximum, shown with the character count and enforced by the forms;
dates people enter are refused outside the years the API accepts (issue 14's text limits, issue 15's
defect 5)."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.db import models
from django.urls import reverse

import svtoolkit
from svtoolkit.core import limits
from svtoolkit.incidents.models import Incident
from tests.incidents.builders import RECORD_FORM

pytestmark = pytest.mark.django_db

# Written by svtoolkit itself, never typed: what a delivery or a webhook's endpoint answered, a message's
# rendered text and why it (or one of its deliveries, or a webhook's) was withdrawn, an alert step's note
# (naming whoever the rota could not reach); and an uploaded contacts file waiting for its import, held to
# the upload's 2 MB limit.
NOT_TYPED = {
    "partnerships.ContactImport.content",
    "messaging.Notification.body",
    "messaging.Notification.withdrawn_because",
    "messaging.Delivery.last_error",
    "messaging.Delivery.withdrawn_because",
    "webhooks.WebhookDelivery.last_error",
    "webhooks.WebhookDelivery.withdrawn_because",
    "alerts.AlertStep.note",
}


def _svtoolkit_forms():
    for module in pkgutil.walk_packages(svtoolkit.__path__, "svtoolkit."):
        if module.name.endswith(".forms"):
            loaded = importlib.import_module(module.name)
            for cls in vars(loaded).values():
                if inspect.isclass(cls) and issubclass(cls, forms.BaseForm) and cls.__module__ == module.name:
                    yield cls


def test_every_text_field_of_every_model_has_a_maximum():
    unlimited = [
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("svtoolkit.")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.max_length is None
    ]
    assert set(unlimited) <= NOT_TYPED, sorted(set(unlimited) - NOT_TYPED)


def test_every_text_field_of_every_form_has_a_maximum():
    unlimited = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in _svtoolkit_forms()
        for name, field in form.base_fields.items()
        if type(field) is forms.CharField
        and field.max_length is None
        and not isinstance(field.widget, forms.PasswordInput)
    ]
    assert unlimited == []


def _record(client, **changes):
    return client.post(reverse("incidents:record"), RECORD_FORM | changes)


def test_a_megabyte_of_text_is_refused_with_a_message_and_nothing_is_saved(client_for, demo):
    response = _record(client_for("responder"), summary="x" * 1_000_000)
    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert f"Ensure this value has at most {limits.SUMMARY} characters (it has 1000000)." in content
    assert not Incident.objects.exists()


def test_text_at_its_limit_is_kept(client_for, demo):
    _record(client_for("responder"), summary="x" * limits.SUMMARY)
    assert len(Incident.objects.get().summary) == limits.SUMMARY


def test_a_text_area_shows_its_limit_with_the_character_count(client_for, demo):
    content = client_for("responder").get(reverse("incidents:record")).content.decode()
    assert (
        'class="govuk-form-group govuk-character-count" data-module="govuk-character-count" '
        f'data-maxlength="{limits.SUMMARY}"' in content
    )
    assert '<div id="id_summary-info" class="govuk-hint govuk-character-count__message">' in content
    assert "You can enter up to 5,000 characters" in content
    textarea = content[content.index("<textarea") : content.index("</textarea>")]
    assert "govuk-js-character-count" in textarea
    assert 'aria-describedby="id_summary-info id_summary-hint"' in textarea
    # Without JavaScript the server says how far over it is; the browser must not cut the text silently.
    assert "maxlength" not in textarea


def test_over_the_limit_the_text_is_kept_and_the_count_shows_the_error(client_for, demo):
    content = _record(client_for("responder"), summary="y" * (limits.SUMMARY + 1)).content.decode()
    assert "govuk-form-group--error govuk-character-count" in content
    assert "y" * (limits.SUMMARY + 1) in content


@pytest.mark.parametrize("when", ["9999-12-31T23:00", "1999-12-31T23:00", "2100-01-01T10:00"])
def test_a_date_outside_the_years_the_api_accepts_is_refused_on_the_web(client_for, demo, when):
    response = _record(client_for("responder"), occurred_at=when, notified_at="2026-11-24T21:40")
    assert "Enter a date and time between the years 2000 and 2099." in response.content.decode()
    assert not Incident.objects.exists()


def test_the_web_accepts_the_first_year_the_api_accepts(client_for, demo):
    # The last, 2099, is in the future, which an incident's times may not be.
    _record(client_for("responder"), occurred_at="2000-01-01T10:00", notified_at="2000-01-01T11:00")
    assert Incident.objects.get().occurred_at.year == 2000


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-01-01", "Enter a date between the years 2000 and 2099."),
        ("1999-12-31", "Enter a date between the years 2000 and 2099."),
    ],
)
def test_dates_follow_the_same_rule(value, message):
    from datetime import date

    with pytest.raises(forms.ValidationError) as refused:
        limits.within_supported_years(date.fromisoformat(value))
    assert refused.value.messages == [message]
    limits.within_supported_years(date(2099, 12, 31))
    limits.within_supported_years(date(2000, 1, 1))
