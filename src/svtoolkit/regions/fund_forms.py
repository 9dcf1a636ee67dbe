"""What people type into the fund's pages: presence and format only; the fund's rules live in the service."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import is_plain_number
from svtoolkit.core.forms import AddressForm, RevisionChecked, choice_field, text_field, tick_box
from svtoolkit.regions import fund_services
from svtoolkit.regions.fund_models import FundOutcome, FundPurpose, FundStatus

POUNDS = {"class": "govuk-input--width-10", "inputmode": "numeric", "spellcheck": "false"}


def _pounds(
    label: str, *, required=True, hint="", missing="Enter the amount in pounds"
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10_000_000,
        required=required,
        help_text=hint or "In whole pounds, for example 1500.",
        widget=forms.TextInput(attrs=POUNDS),
        error_messages={
            "required": missing,
            "invalid": "Enter the amount in whole pounds, using numbers only, for example 1500",
            "min_value": "The amount cannot be less than £0",
            "max_value": "Enter an amount of £10,000,000 or less",
        },
    )


def _text(label: str, *, required=True, hint="", missing="", max_length=limits.SHORT_TEXT) -> forms.CharField:
    return text_field(
        label, rows=3, missing=missing, max_length=max_length, required=required, help_text=hint
    )


class ApplicationForm(forms.Form):
    amount_requested = _pounds("How much do you need?", missing="Enter how much you need, in pounds")
    purpose = choice_field(
        "What is it for?", FundPurpose.choices, radios=True, missing="Choose what the money is for"
    )
    pays_for = _text(
        "What will it pay for?",
        hint="What you will buy or pay for, and how it helps the response. Do not name people affected.",
        missing="Say what the money will pay for",
    )
    needed_by = forms.DateField(
        validators=[limits.within_supported_years],
        label="Needed by",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        help_text="For example, 31/03/2027.",
        error_messages={
            "required": "Enter the date you need the money by",
            "invalid": "Enter the date as day/month/year, for example 31/03/2027",
        },
    )


class DecisionForm(forms.Form):
    decision = choice_field(
        "Your decision",
        [
            ("approve", "Approve in full"),
            ("part_approve", "Part-approve: a smaller amount"),
            ("decline", "Decline"),
        ],
        radios=True,
        missing=fund_services.NO_DECISION,
    )
    amount_approved = _pounds("Amount approved, if part-approving", required=False)
    reasons = _text(
        "Reasons",
        required=False,
        hint="Needed when you decline or part-approve: the borough's coordinators are sent them.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class SpendForm(forms.Form):
    amount_spent = _pounds("How much was spent?", missing="Enter how much was spent, in pounds")
    outcome = choice_field(
        "Did it achieve what it was for?",
        FundOutcome.choices,
        radios=True,
        missing="Choose whether it achieved what it was for",
    )
    outcome_note = _text("What came of it", required=False, hint="Optional. Do not name people affected.")
    revision = forms.IntegerField(widget=forms.HiddenInput)


class RulesForm(RevisionChecked, forms.Form):
    limit_per_incident = _pounds(
        "Limit per incident",
        hint="The most the fund grants for one incident, across all its applications, in whole pounds.",
        missing="Enter the limit per incident, in pounds",
    )
    is_open = tick_box("The fund is taking applications")
    guidance = _text(
        "Guidance for boroughs",
        required=False,
        hint="Optional: what the fund pays for.",
        max_length=limits.SUMMARY,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


ALL_APPLICATIONS = "all"
NOT_A_YEAR = "Enter the year as 4 numbers, for example 2026, or leave it empty for all years"


class QueueForm(AddressForm):
    """Which of the region's applications the queue lists: those waiting for a decision unless asked."""

    status = choice_field(
        "Show",
        [*FundStatus.choices, (ALL_APPLICATIONS, "All applications")],
        error_messages={"invalid_choice": "Choose which applications to show from the list"},
    )
    defaults = {"status": FundStatus.APPLIED}

    def clean_status(self) -> str:
        """The status of the applications to list, empty for all of them."""
        status = self.cleaned_data["status"]
        return "" if status == ALL_APPLICATIONS else status


class ReportYearForm(AddressForm):
    """The year whose applications the fund's figures count; empty for all years."""

    year = forms.CharField(
        label="Year applied",
        required=False,
        help_text="Leave it empty for all years.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_year(self) -> int | None:
        typed = self.cleaned_data["year"]
        if not typed:
            return None
        if not (is_plain_number(typed, digits=4) and len(typed) == 4 and int(typed) >= 1000):
            raise forms.ValidationError(NOT_A_YEAR, code="invalid")
        return int(typed)
