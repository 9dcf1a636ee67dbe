"""Django's ``date`` filter, remembering what it has formatted: a builtin of every template, and (through
``shown_in``) the Jinja2 rows' ``date``.

What the filter gives for a moment with a time zone depends only on that moment, the zone it is shown in, the
language, the format and the settings, yet Django formats it afresh each time for about 70 microseconds,
through its translated month names and format look-ups. Pages show the same moments again and again while
people work an incident (a timeline of 500 entries shows 1,000 of them: a quarter of that page's time), so
each result is remembered. Anything else (a day, a moment without a zone, text, a moment in a zone that is
neither a ``ZoneInfo`` nor UTC) is formatted as Django does, every time.
"""

import functools
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import date as django_date
from django.utils.translation import get_language

register = template.Library()

# Each entry is a short string: enough for the moments of the incidents a worker's pages show.
REMEMBERED_MOMENTS = 20_000


def remembered_zone(zone) -> bool:
    """Whether moments shown in ``zone`` are remembered: a ``ZoneInfo`` or UTC, each of which, among those,
    equals itself alone. Other zones compare by their offset alone (``timezone(timedelta(0), "GMT") == UTC``)
    though their names differ, so as keys they could not tell two results apart."""
    return type(zone) is ZoneInfo or zone is UTC


@functools.lru_cache(maxsize=REMEMBERED_MOMENTS)
def _formatted(moment: datetime, fold: int, zone: tzinfo, language: str, format_string) -> str:
    """``moment`` (aware) moved into ``zone`` and formatted by Django in ``language`` (the current one).

    The arguments are the memory's key. Aware moments in two zones compare equal when they are the same
    instant, and that instant moved into ``zone`` reads the same whichever zone it came from; within one zone
    they compare by their wall-clock reading alone, so the two half past ones of the night the clocks go back
    would be confused without ``fold``. An instant the clocks make ambiguous or skip in its own zone never
    compares equal to one in another zone (PEP 495). ``zone`` is one that ``remembered_zone`` allows."""
    return django_date(moment.astimezone(zone), format_string)


def shown_in(moment: datetime, zone: tzinfo, language: str, format_string) -> str:
    """``{{ moment|date:format_string }}`` for an aware ``moment`` as Django's engine shows it once it has
    moved the moment into ``zone``, the current zone, in ``language``, the current language: for a caller
    that has read both once for many moments (core/jinja_rows.py). ``zone`` must be a ``remembered_zone``."""
    return _formatted(moment, moment.fold, zone, language, format_string)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """``{{ moment|date:"j M Y H:i" }}``, as Django's filter shows it (Django's engine has already moved the
    moment into the current time zone, which is its own)."""
    if type(value) is datetime and remembered_zone(zone := value.tzinfo):
        return _formatted(value, value.fold, zone, get_language(), arg)
    return django_date(value, arg)


@receiver(setting_changed, dispatch_uid="svtoolkit-remembered-dates")
def _forget_dates(**kwargs):
    # Formats, languages and zones come from the settings (changed only by tests).
    _formatted.cache_clear()
