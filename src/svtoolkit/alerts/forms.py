"""What people type to raise an alert and keep the rota, with messages a person understands."""

import re

from django import forms

from svtoolkit.alerts import selectors
from svtoolkit.alerts.models import DutyRole
from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import choice_field, model_choice_field, text_field, tick_box, tick_boxes
from svtoolkit.incidents.forms import coordinate_field
from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.partnerships.selectors import active_organisations

PHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")
COORDINATE_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"})


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


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


def clean_phone(value: str, message: str) -> str:
    value = value.strip()
    if value and not PHONE.match(value):
        raise forms.ValidationError(message)
    return value


class RaiseAlertForm(forms.Form):
    """The incident alert: short enough to fill in on a phone in under a minute."""

    what = text_field(
        "What happened",
        missing="Say what happened",
        max_length=200,
        help_text="A few words, no names. For example: stabbing outside Northbridge Academy.",
        error_messages={"max_length": "Keep it to 200 characters or fewer"},
    )
    where = text_field(
        "Where",
        missing="Say where it happened",
        max_length=300,
        help_text="Street, landmark or postcode.",
        error_messages={"max_length": "Keep it to 300 characters or fewer"},
    )
    occurred_at = datetime_field("When it happened", "Enter when it happened")
    how_they_know = text_field(
        "How do you know?",
        missing="Say how you know",
        max_length=500,
        help_text="For example: called by the control room; I am at the scene.",
        error_messages={"max_length": "Keep it to 500 characters or fewer"},
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

    def __init__(self, *args, incident_types: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = list(incident_types.items())

    def clean_callback_number(self):
        return clean_phone(self.cleaned_data["callback_number"], "Enter a phone number, like 07700 900123")


class RotaForm(forms.Form):
    """A change to the rota: someone from the response team (the field ``person_field``) and their number."""

    person_field = "person"

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.person_field].queryset = selectors.response_team(partnership)

    def clean_out_of_hours_number(self):
        return clean_phone(
            self.cleaned_data["out_of_hours_number"], "Enter a phone number, like 020 7946 0199"
        )


class ShiftForm(RotaForm):
    person = PersonChoiceField(
        label="Who",
        queryset=None,
        empty_label="Choose a person",
        error_messages={"required": "Choose who is on duty"},
    )
    role = choice_field("Duty role", DutyRole.choices, radios=True, missing="Choose the duty role")
    starts_at = datetime_field("Starts", "Enter when the shift starts")
    ends_at = datetime_field(
        "Ends", "Enter when the shift ends", help_text="An overnight shift ends the next day."
    )
    out_of_hours_number = phone_field("Out-of-hours number", required=False)
    note = text_field("Note (optional)", rows=2, max_length=limits.SHORT_TEXT, required=False)


class HandoverForm(RotaForm):
    person_field = "to"
    to = PersonChoiceField(
        label="Who takes over",
        queryset=None,
        empty_label="Choose a person",
        error_messages={"required": "Choose who takes over"},
    )
    out_of_hours_number = phone_field("Their out-of-hours number", required=False)
    note = text_field(
        "Handover note",
        rows=3,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="What the person taking over needs to know.",
    )


class CoverForm(RotaForm):
    person = PersonChoiceField(
        label="Who covers",
        queryset=None,
        empty_label="Choose a person",
        error_messages={"required": "Choose who covers"},
    )
    starts_at = datetime_field("Cover starts", "Enter when the cover starts")
    ends_at = datetime_field("Cover ends", "Enter when the cover ends")
    out_of_hours_number = phone_field("Their out-of-hours number", required=False)
    note = text_field("Why cover is needed (optional)", rows=2, max_length=limits.SHORT_TEXT, required=False)


class AlertListForm(forms.Form):
    user = PersonChoiceField(
        label="Add to the alert list",
        queryset=None,
        empty_label="Choose a person",
        error_messages={"required": "Choose who to add"},
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.response_team(partnership)


class EscalationForm(forms.Form):
    """Minutes after the alert for each duty role; blank for a role that is never alerted."""

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


class LaunchRuleForm(forms.Form):
    category = forms.ChoiceField(
        label="When the incident is categorised as", error_messages={"required": "Choose a category"}
    )
    organisation_kind = forms.ChoiceField(label="Inform every organisation of this kind", required=False)
    organisation = model_choice_field("Or inform this organisation", optional="Choose an organisation")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a category"), *selectors.category_labels().items()]
        self.fields["organisation_kind"].choices = [("", "Choose a kind"), *OrganisationKind.choices]
        self.fields["organisation"].queryset = active_organisations(partnership)
