"""``{% rows "app/template.html" name=value ... %}``: rows drawn by Jinja2 in a page of Django's engine."""

from django import template
from django.template import engines
from django.template.base import Variable, token_kwargs
from django.utils.safestring import mark_safe

register = template.Library()


class RowsNode(template.Node):
    def __init__(self, template_name, values):
        self.template_name, self.values = template_name, values

    def render(self, context):
        for expression in self.values.values():
            if isinstance(expression.var, Variable):
                # Django's engine would pass a name the page does not have as an empty string: refuse it.
                expression.var.resolve(context)
        values = {name: expression.resolve(context) for name, expression in self.values.items()}
        rows = engines["jinja2"].get_template(self.template_name.resolve(context))
        # Jinja2 escaped every value as it drew them (autoescape is on).
        return mark_safe(rows.render(values, request=context.get("request")))


@register.tag
def rows(parser, token):
    """Draw the Jinja2 template named first (from an app's ``jinja2/`` folder) with exactly the values named
    after it and the page's request (for ``csrf_input``): the rows a page repeats many times
    (core/jinja_rows.py). A value the page does not have is an error, not an empty string."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("rows takes the rows' template, then name=value pairs")
    values = token_kwargs(bits[2:], parser)
    if len(values) != len(bits) - 2:
        raise template.TemplateSyntaxError("rows takes name=value pairs after the rows' template")
    return RowsNode(parser.compile_filter(bits[1]), values)
