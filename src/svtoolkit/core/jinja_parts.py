"""Parts of pages drawn by Jinja2 that show what they show as Django's engine would, byte for byte: the parts
drawn again and again (the incident page's live part, after every write to its incident) and the GOV.UK
partials they use (``components/table_region.html``, the incidents' ``actions_table.html``), which pages of
Django's engine draw through the same templates (``{% part %}``, ``{% table_region %}``).

Through Django's engine such a part costs its context processors (the layout's navigation, worked out again
for a fragment that shows none of it), a context layer for each ``{% include %}`` and ``{% if %}``, and a
look-up through every layer for each variable; Jinja2 compiles a template to Python. Unlike the rows'
environment (core/jinja_rows.py, whose escaping the plan and the timeline show), this one escapes as Django's
engine does: each value is moved into the current time zone, localised, then escaped with Python's
``html.escape`` unless it is already safe (an apostrophe ``&#x27;``, a quotation mark ``&quot;``), as
``core/field_markup.py`` does (docs/decisions/0025). A part draws rows of the rows' environment with
``rows(...)``, as a page does with ``{% rows %}``: their markup stays theirs.

A template is found in an app's ``jinja2/`` folder, as the rows' are, and names this module in its first
comment. Given the request, a template has ``csrf_input`` (``{% csrf_token %}``); it always has
``url(...)``, ``submission_key()``, ``rows(...)``, ``table_region(label)`` (to ``call``) and
``floatformat``. A name it is not given is an error, never an empty string (``StrictUndefined``).
"""

import html
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import engines
from django.template.backends.utils import csrf_input_lazy
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup


def as_django_shows(value):
    """What ``{{ value }}`` writes in Django's engine: in the current time zone, localised, then escaped
    unless already safe (Django's ``escape`` is ``html.escape``, without the cost of its lazy-text wrapper).
    Text and whole numbers, most of what a part shows, go the short way that ``localize`` takes for them."""
    kind = type(value)
    if kind is str:
        return Markup(html.escape(value))
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:  # number_format's own short way
        return Markup(value)
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(localize(template_localtime(value)))))


@pass_context
def rows(context, template_name: str, **values) -> Markup:
    """The rows template ``template_name`` (the rows' environment) drawn with ``values``, as ``{% rows %}``
    draws it, with the part's request."""
    drawn = engines["jinja2"].get_template(template_name).render(values, request=context.get("request"))
    return Markup(drawn)  # Jinja2 escaped every value as it drew them (autoescape is on)


def table_region(label, caller) -> Markup:
    """``{% call table_region(label) %}<table>...</table>{% endcall %}``: as ``{% table_region %}``."""
    return Markup(region(label, caller()))


def region(label, inner: str) -> SafeString:
    """A wide table (``inner``, safe) in a region that scrolls sideways, named ``label``
    (``components/table_region.html``)."""
    return draw("components/table_region.html", {"label": label, "inner": Markup(inner)})


@cache
def environment() -> Environment:
    folders = [Path(config.path) / "jinja2" for config in apps.get_app_configs()]
    environment = Environment(
        loader=FileSystemLoader([folder for folder in folders if folder.is_dir()]),
        autoescape=True,
        finalize=as_django_shows,
        keep_trailing_newline=True,  # a template's last line break, as Django's engine keeps it
        undefined=StrictUndefined,
        auto_reload=settings.DEBUG,  # as Django's own Jinja2 engine: a changed template is read again
    )
    # The same url() and submission_key() as the rows' (core/jinja_rows.py).
    shared = engines["jinja2"].env.globals
    environment.globals.update(url=shared["url"], submission_key=shared["submission_key"])
    environment.globals.update(rows=rows, table_region=table_region)
    environment.filters["floatformat"] = floatformat
    return environment


def draw(template_name: str, values: dict, request=None) -> SafeString:
    """``template_name`` drawn with ``values`` (and, given the request, ``request`` and ``csrf_input``)."""
    if request is not None:
        values = {**values, "request": request, "csrf_input": csrf_input_lazy(request)}
    # Jinja2 escaped every value as Django's engine would (autoescape is on, with as_django_shows).
    return mark_safe(environment().get_template(template_name).render(values))  # noqa: S308
