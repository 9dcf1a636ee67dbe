"""The figures' periods are whole calendar months, this one included, whatever the day they are read on."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from svtoolkit.core.charts import first_of_last_months, months_between


@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), months=st.integers(1, 60))
def test_the_last_n_months_are_n_calendar_months_ending_with_this_one(today, months):
    first = first_of_last_months(months, today)
    counted = months_between(first, today)
    assert first.day == 1
    assert len(counted) == months and counted[-1] == today.replace(day=1)
