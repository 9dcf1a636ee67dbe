"""``{% rows "app/template.html" name=value ... %}`` and ``{% part ... %}``: Jinja2 templates drawn in a page
of Django's engine, the rows a page repeats (core/jinja_rows.py) and the parts drawn as Django's engine would
draw them (core/jinja_parts.py)."""

from django import template
from django.template import engines
from django.template.base import Variable, token_kwargs
from django.utils.safestring import mark_safe

from svtoolkit.core import jinja_parts

register = template.Library()


def _rows(template_name, values, request):
    # Jinja2 escaped every value as it drew them (autoescape is on).
    return mark_safe(engines["jinja2"].get_template(template_name).render(values, request=request))


class RowsNode(template.Node):
    def __init__(self, template_name, values, draw=_rows):
        self.template_name, self.values, self.draw = template_name, values, draw

    def render(self, context):
        for expression in self.values.values():
            if isinstance(expression.var, Variable):
                # Django's engine would pass a name the page does not have as an empty string: refuse it.
                expression.var.resolve(context)
        values = {name: expression.resolve(context) for name, expression in self.values.items()}
        return self.draw(self.template_name.resolve(context), values, context.get("request"))


def _node(parser, token, draw) -> RowsNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes the Jinja2 template, then name=value pairs")
    values = token_kwargs(bits[2:], parser)
    if len(values) != len(bits) - 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes name=value pairs after the Jinja2 template")
    return RowsNode(parser.compile_filter(bits[1]), values, draw)


@register.tag
def rows(parser, token):
    """Draw the Jinja2 template named first (from an app's ``jinja2/`` folder) with exactly the values named
    after it and the page's request (for ``csrf_input``): the rows a page repeats many times
    (core/jinja_rows.py). A value the page does not have is an error, not an empty string."""
    return _node(parser, token, _rows)


@register.tag
def part(parser, token):
    """``{% rows %}`` for a template of the parts' environment (core/jinja_parts.py), which escapes as
    Django's engine does: a GOV.UK partial that a Jinja2 part and pages of Django's engine both draw."""
    return _node(parser, token, jinja_parts.draw)
