"""The Jinja2 environment for the rows a page repeats many times (``<app>/jinja2/``, drawn by ``{% rows %}``).

Django's template engine resolves every variable of every row through its context layers; Jinja2 compiles a
template to Python. For the long lists (a plan of a hundred actions, a timeline of five hundred entries, the
incident list) that is a tenth to a quarter of the page's time. Only such row templates are written for
Jinja2; pages and the GOV.UK components stay in Django's engine (docs/decisions/0016). The layout's parts
have an environment of their own, which escapes as Django's engine does (core/templatetags/layout.py, 0024).

The environment gives the row templates what Django's engine gave them: ``url`` (``{% url %}``, from the same
memory of reversed addresses), ``submission_key()`` (``{% submission_key %}``) and the ``date`` filter, in the
current time zone as Django's filter shows it (core/templatetags/dates.py). A name the template is not given
is an error, never an empty string (``StrictUndefined``).
"""

from django.utils.timezone import template_localtime
from jinja2 import Environment, StrictUndefined

from svtoolkit.core.templatetags.dates import date as remembered_date
from svtoolkit.core.templatetags.submissions import submission_key
from svtoolkit.core.templatetags.urls import address


def url(view_name: str, *args) -> str:
    """The address of ``view_name`` with ``args``, as ``{% url view_name arg ... %}`` gives it."""
    return address(view_name, list(args), {}, None)


def date(value, format_string: str) -> str:
    """Django's ``date`` filter, after moving the moment into the current time zone as Django's engine does
    before its filters."""
    return remembered_date(template_localtime(value), format_string)


def environment(**options) -> Environment:
    env = Environment(**{**options, "undefined": StrictUndefined})
    env.globals.update(url=url, submission_key=submission_key)
    env.filters["date"] = date
    return env
