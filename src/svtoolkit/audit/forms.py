from django import forms

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.datetimes import DateField


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="What happened", choices=[("", "Anything")] + AuditAction.choices, required=False
    )
    actor = forms.CharField(label="Person (name or email contains)", required=False, max_length=254)
    date_from = DateField(label="From", required=False, what="The 'from' date")
    date_to = DateField(label="To", required=False, what="The 'to' date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return cleaned
