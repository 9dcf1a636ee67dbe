"""The limits on what people type, in one place: the models, and so the forms, the API and the character
count on each page, take their sizes from here (listed for users in docs/user-guide-incidents.md and
docs/api.md).

A limit keeps a record readable, and keeps every page and PDF made from it within its time budget.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError

# A sentence or two: a reason, a note on a change, how someone knows.
SHORT_TEXT = 500
# A few paragraphs: an incident's summary, an update, a decision, guidance, a message's text.
SUMMARY = 5_000
# A document: a meeting's agenda and minutes, an exercise scenario, a review's findings.
LONG_TEXT = 10_000
# A web address people paste: a meeting's online link (Teams' join links run to several hundred characters).
LINK = 2_000

# The API's words for text over its limit, the same as a form's (Django's own, which also gives the count).
TOO_LONG_API = "Ensure this value has at most {max_length} characters."

# Dates people enter (and the API accepts): this century. Year 9999 is a typing slip, not an incident, and
# adding a due time to it overflows the calendar.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099


def within_supported_years(value: date | datetime) -> None:
    """Refuse a date, or a date and time, outside the years 2000 to 2099, with the same words on the web and
    in the API."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        what = "date and time" if isinstance(value, datetime) else "date"
        raise ValidationError(
            f"Enter a {what} between the years {EARLIEST_YEAR} and {LATEST_YEAR}.", code="out_of_range"
        )


# A record's id is a whole number a database can hold (a 64-bit integer, as SQLite and PostgreSQL's bigint
# store): a larger one, typed into an address or sent to the API, names no record.
LARGEST_ID = 2**63 - 1


def is_record_id(value: int) -> bool:
    """Whether ``value`` could be the id of a record: 1 to LARGEST_ID."""
    return 1 <= value <= LARGEST_ID
