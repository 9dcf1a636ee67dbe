"""The form that links an incident to another."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.incidents.models import LinkKind


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Reference of the other incident",
        help_text="For example NB-2026-0012. It may be another partnership's incident.",
        max_length=32,
        error_messages={"required": "Enter the other incident's reference"},
    )
    kind = forms.ChoiceField(
        label="How might they be connected?",
        choices=LinkKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the incidents might be connected"},
    )
    reason = forms.CharField(
        label="Why do you think so?",
        max_length=limits.SUMMARY,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you think the incidents are connected"},
    )
