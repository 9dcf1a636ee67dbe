"""Django's ``date`` filter, remembering what it has formatted: a builtin of every template, and the Jinja2
rows' ``date``.

What the filter gives depends only on the moment as shown in its time zone, the language and the format, yet
Django formats it afresh each time for about 70 microseconds, through its translated month names and format
look-ups. Pages show the same moments again and again while people work an incident (a timeline of 500 entries
shows 1,000 of them: a quarter of that page's time), so each result is remembered. Only moments with a time
are remembered; anything else is formatted as Django does.
"""

import functools
from datetime import datetime

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.translation import get_language

register = template.Library()

# Each entry is a short string: enough for the moments of the incidents a worker's pages show.
REMEMBERED_MOMENTS = 20_000


@functools.lru_cache(maxsize=REMEMBERED_MOMENTS)
def _formatted(moment: datetime, zone, language: str | None, format_string) -> str:
    # Equal aware moments hash alike whatever their zone, so the zone is in the key as well.
    return django_date(moment, format_string)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """``{{ moment|date:"j M Y H:i" }}``, as Django's filter shows it (Django's engine has already moved the
    moment into the current time zone)."""
    if type(value) is not datetime:
        return django_date(value, arg)
    return _formatted(value, value.tzinfo, get_language(), arg)
