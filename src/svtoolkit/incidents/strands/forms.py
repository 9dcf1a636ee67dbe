"""Forms for the partners' strands. Presence and format only: the rules are the services' (``check_...``)."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import DateField
from svtoolkit.core.forms import RevisionChecked
from svtoolkit.incidents.forms import datetime_field
from svtoolkit.incidents.models import PatientStatus, ReferralRoute
from svtoolkit.incidents.people.forms import DisclosureBasisForm, PersonAffectedForm
from svtoolkit.incidents.strands.services import NO_OUTCOME, NO_ROUTE


class PersonChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "Choose one of the people"}

    def label_from_instance(self, person):
        return f"{person.name} ({person.get_role_display().lower()}, {person.get_age_band_display().lower()})"


class SchoolForm(RevisionChecked, forms.Form):
    """A school attended by those involved: a new one names the school; a change carries its revision."""

    school = forms.ModelChoiceField(
        label="School or college",
        queryset=None,
        help_text="From the partnership's directory. A school not listed is added to the directory first.",
        error_messages={
            "required": "Choose the school or college",
            "invalid_choice": "Choose a school or college from the list",
        },
    )
    safeguarding_lead_informed_at = datetime_field(
        "When the designated safeguarding lead was told (optional)",
        "",
        required=False,
        help_text="Leave empty until they have been told.",
    )
    support_offered = forms.CharField(
        label="Support offered to pupils and staff (optional)",
        max_length=limits.SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: educational psychologists on site from Tuesday. Do not name pupils here.",
    )
    critical_incident_plan_started_at = datetime_field(
        "When the school started its own critical-incident plan (optional)", "", required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
            self.fields["school"].empty_label = "Choose a school or college"


class HospitalStayForm(RevisionChecked, forms.Form):
    patient = PersonChoiceField(
        label="Who is in hospital",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose who is in hospital"},
    )
    hospital = forms.ModelChoiceField(
        label="Hospital (optional)",
        queryset=None,
        required=False,
        empty_label="Not known yet",
        error_messages={"invalid_choice": "Choose a hospital from the list"},
    )
    status = forms.ChoiceField(
        label="Their status",
        choices=PatientStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their status"},
    )
    ward_restrictions = forms.CharField(
        label="Ward restrictions (optional)",
        max_length=limits.SHORT_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who may not come onto the ward, and why.",
    )
    visitor_arrangements = forms.CharField(
        label="Visitor arrangements agreed with the hospital and the police (optional)",
        max_length=limits.SHORT_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Who may visit and how identities are checked.",
    )
    expected_discharge_on = DateField(
        what="The expected discharge date", label="Expected discharge date (optional)", required=False
    )
    discharge_plan = forms.CharField(
        label="Discharge plan (optional)",
        max_length=limits.SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where they will go, with what support, and who is told before they leave.",
    )
    discharge_plan_agreed = forms.BooleanField(
        label="The discharge plan is agreed with partners", required=False
    )
    violence_reduction_team_informed_at = datetime_field(
        "When the hospital's violence-reduction team was told (optional)", "", required=False
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, people=None, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals
        if people is None:
            del self.fields["patient"]
        else:
            self.fields["patient"].queryset = people

    @staticmethod
    def initial_from(stay) -> dict:
        fields = ("hospital", "status", "ward_restrictions", "visitor_arrangements", "expected_discharge_on")
        return {name: getattr(stay, name) for name in fields} | {
            "discharge_plan": stay.discharge_plan,
            "discharge_plan_agreed": stay.discharge_plan_agreed_at is not None,
            "violence_reduction_team_informed_at": stay.violence_reduction_team_informed_at,
            "revision": stay.revision,
        }


class ReferralForm(DisclosureBasisForm):
    """A referral to the MASH or the daily risk meeting: who, where, when, and the lawful basis for sending
    their details out of the need-to-know circle."""

    person = PersonChoiceField(
        label="Who was referred",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose who was referred"},
    )
    route = forms.ChoiceField(
        label="Referred to",
        choices=ReferralRoute.choices,
        widget=forms.RadioSelect,
        error_messages={"required": NO_ROUTE},
    )
    referred_at = datetime_field("When the referral was made", "Enter when the referral was made")

    field_order = ["person", "route", "referred_at"]

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["purpose"].label = "Why are you referring them?"


class OutcomeForm(RevisionChecked, forms.Form):
    outcome = forms.CharField(
        label="What the referral decided",
        max_length=limits.SUMMARY,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: strategy discussion held; section 47 enquiry started.",
        error_messages={"required": NO_OUTCOME},
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
