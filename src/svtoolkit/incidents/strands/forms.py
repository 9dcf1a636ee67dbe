"""Forms for the partners' strands. Presence and format only: the rules are the services' (``check_...``)."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import DateField, datetime_field
from svtoolkit.core.forms import (
    ListedChoiceField,
    RevisionChecked,
    choice_field,
    initial_from,
    keep_stored_choice,
    model_choice_field,
    text_field,
    tick_box,
)
from svtoolkit.incidents.models import PatientStatus, ReferralRoute
from svtoolkit.incidents.people.forms import DisclosureBasisForm, PersonAffectedForm
from svtoolkit.incidents.strands.services import HOSPITAL_FIELDS, NO_OUTCOME, NO_ROUTE


class PersonChoiceField(ListedChoiceField):
    """One of the incident's people, as radios: the form's ``__init__`` gives the list (its ``queryset``);
    ``missing`` is the message when nobody is chosen."""

    default_error_messages = {"invalid_choice": "Choose one of the people"}
    widget = forms.RadioSelect

    def __init__(self, label, *, missing, **kwargs):
        super().__init__(
            queryset=None, label=label, empty_label=None, error_messages={"required": missing}, **kwargs
        )

    def label_from_instance(self, person):
        return f"{person.name} ({person.get_role_display().lower()}, {person.get_age_band_display().lower()})"


class SchoolForm(RevisionChecked, forms.Form):
    """A school attended by those involved: a new one names the school; a change carries its revision."""

    school = model_choice_field(
        "School or college",
        missing="Choose the school or college",
        not_listed="Choose a school or college from the list",
        empty_label="Choose a school or college",
        help_text="From the partnership's directory. A school not listed is added to the directory first.",
    )
    safeguarding_lead_informed_at = datetime_field(
        "When the designated safeguarding lead was told (optional)",
        "",
        required=False,
        help_text="Leave empty until they have been told.",
    )
    support_offered = text_field(
        "Support offered to pupils and staff (optional)",
        rows=3,
        max_length=limits.SUMMARY,
        required=False,
        help_text="For example: educational psychologists on site from Tuesday. Do not name pupils here.",
    )
    critical_incident_plan_started_at = datetime_field(
        "When the school started its own critical-incident plan (optional)", "", required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        _new_or_changed(self, "school", schools)


class HospitalStayForm(RevisionChecked, forms.Form):
    patient = PersonChoiceField("Who is in hospital", missing="Choose who is in hospital")
    hospital = model_choice_field(
        "Hospital (optional)", optional="Not known yet", not_listed="Choose a hospital from the list"
    )
    status = choice_field("Their status", PatientStatus.choices, radios=True, missing="Choose their status")
    ward_restrictions = text_field(
        "Ward restrictions (optional)",
        rows=2,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="Who may not come onto the ward, and why.",
    )
    visitor_arrangements = text_field(
        "Visitor arrangements agreed with the hospital and the police (optional)",
        rows=2,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="Who may visit and how identities are checked.",
    )
    expected_discharge_on = DateField(
        what="The expected discharge date", label="Expected discharge date (optional)", required=False
    )
    discharge_plan = text_field(
        "Discharge plan (optional)",
        rows=3,
        max_length=limits.SUMMARY,
        required=False,
        help_text="Where they will go, with what support, and who is told before they leave.",
    )
    discharge_plan_agreed = tick_box("The discharge plan is agreed with partners")
    violence_reduction_team_informed_at = datetime_field(
        "When the hospital's violence-reduction team was told (optional)", "", required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, people=None, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals
        keep_stored_choice(self, "hospital")
        _new_or_changed(self, "patient", people)

    @staticmethod
    def initial_from(stay) -> dict:
        stored = (name for name in HOSPITAL_FIELDS if name != "discharge_plan_agreed")
        return initial_from(
            stay, *stored, "revision", discharge_plan_agreed=stay.discharge_plan_agreed_at is not None
        )


def _new_or_changed(form, chosen: str, choices) -> None:
    """A new record is chosen from ``choices`` (the ``chosen`` field) and has no revision yet; a change
    keeps what it is of and carries the revision it was based on."""
    if choices is None:
        del form.fields[chosen]
    else:
        form.fields[chosen].queryset = choices
        del form.fields["revision"]


class ReferralForm(DisclosureBasisForm):
    """A referral to the MASH or the daily risk meeting: who, where, when, and the lawful basis for sending
    their details out of the need-to-know circle."""

    person = PersonChoiceField("Who was referred", missing="Choose who was referred")
    route = choice_field("Referred to", ReferralRoute.choices, radios=True, missing=NO_ROUTE)
    referred_at = datetime_field("When the referral was made", "Enter when the referral was made")

    field_order = ["person", "route", "referred_at"]
    article9_help = (
        "Needed for every safeguarding referral: it tells of the harm done to them and their welfare. "
        "For example, Schedule 1 paragraph 18 (safeguarding)."
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["purpose"].label = "Why are you referring them?"


class OutcomeForm(RevisionChecked, forms.Form):
    outcome = text_field(
        "What the referral decided",
        rows=3,
        missing=NO_OUTCOME,
        max_length=limits.SUMMARY,
        help_text="For example: strategy discussion held; section 47 enquiry started.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class PersonAtRiskForm(PersonAffectedForm):
    """Someone at risk (an associate, a sibling, a friend): a person-affected record, as an associate at
    risk."""

    class Meta(PersonAffectedForm.Meta):
        fields = [
            name for name in PersonAffectedForm.Meta.fields if name not in {"role", "deceased", "referrals"}
        ]
        labels = {**PersonAffectedForm.Meta.labels, "relation": "How are they connected?"}
        help_texts = {"relation": "For example: the victim's younger brother; a friend seen at the scene."}
