"""Template helpers that render Django form fields with GOV.UK Frontend's classes and ARIA wiring."""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from svtoolkit.core.datetimes import parts_in_error
from svtoolkit.core.field_markup import field_markup, in_parts
from svtoolkit.core.forms import NO_LONGER_ACTIVE
from svtoolkit.core.jinja_parts import region

register = template.Library()


@register.simple_tag(takes_context=True)
def govuk_field(context, field):
    """The field in GOV.UK's markup, drawn by Jinja2 (core/field_markup.py): ``components/field.html``, with
    the ``label_class`` and ``input_class`` the page gives it. Read from the context rather than as the tag's
    arguments: a name the page does not give (most do not) cost Django's engine an exception to find so."""
    return field_markup(
        field, label_class=context.get("label_class") or "", input_class=context.get("input_class") or ""
    )


@register.filter
def error_anchor(field) -> str:
    """The id the error summary links to: the first option of a radio group, the first box in error of a
    date input, otherwise the input."""
    if in_parts(field):
        return f"{field.auto_id}_{(parts_in_error(field) or ['day'])[0]}"
    if field.widget_type in {"radioselect", "checkboxselectmultiple"}:
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def duration_in_words(value) -> str:
    """A timedelta as a person would say it: '15 minutes', '1 hour', '1 hour 30 minutes'."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.filter
def no_longer_active(name) -> str:
    """A person's name marked as a form marks a stored choice that has left its list (``keep_stored_choice``):
    for a read-only page that names someone who has since left."""
    return f"{name} ({NO_LONGER_ACTIVE})"


@register.filter
def get_item(mapping, key):
    """A dictionary value by a key held in a variable (vocabulary labels, for instance)."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key


# A filter's checkbox group as drawn for one selection of its choices, by the node that drew it. The lists'
# few filters have few choices each, so few selections; the bound is there only in case.
_filter_choices_drawn: dict[tuple, str] = {}
FILTER_CHOICES_DRAWN = 512


class _FilterChoices(template.Node):
    def __init__(self, nodelist, shown, filtered):
        self.nodelist, self.shown, self.filtered = nodelist, shown, filtered

    def render(self, context):
        shown = self.shown.resolve(context)
        selected = tuple(self.filtered.resolve(context).of(shown.name))
        key = (self, shown, selected, get_language(), context.autoescape)
        drawn = _filter_choices_drawn.get(key)
        if drawn is None:
            drawn = self.nodelist.render(context)
            if len(_filter_choices_drawn) >= FILTER_CHOICES_DRAWN:
                _filter_choices_drawn.clear()
            _filter_choices_drawn[key] = drawn
        return drawn


@register.tag
def filter_choices(parser, token):
    """``{% filter_choices shown filtered %}...{% endfilter_choices %}``: the checkbox group of one filter
    (``shown``, a core.filtering.Filter) of the filter panel, with the choices ``filtered`` selected ticked,
    drawn once for each selection of its choices and remembered (six checkboxes were a tenth of the incident
    list's drawing). What it encloses may read nothing else: the filter, its choices and which are selected
    are the whole of what it is remembered by (with the language and the escaping)."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("filter_choices takes the filter, then what is filtered")
    nodelist = parser.parse(("endfilter_choices",))
    parser.delete_first_token()
    return _FilterChoices(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))


@receiver(setting_changed, dispatch_uid="svtoolkit-filter-choices")
def _forget_filter_choices(**kwargs):
    _filter_choices_drawn.clear()


class _Around(template.Node):
    """What a block tag encloses, drawn as ``inner`` inside one of the components, with the tag's values."""

    def __init__(self, component, nodelist, **values):
        self.component, self.nodelist, self.values = component, nodelist, values

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.values.items()}
        return get_template(self.component).render(
            {**values, "inner": mark_safe(self.nodelist.render(context))}
        )


@register.tag
def table_region(parser, token):
    """``{% table_region "Label" %}<table>...</table>{% endtable_region %}``: a table that scrolls sideways
    inside its own labelled region that takes focus, so a wide table never pushes a phone's page sideways."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("table_region takes one argument: the region's label")
    nodelist = parser.parse(("endtable_region",))
    parser.delete_first_token()
    return _TableRegion(nodelist, parser.compile_filter(bits[1]))


class _TableRegion(template.Node):
    """The region drawn by the one component Jinja2 parts draw too (core/jinja_parts.py)."""

    def __init__(self, nodelist, label):
        self.nodelist, self.label = nodelist, label

    def render(self, context):
        return region(self.label.resolve(context), self.nodelist.render(context))


@register.tag
def error_summary_box(parser, token):
    """``{% error_summary_box %}<ul class="govuk-list govuk-error-summary__list">...</ul>{% enderror... %}``:
    GOV.UK's error summary ("There is a problem") around a page's own list of problems, or a sentence. Every
    page draws its summary in this, the errors of a form too (``components/error_summary.html``)."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("error_summary_box takes no argument")
    nodelist = parser.parse(("enderror_summary_box",))
    parser.delete_first_token()
    return _Around("components/error_summary_box.html", nodelist)


@register.simple_tag
def forms_with_errors(form=None, forms=None) -> list:
    """The forms of a page that have errors: ``form``, or those of ``forms`` when a page holds several."""
    return [one for one in ([form] if form else list(forms or [])) if one and one.errors]
