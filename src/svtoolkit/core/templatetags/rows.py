"""``{% rows "app/template.html" name=value ... %}``: rows drawn by Jinja2 in a page of Django's engine."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def rows(context, template_name: str, **values) -> str:
    """Draw the Jinja2 template ``template_name`` (from an app's ``jinja2/`` folder) with exactly ``values``
    and the page's request (for ``csrf_input``): the rows a page repeats many times (core/jinja_rows.py)."""
    drawn = engines["jinja2"].get_template(template_name).render(values, request=context.get("request"))
    return mark_safe(drawn)  # Jinja2 escaped every value as it drew them (autoescape is on).
