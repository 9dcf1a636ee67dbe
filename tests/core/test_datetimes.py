"""Dates and times typed into forms on the nights the clocks change, Europe/London (issue 15, defect 6)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from svtoolkit.core.datetimes import FIRST, SECOND, LocalDateTimeField, clock_change_at

LONDON = ZoneInfo("Europe/London")
# 2026: the clocks go forward at 1am GMT on 29 March and back at 2am BST on 25 October.
FORWARD_NIGHT, BACK_NIGHT = datetime(2026, 3, 29), datetime(2026, 10, 25)


class When(forms.Form):
    at = LocalDateTimeField()


def typed(text, clock=None):
    form = When({"at": text, **({"at_clock": clock} if clock is not None else {})})
    return form, form.is_valid()


def test_a_repeated_time_asks_which_of_the_two_in_plain_words():
    form, valid = typed("2026-10-25T01:30")

    assert not valid
    [message] = form.errors["at"]
    assert "The clocks went back an hour on Sunday 25 October 2026, so 1:30am happened twice" in message
    assert "BST (British Summer Time)" in message and "GMT (Greenwich Mean Time)" in message
    assert "couldn’t be interpreted" not in message and "ambiguous" not in message
    page = str(form["at"])
    assert "Which 1:30am on Sunday 25 October 2026?" in page
    assert 'name="at_clock" type="radio" value="first"' in page
    assert "1:30am BST (British Summer Time): the first 1:30am, before the clocks went back" in page
    assert "1:30am GMT (Greenwich Mean Time): the second 1:30am, after the clocks went back" in page


@pytest.mark.parametrize(
    "clock, utc", [(FIRST, datetime(2026, 10, 25, 0, 30)), (SECOND, datetime(2026, 10, 25, 1, 30))]
)
def test_choosing_bst_or_gmt_saves_that_moment(clock, utc):
    form, valid = typed("2026-10-25T01:30", clock)

    assert valid
    assert form.cleaned_data["at"] == utc.replace(tzinfo=UTC)


def test_a_time_that_never_happened_is_explained():
    form, valid = typed("2026-03-29T01:30", SECOND)

    assert not valid
    assert form.errors["at"] == [
        "The clocks went forward an hour at 1am on Sunday 29 March 2026, so there was no 1:30am that night. "
        "Enter a time before 1am or from 2am."
    ]
    assert "at_clock" not in str(form["at"])


def test_a_stored_gmt_time_is_shown_with_its_choice_made_and_saved_again_unchanged():
    stored = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 1:30am GMT, the second 1:30am
    page = str(When(initial={"at": stored})["at"])

    assert 'name="at_day" type="text" inputmode="numeric" value="25"' in page
    assert 'name="at_month" type="text" inputmode="numeric" value="10"' in page
    assert 'name="at_time" type="text" value="01:30"' in page
    assert 'type="radio" value="second" checked' in page


def test_times_compare_by_the_moment_not_the_wall_clock():
    second_half_past_one = typed("2026-10-25T01:30", SECOND)[0].cleaned_data["at"]
    first_quarter_to_two = typed("2026-10-25T01:45", FIRST)[0].cleaned_data["at"]

    assert first_quarter_to_two < second_half_past_one


# --- Any time at all ----------------------------------------------------------------------------------------

wall_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
# Most of the space is an ordinary day; the nights the clocks change are drawn as often.
change_nights = st.builds(
    lambda year, forward, minute: (
        datetime(year, 3 if forward else 10, 31)
        - timedelta(days=(datetime(year, 3 if forward else 10, 31).weekday() + 1) % 7)
        + timedelta(minutes=minute)
    ),
    st.integers(2000, 2099),
    st.booleans(),
    st.integers(0, 3 * 60),
)


@settings(max_examples=200)
@given(wall=st.one_of(wall_times, change_nights), clock=st.sampled_from(["", FIRST, SECOND, "nonsense"]))
def test_any_typed_time_is_saved_as_typed_or_explained_in_plain_words(wall, clock):
    form, valid = typed(wall.strftime("%Y-%m-%dT%H:%M"), clock)
    change = clock_change_at(wall, LONDON)

    if valid:
        saved = form.cleaned_data["at"]
        assert saved.astimezone(LONDON).replace(tzinfo=None, fold=0) == wall
        assert change is None or change.direction == "back"
        if change is not None:
            assert saved.astimezone(LONDON).fold == (1 if clock == SECOND else 0)
    else:
        [message] = form.errors["at"]
        assert message.startswith(
            "The clocks went " + ("forward" if change.direction == "forward" else "back")
        )
        assert "interpreted" not in message
        assert change.direction == "forward" or clock not in {FIRST, SECOND}


@settings(max_examples=200)
@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
    ).map(lambda moment: moment.replace(second=0, microsecond=0))
)
def test_any_stored_moment_shown_in_the_form_and_saved_again_is_unchanged(moment):
    field = When(initial={"at": moment})["at"]
    page = str(field)
    shown = moment.astimezone(LONDON)
    chosen = (
        "second" if 'value="second" checked' in page else "first" if 'value="first" checked' in page else ""
    )

    form, valid = typed(shown.strftime("%Y-%m-%dT%H:%M"), chosen)

    assert valid
    assert form.cleaned_data["at"] == moment
