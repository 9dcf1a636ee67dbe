"""Django's ``date`` filter, remembering what it has formatted: a builtin of every template, and the Jinja2
rows' ``date``.

What the filter gives for a moment with a time zone depends only on that moment as its zone shows it, the
zone, the language, the format and the settings, yet Django formats it afresh each time for about 70
microseconds, through its translated month names and format look-ups. Pages show the same moments again and
again while people work an incident (a timeline of 500 entries shows 1,000 of them: a quarter of that page's
time), so each result is remembered. Anything else (a day, a moment without a zone, text) is formatted as
Django does, every time.
"""

import functools
from datetime import datetime

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import date as django_date
from django.utils.translation import get_language

register = template.Library()

# Each entry is a short string: enough for the moments of the incidents a worker's pages show.
REMEMBERED_MOMENTS = 20_000


@functools.lru_cache(maxsize=REMEMBERED_MOMENTS)
def _formatted(key: tuple, moment: datetime, format_string) -> str:
    return django_date(moment, format_string)


def _key(moment: datetime, format_string) -> tuple:
    """Everything the formatting reads. Aware moments compare equal across zones, and within one zone across
    the hour the clocks go back (``fold``), so the moment alone is not a key: its wall-clock reading, fold,
    offset, zone name and zone are."""
    return (
        moment.replace(tzinfo=None),
        moment.fold,
        moment.utcoffset(),
        moment.tzname(),
        moment.tzinfo,
        get_language(),
        format_string,
    )


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """``{{ moment|date:"j M Y H:i" }}``, as Django's filter shows it (Django's engine has already moved the
    moment into the current time zone)."""
    if type(value) is not datetime or value.utcoffset() is None:
        return django_date(value, arg)
    return _formatted(_key(value, arg), value, arg)


@receiver(setting_changed, dispatch_uid="svtoolkit-remembered-dates")
def _forget_dates(**kwargs):
    # Formats, languages and zones come from the settings (changed only by tests).
    _formatted.cache_clear()
