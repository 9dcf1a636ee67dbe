"""Every date is typed into GOV.UK's date input (day, month, year), a date and time into it and a time box
(issue 16, the pages: dates were entered three different ways)."""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from svtoolkit.core.datetimes import DateField, LocalDateTimeField
from svtoolkit.playbooks import services as playbooks
from svtoolkit.playbooks.models import Exercise
from tests.page_forms import form_on


class Dated(forms.Form):
    on = DateField(label="Review by", what="The review date")


class Timed(forms.Form):
    at = LocalDateTimeField(label="When it happened")


def typed_date(day="", month="", year=""):
    form = Dated({"on_day": day, "on_month": month, "on_year": year})
    return form, form.is_valid()


@pytest.mark.parametrize(
    ("parts", "message", "in_error"),
    [
        (("", "3", "2026"), "The review date must include a day", ["day"]),
        (("27", "", ""), "The review date must include a month and year", ["month", "year"]),
        (("31", "2", "2026"), "The review date must be a real date", ["day"]),
        (("27", "13", "2026"), "The review date must be a real date", ["month"]),
        (("27", "March", "2026"), "The review date must be a real date", ["month"]),
        (("27", "3", "26"), "The year must include 4 numbers", ["year"]),
        (("27", "3", "1999"), "Enter a date between the years 2000 and 2099.", ["day", "month", "year"]),
        (("²", "3", "2026"), "The review date must be a real date", ["day"]),
        (("27", "٣", "2026"), "The review date must be a real date", ["month"]),
        (("9" * 20, "3", "2026"), "The review date must be a real date", ["day"]),
    ],
)
def test_each_part_of_a_date_is_checked_and_named_in_the_error(parts, message, in_error):
    form, valid = typed_date(*parts)

    assert not valid
    assert form.errors["on"] == [message]
    page = str(form["on"])
    for part in ("day", "month", "year"):
        box = page.split(f'id="id_on_{part}"')[0].rsplit("<input", 1)[1]
        assert ("govuk-input--error" in box) == (part in in_error), part


def test_nothing_typed_is_the_fields_own_required_message():
    form, valid = typed_date()

    assert not valid
    assert form.errors["on"] == ["This field is required."]


@settings(max_examples=300)
@given(
    day=st.one_of(st.integers(-1, 40).map(str), st.sampled_from(["", " 7 ", "x", "07"])),
    month=st.one_of(st.integers(-1, 14).map(str), st.sampled_from(["", "03", "Mar"])),
    year=st.one_of(st.integers(1990, 2110).map(str), st.sampled_from(["", "26", "02026"])),
)
def test_any_typed_day_month_and_year_is_the_date_it_names_or_a_plain_error(day, month, year):
    form, valid = typed_date(day, month, year)
    try:
        meant = date(int(year), int(month), int(day))
    except ValueError:
        meant = None
    plain_year = year.strip().isdigit() and len(year.strip()) == 4

    if meant is not None and plain_year and 2000 <= meant.year <= 2099:
        assert valid, form.errors
        assert form.cleaned_data["on"] == meant
    else:
        assert not valid
        [message] = form.errors["on"]
        assert message.startswith(("The review date must", "The year must", "Enter a date", "This field"))


def test_a_date_sent_whole_is_still_read():
    form = Dated({"on": "2027-03-31"})

    assert form.is_valid()
    assert form.cleaned_data["on"] == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("time", "expected"), [("14:30", (14, 30)), ("14.30", (14, 30)), ("1430", (14, 30)), ("2:30pm", (14, 30))]
)
def test_a_date_and_time_takes_the_time_as_people_write_it(time, expected):
    form = Timed({"at_day": "27", "at_month": "1", "at_year": "2026", "at_time": time})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == datetime(2026, 1, 27, *expected, tzinfo=UTC)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("27", "1", "2026", ""), "The date and time must include a time"),
        (("27", "", "2026", ""), "The date and time must include a month and time"),
        (("27", "1", "2026", "25:00"), "The date and time must be a real time, like 14:30"),
        (("27", "1", "2026", "13pm"), "The date and time must be a real time, like 2:30pm"),
    ],
)
def test_a_missing_or_impossible_time_is_named(parts, message):
    day, month, year, time = parts
    form = Timed({"at_day": day, "at_month": month, "at_year": year, "at_time": time})

    assert not form.is_valid()
    assert form.errors["at"] == [message]


@pytest.fixture
def published(demo, demo_users):
    draft = playbooks.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbooks.publish_draft(
        version=draft, by=demo_users["coordinator"], change_note="First", expected_revision=draft.revision
    )


@pytest.mark.django_db
def test_a_wrong_date_on_a_page_links_the_error_summary_to_its_first_wrong_part_and_keeps_what_was_typed(
    client_for, published
):
    client = client_for("coordinator")
    url = reverse("playbooks:exercise_start")
    data = form_on(client.get(url), having="title")
    data.update(
        title="Lantern",
        scenario="A made-up stabbing",
        incident_types=["knife"],
        planned_for_day="30",
        planned_for_month="2",
        planned_for_year="2027",
    )

    page = client.post(url, data).content.decode()

    assert '<a href="#id_planned_for_day">The date of the exercise must be a real date</a>' in page
    assert 'name="planned_for_month" type="text" inputmode="numeric" value="2"' in page
    assert 'value="Lantern"' in page
    assert not Exercise.objects.exists()

    data.update(planned_for_day="28")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Exercise.objects.get().planned_for == date(2027, 2, 28)
