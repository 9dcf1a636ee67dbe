from django import forms

from svtoolkit.recovery.models import MilestoneKind


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", choices=MilestoneKind.choices, error_messages={"required": "Choose the kind"}
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example: Trial begins at the Old Bailey.",
        error_messages={"required": "Enter a title"},
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date", "invalid": "Enter a real date, like 2027-03-31"},
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
