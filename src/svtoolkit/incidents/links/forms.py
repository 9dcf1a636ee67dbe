"""The form that links an incident to another."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import choice_field, text_field
from svtoolkit.incidents.models import LinkKind


class LinkForm(forms.Form):
    reference = text_field(
        "Reference of the other incident",
        missing="Enter the other incident's reference",
        help_text="For example NB-2026-0012. It may be another partnership's incident.",
        max_length=32,
    )
    kind = choice_field(
        "How might they be connected?",
        LinkKind.choices,
        radios=True,
        missing="Choose how the incidents might be connected",
    )
    reason = text_field(
        "Why do you think so?",
        rows=3,
        missing="Enter why you think the incidents are connected",
        max_length=limits.SUMMARY,
    )
