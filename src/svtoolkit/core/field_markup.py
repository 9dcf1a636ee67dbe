"""A form field in GOV.UK's markup (label or legend, hint, error message, the widget with GOV.UK's classes and
aria-describedby), drawn by Jinja2: ``components/field.html`` hands every field here.

Every form page draws its fields, and the action page, one of the busiest, is mostly its form: through
Django's engine the field's component and its two included parts cost nearly as much as the widgets they
drew. Jinja2 compiles the one template (``core/jinja2/core/field.html``) to Python, in the environment that
draws as Django's engine would (core/jinja_parts.py), because the markup must stay what Django's engine drew,
byte for byte: what a field shows (its label, hint, errors, choices) is escaped and localised as Django's
engine does, where Jinja2's own escaping writes an apostrophe as ``&#39;`` rather than ``&#x27;``
(docs/decisions/0021).
"""

from svtoolkit.core import jinja_parts
from svtoolkit.core.datetimes import DatePartsInput

_INPUT_CLASS = {
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}


# The lists drawn as GOV.UK radios or checkboxes: the list's kind, its inputs' type and any extra class.
_CHOICES = {
    "radioselect": ("radios", "radio", ""),
    "checkboxselectmultiple": ("checkboxes", "checkbox", "govuk-checkboxes--small"),
}


def counted_characters(field) -> int | None:
    """The limit a text area's character count shows (GOV.UK's character count), if it has one."""
    if field.widget_type == "textarea":
        return getattr(field.field, "max_length", None)
    return None


def described_by(field, errors, limit) -> str:
    ids = []
    if limit:
        ids.append(f"{field.auto_id}-info")
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


def in_parts(field) -> bool:
    """Whether the field is typed into several boxes (a date input) under one legend."""
    return isinstance(field.field.widget, DatePartsInput)


def govuk_widget(field, *, errors, described, limit, extra_class=""):
    """The field's own input with GOV.UK classes, its error state and aria-describedby."""
    base = _INPUT_CLASS.get(field.widget_type, "govuk-input")
    classes = [base]
    if errors:
        classes.append(f"{base}--error")
    # The widget's own classes (a width such as govuk-input--width-10) are kept, not replaced.
    classes += field.field.widget.attrs.get("class", "").split() + extra_class.split()
    attrs = {}
    if limit:
        # The count says how far over the limit the text is; the browser's maxlength would cut it silently.
        classes.append("govuk-js-character-count")
        attrs["maxlength"] = False
    attrs["class"] = " ".join(dict.fromkeys(classes))
    if described:
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


def field_markup(field, *, label_class: str = "", input_class: str = "") -> str:
    """``field`` (a bound field) in GOV.UK's markup, with ``label_class`` on its label and ``input_class`` on
    its input (a width such as govuk-input--width-10), when it has them."""
    if field.is_hidden:
        return str(field)
    widget_type, errors = field.widget_type, field.errors
    limit = counted_characters(field)
    described = described_by(field, errors, limit)
    values = {"field": field, "errors": errors, "limit": limit, "described": described}
    if widget_type in _CHOICES:
        values.update(shape="choices", choices=_CHOICES[widget_type])
    elif in_parts(field):  # the group's fieldset is described; each box shows whether it is in error
        values.update(shape="parts", widget=field.as_widget())
    elif widget_type == "checkbox":
        values.update(shape="checkbox")
    else:
        widget = govuk_widget(field, errors=errors, described=described, limit=limit, extra_class=input_class)
        values.update(shape="input", widget=widget, label_class=label_class)
    return jinja_parts.draw("core/field.html", values)
