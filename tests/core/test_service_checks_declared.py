"""A form that shows a service's check (core.forms.ServiceChecked) names the fields it passes as a tuple, and
shows the service's refusal on the field the service names, with the form's own problems."""

import pytest
from django import forms

from svtoolkit.core.errors import DomainError
from svtoolkit.core.forms import ServiceChecked


def check_window(*, starts, ends):
    if ends < starts:
        raise DomainError("The end must be after the start", field="ends")


class WindowForm(ServiceChecked, forms.Form):
    starts = forms.IntegerField()
    ends = forms.IntegerField()
    title = forms.CharField()
    service_check = check_window
    service_checks = ("starts", "ends")


def test_the_services_refusal_is_shown_on_its_field_beside_the_forms_own():
    form = WindowForm({"starts": 5, "ends": 3, "title": ""})

    assert not form.is_valid()
    assert form.errors == {"title": ["This field is required."], "ends": ["The end must be after the start"]}


def test_a_field_the_form_could_not_read_is_not_given_to_the_check():
    form = WindowForm({"starts": 5, "ends": "soon", "title": "Cordon"})

    assert not form.is_valid()
    assert list(form.errors) == ["ends"]


def test_names_given_as_a_string_rather_than_a_tuple_are_refused_when_the_form_is_declared():
    with pytest.raises(TypeError, match="service_checks must be a tuple"):

        class OneFieldForm(ServiceChecked, forms.Form):
            starts = forms.IntegerField()
            service_check = check_window
            service_checks = "starts"
