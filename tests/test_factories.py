"""tests/factories.py keeps one factory per model, and each makes a row the database and the model accept."""

import factory
import pytest
from django.apps import apps

from tests import factories

FACTORIES = sorted(
    (
        value
        for value in vars(factories).values()
        if isinstance(value, type)
        and issubclass(value, factory.django.DjangoModelFactory)
        and value is not factory.django.DjangoModelFactory
    ),
    key=lambda value: value.__name__,
)


def test_every_model_has_a_factory():
    ours = {model for model in apps.get_models() if model.__module__.startswith("svtoolkit.")}
    made = {each._meta.get_model_class() for each in FACTORIES}
    assert sorted(model._meta.label for model in ours - made) == []


@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda each: each.__name__)
def test_each_factory_makes_a_valid_row(db, model_factory):
    made = model_factory()
    # A nullable "who did it" left empty is a row the database keeps (the person was deleted), not a bad one.
    left_empty = [f.name for f in made._meta.concrete_fields if f.null and getattr(made, f.attname) is None]
    made.full_clean(exclude=left_empty)
    assert type(made).objects.filter(pk=made.pk).exists()
