"""The one Jinja2 environment that draws as Django's engine would, byte for byte: every form field
(``core/field_markup.py``, docs/decisions/0021), the layout's header, messages and footer
(``core/templatetags/layout.py``, 0024), and the parts drawn again and again (the incident page's live part,
after every write to its incident) with the GOV.UK partials they use (``components/table_region.html``, the
incidents' ``actions_table.html``), which pages of Django's engine draw through the same templates
(``{% part %}``, ``{% table_region %}``, 0025).

Through Django's engine such markup costs a context layer for each ``{% include %}`` and ``{% if %}`` and a
look-up through every layer for each variable (and, for a part drawn alone, the context processors); Jinja2
compiles a template to Python. Unlike the rows' environment (core/jinja_rows.py, whose escaping the plan and
the timeline show), this one escapes as Django's engine does (``as_django_shows``): an apostrophe
``&#x27;``, a quotation mark ``&quot;``, where Jinja2's own escaping writes ``&#39;`` and ``&#34;``. A part
draws rows of the rows' environment with ``rows(...)``, as a page does with ``{% rows %}``: their markup
stays theirs.

A template is found in an app's ``jinja2/`` folder, as the rows' are, and says what draws it in its first
comment. A template keeps its last line break (as Django's engine does), so a part that must not end with one
(the layout's) is written without it. Given the request, a template has ``csrf_input`` (``{% csrf_token %}``);
it always has ``url(...)``, ``static(...)``, ``submission_key()``, ``rows(...)``,
``table_region(label, region_id=None)`` (to ``call``), ``error_summary_box(inner)`` and ``floatformat``. A
value given to a template is read before a name the environment gives (the layout gives its own ``url``, its
addresses remembered). A name it is not given is an error, never an empty string (``StrictUndefined``).
"""

import html
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import engines
from django.template.backends.utils import csrf_input_lazy
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup


def as_django_shows(value):
    """What ``{{ value }}`` writes in Django's engine (``render_value_in_context``): in the current time zone,
    localised, made text, then escaped unless safe (Django's ``escape`` is ``html.escape``, without the cost
    of its lazy-text wrapper). Text and whole numbers, most of what is shown, go the short way that
    ``localize`` takes for them; a value whose text is safe (a message of safe text) is shown as it is."""
    kind = type(value)
    if kind is str:
        return Markup(html.escape(value))
    if kind is int and not settings.USE_THOUSAND_SEPARATOR:  # number_format's own short way
        return Markup(value)
    if hasattr(value, "__html__"):
        return value
    text = str(localize(template_localtime(value)))
    return text if hasattr(text, "__html__") else Markup(html.escape(text))


@pass_context
def rows(context, template_name: str, **values) -> Markup:
    """The rows template ``template_name`` (the rows' environment) drawn with ``values``, as ``{% rows %}``
    draws it, with the part's request."""
    drawn = engines["jinja2"].get_template(template_name).render(values, request=context.get("request"))
    return Markup(drawn)  # Jinja2 escaped every value as it drew them (autoescape is on)


def table_region(label, caller, region_id=None) -> Markup:
    """``{% call table_region(label) %}<table>...</table>{% endcall %}``: as ``{% table_region %}``."""
    return Markup(region(label, caller(), region_id=region_id))


def region(label, inner: str, *, region_id=None) -> SafeString:
    """A wide table (``inner``, safe) in a region that scrolls sideways, named ``label``
    (``components/table_region.html``). ``region_id``: in a part htmx swaps in again, the region takes focus
    back after the swap only by its id."""
    return draw(
        "components/table_region.html", {"label": label, "inner": Markup(inner), "region_id": region_id}
    )


def error_summary_box(inner) -> str:
    """GOV.UK's error summary around ``inner``, drawn by the component every page draws its problems in."""
    return get_template("components/error_summary_box.html").render({"inner": mark_safe(inner)})


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
    environment.globals.update(url=shared["url"], submission_key=shared["submission_key"], static=static)
    environment.globals.update(rows=rows, table_region=table_region, error_summary_box=error_summary_box)
    environment.filters["floatformat"] = floatformat
    return environment


def draw(template_name: str, values: dict, request=None) -> SafeString:
    """``template_name`` drawn with ``values`` (and, given the request, ``request`` and ``csrf_input``)."""
    if request is not None:
        values = {**values, "request": request, "csrf_input": csrf_input_lazy(request)}
    # Jinja2 escaped every value as Django's engine would (autoescape is on, with as_django_shows).
    return mark_safe(environment().get_template(template_name).render(values))  # noqa: S308
