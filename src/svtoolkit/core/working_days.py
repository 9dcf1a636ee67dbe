"""Working days in England and Wales: Monday to Friday, less the bank holidays.

Statutory clocks (a notification within 5 working days, say) count in these. The bank holidays come from the
maintained `holidays` library, so a new or moved bank holiday arrives with its next release, not with ours.
"""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The working day ``count`` working days after ``start``: day one is the first working day after it.

    ``start`` itself never counts, whether or not it is a working day; 0 gives ``start`` back.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after ``start`` up to and including ``end`` (0 if ``end`` is not later)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
