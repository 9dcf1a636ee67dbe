from django import forms

from svtoolkit.audit.models import AuditAction
from svtoolkit.core import limits


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="What happened", choices=[("", "Anything")] + AuditAction.choices, required=False
    )
    actor = forms.CharField(label="Person (name or email contains)", required=False, max_length=254)
    date_from = forms.DateField(
        validators=[limits.within_supported_years],
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the 'from' date as a real date, like 2026-03-27"},
    )
    date_to = forms.DateField(
        validators=[limits.within_supported_years],
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the 'to' date as a real date, like 2026-03-27"},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return cleaned
