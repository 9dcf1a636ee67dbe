"""The API keeps the same text limits and date range as the web (issue 14's text limits, issue 15's
defect 5)."""

import importlib
import inspect
import pkgutil

import pytest
from rest_framework import serializers as drf

import svtoolkit.api
from svtoolkit.core import limits
from svtoolkit.incidents.models import Incident
from tests.api.test_incidents import INCIDENTS, new_incident

pytestmark = pytest.mark.django_db


def _api_modules():
    for module in pkgutil.iter_modules(svtoolkit.api.__path__):
        yield importlib.import_module(f"svtoolkit.api.{module.name}")


def test_every_text_the_api_takes_has_a_maximum():
    unlimited = [
        f"{cls.__name__}.{name}"
        for module in _api_modules()
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and issubclass(cls, drf.Serializer)
        and cls.__module__ == module.__name__
        # A ModelSerializer without its own Meta is a base for others, checked through them.
        and (not issubclass(cls, drf.ModelSerializer) or "Meta" in vars(cls))
        for name, field in cls().get_fields().items()
        if isinstance(field, drf.CharField) and not field.read_only and field.max_length is None
    ]
    assert unlimited == [], unlimited


def test_a_megabyte_of_text_is_a_400_naming_the_field_and_nothing_is_saved(api_as, demo):
    response = api_as("responder").post(INCIDENTS, new_incident(summary="x" * 1_000_000), format="json")
    assert response.status_code == 400
    assert response.json()["summary"] == [f"Ensure this value has at most {limits.SUMMARY} characters."]
    assert not Incident.objects.exists()


def test_text_at_its_limit_is_kept(api_as, demo):
    response = api_as("responder").post(INCIDENTS, new_incident(summary="x" * limits.SUMMARY), format="json")
    assert response.status_code == 201
    assert len(Incident.objects.get().summary) == limits.SUMMARY


def test_the_api_and_the_web_refuse_the_same_dates_in_the_same_words(api_as, demo):
    response = api_as("responder").post(
        INCIDENTS, new_incident(occurred_at="9999-12-31T23:00:00Z"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["occurred_at"] == ["Enter a date and time between the years 2000 and 2099."]
