"""Forms for support offered to those affected."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import date_field
from svtoolkit.core.forms import RevisionChecked, choice_field, model_choice_field, text_field
from svtoolkit.partnerships.selectors import active_organisations, support_services_of
from svtoolkit.recovery.models import SupportKind, SupportResponse


class SupportOfferForm(forms.Form):
    kind = choice_field(
        "What is it", SupportKind.choices, radios=True, missing="Choose support offered or referral"
    )
    support_service = model_choice_field("Service from the directory", optional="Not in the directory")
    description = text_field(
        "What was offered, or who the referral was to",
        missing="Say what was offered or who the referral was to",
        max_length=200,
        help_text="For example: weekly bereavement counselling; referral to the MASH.",
    )
    offered_by = model_choice_field("Organisation that offered it", optional="Not known")
    offered_on = date_field("Date offered")
    follow_up_on = date_field("Follow-up date", required=False, help_text="When to check how it is going.")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_service"].queryset = support_services_of(partnership)
        self.fields["offered_by"].queryset = active_organisations(partnership)

    def clean(self):
        cleaned = super().clean()
        offered_on, follow_up_on = cleaned.get("offered_on"), cleaned.get("follow_up_on")
        if offered_on and follow_up_on and follow_up_on < offered_on:
            self.add_error("follow_up_on", "The follow-up date must be on or after the date offered")
        return cleaned


class SupportResponseForm(RevisionChecked, forms.Form):
    response = choice_field(
        "Answer or outcome", SupportResponse.choices, radios=True, missing="Choose the answer or outcome"
    )
    outcome = text_field("What happened", rows=3, max_length=limits.SUMMARY, required=False)
    follow_up_on = date_field("Next follow-up date", required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)
