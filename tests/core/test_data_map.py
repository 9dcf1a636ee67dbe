"""The data map a data protection officer reads is built from the models' own declarations (issue 20, item
7)."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from svtoolkit.core.personal_data import data_map_markdown, declarations
from svtoolkit.incidents.models import PersonAffected

DATA_MAP = Path(__file__).resolve().parents[2] / "docs" / "data-map.md"

# Fields that identify a person wherever they stand: a model with one of these must say what it holds and why.
IDENTIFYING = {
    "email",
    "full_name",
    "mobile_number",
    "phone",
    "other_phone",
    "address",
    "ip_address",
    "actor_name",
    "recipient_label",
}


def _svtoolkit_models():
    return [model for model in apps.get_models() if model.__module__.startswith("svtoolkit.")]


def test_the_committed_data_map_is_the_one_the_code_declares():
    assert DATA_MAP.read_text() == data_map_markdown(), "Run: svtoolkit datamap > docs/data-map.md"


@pytest.mark.parametrize("model", _svtoolkit_models(), ids=lambda model: model._meta.label)
def test_a_model_that_identifies_people_declares_what_it_holds(model):
    declared = dict(declarations())
    field_names = {field.name for field in model._meta.concrete_fields}
    about_someone_affected = any(
        isinstance(field, models.ForeignKey) and field.related_model is PersonAffected
        for field in model._meta.concrete_fields
    )
    if field_names & IDENTIFYING or about_someone_affected:
        assert model in declared, f"{model._meta.label} holds personal data: declare personal_data on it"


@pytest.mark.parametrize("model, declared", declarations(), ids=lambda value: getattr(value, "__name__", ""))
def test_every_declared_field_exists(model, declared):
    names = {field.name for field in model._meta.concrete_fields}
    assert set(declared.fields) <= names, set(declared.fields) - names
