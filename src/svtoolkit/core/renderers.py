"""How forms draw their widgets: Django's own widget templates through Jinja2, ours through Django's engine.

Django ships every built-in widget and form template twice, for its own engine and for Jinja2, with the same
markup. Drawing them through Jinja2 is several times cheaper (a select of a hundred options is a hundred
sub-templates), and the action page, one of the busiest, is mostly its form. Our own widget templates
(``components/widgets/``) have no Jinja2 copy and keep using Django's engine, as before. See
docs/decisions/0014-page-costs.md.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist

# Django's select draws each option through two sub-templates (the option, then its attributes); this copy
# writes an option in place, the same markup, at a fraction of the cost for a list of tens of records.
OPTIONS_IN_PLACE = {"django/forms/widgets/select.html": "core/widgets/select.html"}


class WidgetRenderer(Jinja2):
    """Django's form renderer, with Jinja2 for the templates Django ships and Django's engine for the rest."""

    def __init__(self):
        super().__init__()
        self._django = DjangoTemplates()

    def get_template(self, template_name):
        template_name = OPTIONS_IN_PLACE.get(template_name, template_name)
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
