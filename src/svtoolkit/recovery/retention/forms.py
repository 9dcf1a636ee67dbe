"""Forms for the retention period."""

from django import forms

from svtoolkit.core.forms import RevisionChecked, ServiceChecked
from svtoolkit.recovery.retention.services import check_retention_years


class RetentionForm(ServiceChecked, RevisionChecked, forms.Form):
    service_check = check_retention_years
    service_checks = ("years",)

    years = forms.IntegerField(
        label="Years to keep people's details after an incident is closed",
        error_messages={
            "required": "Enter the number of years",
            "invalid": "Enter a whole number of years, like 6",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
