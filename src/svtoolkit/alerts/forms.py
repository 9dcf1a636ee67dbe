"""What people type to raise an alert and keep the rota, with messages a person understands."""

from django import forms

from svtoolkit.alerts import selectors, services
from svtoolkit.alerts.models import DutyRole
from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import (
    ListedChoiceField,
    PartnershipChoices,
    RevisionChecked,
    choice_field,
    model_choice_field,
    shown_by_service,
    text_field,
    tick_box,
    tick_boxes,
)
from svtoolkit.incidents.forms import coordinate_field
from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.partnerships.selectors import active_organisations

COORDINATE_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"})


class PersonChoiceField(ListedChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


def response_team_member(label, *, missing) -> PersonChoiceField:
    """Someone from the response team, from the list the form's ``__init__`` gives (see ``RotaForm``)."""
    return PersonChoiceField(
        label=label, queryset=None, empty_label="Choose a person", error_messages={"required": missing}
    )


def phone_field(label, *, required, help_text=""):
    return text_field(
        label,
        missing="Enter a number to call you back on",
        max_length=40,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}
        ),
    )


def short_answer(label, max_length: int, *, missing, help_text) -> forms.CharField:
    """A line the alert needs, with a too-long message that names its limit."""
    return text_field(
        label,
        missing=missing,
        max_length=max_length,
        help_text=help_text,
        error_messages={"max_length": f"Keep it to {max_length} characters or fewer"},
    )


class PhoneNumberChecked:
    """Mixed into a form with a number to ring, in the field ``phone_number_field`` names: the service's check
    that it looks like a phone number is shown with the form's own problems."""

    phone_number_field: str

    def clean(self):
        cleaned = super().clean()
        name = self.phone_number_field
        shown_by_service(self, services.check_phone_number, number=cleaned.get(name), field=name)
        return cleaned


class RaiseAlertForm(PhoneNumberChecked, forms.Form):
    """The incident alert: short enough to fill in on a phone in under a minute."""

    what = short_answer(
        "What happened",
        200,
        missing="Say what happened",
        help_text="A few words, no names. For example: stabbing outside Northbridge Academy.",
    )
    where = short_answer(
        "Where", 300, missing="Say where it happened", help_text="Street, landmark or postcode."
    )
    occurred_at = datetime_field("When it happened", "Enter when it happened")
    how_they_know = short_answer(
        "How do you know?",
        500,
        missing="Say how you know",
        help_text="For example: called by the control room; I am at the scene.",
    )
    callback_number = phone_field("Number to call you back on", required=True)
    details = text_field(
        "Anything else known now (optional)",
        rows=3,
        max_length=2000,
        required=False,
        help_text="Injuries, whether anyone is held, what is being done. Keep names out.",
    )
    incident_types = tick_boxes("Type of incident, if known", required=False)
    latitude = coordinate_field("latitude", 90, "51.50740", max_digits=8, widget=COORDINATE_INPUT)
    longitude = coordinate_field("longitude", 180, "-0.12780", max_digits=8, widget=COORDINATE_INPUT)
    is_exercise = tick_box("This is an exercise, not a real incident")
    phone_number_field = "callback_number"

    def __init__(self, *args, incident_types: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = list(incident_types.items())


class RotaForm(PhoneNumberChecked, PartnershipChoices, forms.Form):
    """A change to the rota: someone from the response team (the field ``person``) and their number."""

    partnership_choices = {"person": selectors.response_team}
    phone_number_field = "out_of_hours_number"


class ShiftForm(RotaForm):
    person = response_team_member("Who", missing="Choose who is on duty")
    role = choice_field("Duty role", DutyRole.choices, radios=True, missing="Choose the duty role")
    starts_at = datetime_field("Starts", "Enter when the shift starts")
    ends_at = datetime_field(
        "Ends", "Enter when the shift ends", help_text="An overnight shift ends the next day."
    )
    out_of_hours_number = phone_field("Out-of-hours number", required=False)
    note = text_field("Note (optional)", rows=2, max_length=limits.SHORT_TEXT, required=False)


class HandoverForm(RotaForm):
    partnership_choices = {"to": selectors.response_team}
    to = response_team_member("Who takes over", missing="Choose who takes over")
    out_of_hours_number = phone_field("Their out-of-hours number", required=False)
    note = text_field(
        "Handover note",
        rows=3,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="What the person taking over needs to know.",
    )
    # The shift's revision as the page showed it: a shift handed over by someone else since is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CoverForm(RotaForm):
    person = response_team_member("Who covers", missing="Choose who covers")
    starts_at = datetime_field("Cover starts", "Enter when the cover starts")
    ends_at = datetime_field("Cover ends", "Enter when the cover ends")
    out_of_hours_number = phone_field("Their out-of-hours number", required=False)
    note = text_field("Why cover is needed (optional)", rows=2, max_length=limits.SHORT_TEXT, required=False)


class AlertListForm(PartnershipChoices, forms.Form):
    user = response_team_member("Add to the alert list", missing="Choose who to add")
    partnership_choices = {"user": selectors.response_team}


class EscalationForm(RevisionChecked, forms.Form):
    """Minutes after the alert for each duty role; blank for a role that is never alerted."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in DutyRole:
            self.fields[role.value] = forms.IntegerField(
                label=f"{role.label}: alerted after how many minutes?",
                required=False,
                min_value=0,
                max_value=240,
                help_text="0 is at once. Leave empty if this role is never alerted.",
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
                error_messages={
                    "invalid": "Enter a whole number of minutes, like 10",
                    "min_value": "Enter 0 minutes or more",
                    "max_value": "Enter 240 minutes or fewer",
                },
            )
        self.keep_originals()


class LaunchRuleForm(PartnershipChoices, forms.Form):
    category = forms.ChoiceField(
        label="When the incident is categorised as", error_messages={"required": "Choose a category"}
    )
    organisation_kind = forms.ChoiceField(label="Inform every organisation of this kind", required=False)
    organisation = model_choice_field("Or inform this organisation", optional="Choose an organisation")
    partnership_choices = {"organisation": active_organisations}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a category"), *selectors.category_labels().items()]
        self.fields["organisation_kind"].choices = [("", "Choose a kind"), *OrganisationKind.choices]
