"""Working days in England and Wales: weekends and bank holidays never count."""

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from svtoolkit.core.working_days import add_working_days, is_working_day, working_days_between

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_a_week_without_bank_holidays_is_five_working_days():
    # Thursday 12 March 2026 + 5 working days: Fri, Mon, Tue, Wed, Thu.
    assert add_working_days(date(2026, 3, 12), 5) == date(2026, 3, 19)


def test_easter_bank_holidays_do_not_count():
    # Thursday 2 April 2026: Good Friday (3rd) and Easter Monday (6th) are bank holidays.
    assert add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)
    assert add_working_days(date(2026, 4, 2), 15) == date(2026, 4, 27)


def test_the_spring_bank_holiday_does_not_count():
    # Thursday 21 May 2026; Monday 25 May is the spring bank holiday.
    assert add_working_days(date(2026, 5, 21), 1) == date(2026, 5, 22)
    assert add_working_days(date(2026, 5, 21), 2) == date(2026, 5, 26)


def test_christmas_and_substitute_days_do_not_count():
    # Christmas Day 2027 is a Saturday: the Monday and Tuesday after are the substitute bank holidays.
    assert not is_working_day(date(2027, 12, 27))
    assert not is_working_day(date(2027, 12, 28))
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_counting_from_a_weekend_starts_on_the_monday():
    assert add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)


@given(start=DAYS, count=st.integers(min_value=0, max_value=40))
def test_the_result_is_a_working_day_exactly_count_working_days_later(start, count):
    end = add_working_days(start, count)
    assert working_days_between(start, end) == count
    if count:
        assert is_working_day(end)
        # No earlier day would do: the day before holds one working day fewer.
        assert working_days_between(start, end - timedelta(days=1)) == count - 1


@given(start=DAYS, count=st.integers(min_value=1, max_value=40))
# Five bank holidays in 39 working days (Easter, early May, the spring bank holiday and the Platinum Jubilee)
# push the end past a ninth weekend.
@example(start=date(2022, 4, 5), count=39)
def test_working_days_take_at_least_as_long_as_the_calendar_and_more_than_a_weekend_allows(start, count):
    end = add_working_days(start, count)
    assert end - start >= timedelta(days=count)
    # The weekdays spanned are the working days plus a handful of bank holidays (never more than six in
    # eight weeks), and never more than two weekend days per five of them.
    weekdays = count + 6
    assert (end - start).days <= weekdays + 2 * (weekdays // 5 + 1)


@given(start=DAYS, first=st.integers(0, 20), second=st.integers(0, 20))
def test_adding_in_two_steps_is_adding_at_once(start, first, second):
    assert add_working_days(add_working_days(start, first), second) == add_working_days(start, first + second)
