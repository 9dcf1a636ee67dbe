"""Template helpers that render Django form fields with GOV.UK Frontend's classes and ARIA wiring."""

from django import template

register = template.Library()

_INPUT_CLASS = {
    "select": "govuk-select",
    "textarea": "govuk-textarea",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}


def counted_characters(field) -> int | None:
    """The limit a text area's character count shows (GOV.UK's character count), if it has one."""
    if field.widget_type == "textarea":
        return getattr(field.field, "max_length", None)
    return None


def described_by(field) -> str:
    ids = []
    if counted_characters(field):
        ids.append(f"{field.auto_id}-info")
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def govuk_widget(field, extra_class=""):
    """The field's own widget with GOV.UK classes, its error state and aria-describedby."""
    css = _INPUT_CLASS.get(field.widget_type, "govuk-input")
    if field.errors:
        css += f" {css}--error"
    if extra_class:
        css += f" {extra_class}"
    attrs = {"class": css}
    if counted_characters(field):
        # The count says how far over the limit the text is; the browser's maxlength would cut it silently.
        attrs.update({"class": f"{css} govuk-js-character-count", "maxlength": False})
    if described := described_by(field):
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


@register.filter
def describedby(field) -> str:
    return described_by(field)


@register.filter
def character_limit(field) -> int | None:
    return counted_characters(field)


@register.filter
def error_anchor(field) -> str:
    """The id the error summary links to: the first option of a radio group, otherwise the input."""
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
def get_item(mapping, key):
    """A dictionary value by a key held in a variable (vocabulary labels, for instance)."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
