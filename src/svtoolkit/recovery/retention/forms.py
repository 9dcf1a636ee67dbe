"""Forms for the retention period."""

from django import forms

from svtoolkit.core.forms import RevisionChecked


class RetentionForm(RevisionChecked, forms.Form):
    years = forms.IntegerField(
        label="Years to keep people's details after an incident is closed",
        min_value=1,
        max_value=25,
        error_messages={
            "required": "Enter the number of years",
            "invalid": "Enter a whole number of years, like 6",
            "min_value": "Keep the details for at least 1 year",
            "max_value": "Keep the details for at most 25 years",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
