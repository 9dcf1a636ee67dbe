"""The Jinja2 environment for the rows a page repeats many times (``<app>/jinja2/``, drawn by ``{% rows %}``).

Django's template engine resolves every variable of every row through its context layers; Jinja2 compiles a
template to Python. For the long lists (a plan of a hundred actions, a timeline of five hundred entries, the
incident list) that is a tenth to a quarter of the page's time. Only such row templates are written for
Jinja2; pages and the GOV.UK components stay in Django's engine (docs/decisions/0016). Form fields, the
layout's parts and the incident page's live part have one environment of their own, which escapes as Django's
engine does (core/jinja_parts.py; 0021, 0024, 0025).

The environment gives the row templates what Django's engine gave them: ``url`` (``{% url %}``, from the same
memory of reversed addresses), ``submission_key()`` (``{% submission_key %}``) and the ``date`` filter, in the
current time zone as Django's filter shows it (core/templatetags/dates.py). A name the template is not given
is an error, never an empty string (``StrictUndefined``).
"""

from contextvars import ContextVar
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from jinja2 import Environment, StrictUndefined, Template

from svtoolkit.core.templatetags import dates
from svtoolkit.core.templatetags.submissions import submission_key
from svtoolkit.core.templatetags.urls import address


def url(view_name: str, *args) -> str:
    """The address of ``view_name`` with ``args``, as ``{% url view_name arg ... %}`` gives it."""
    return address(view_name, list(args), {}, None)


# While a row template is drawn: the zone its moments are shown in and the language, once its first moment
# has read them. Neither changes within one drawing, and reading them (an asgiref Local each) cost three times
# what all the rest of showing a remembered moment does.
_drawing: ContextVar[list] = ContextVar("svtoolkit_rows_drawing")


class RowsTemplate(Template):
    """A row template, each drawing of which reads the current zone and language once for all its moments."""

    def render(self, *args, **kwargs) -> str:
        drawing = _drawing.set([])
        try:
            return super().render(*args, **kwargs)
        finally:
            _drawing.reset(drawing)


def _zone_and_language() -> tuple:
    """The zone Django's engine would move a moment into (None when it would not, or when the zone is not
    one whose results are remembered) and the current language."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    return (zone if dates.remembered_zone(zone) else None), translation.get_language()


def date(value, format_string: str) -> str:
    """Django's ``date`` filter, after moving the moment into the current time zone as Django's engine does
    before its filters."""
    if type(value) is datetime and value.utcoffset() is not None:
        read = _drawing.get([])  # outside a drawing, read for this moment alone
        if not read:
            read.append(_zone_and_language())
        zone, language = read[0]
        if zone is not None:
            return dates.shown_in(value, zone, language, format_string)
    return dates.date(timezone.template_localtime(value), format_string)


def environment(**options) -> Environment:
    env = Environment(**{**options, "undefined": StrictUndefined})
    env.template_class = RowsTemplate
    env.globals.update(url=url, submission_key=submission_key)
    env.filters["date"] = date
    return env
