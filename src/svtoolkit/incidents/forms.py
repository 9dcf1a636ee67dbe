"""What responders and partners type about an incident, with messages a person understands."""

from django import forms

from svtoolkit.accounts.selectors import member_users
from svtoolkit.core import limits
from svtoolkit.core.datetimes import LocalDateTimeField
from svtoolkit.core.forms import RevisionChecked
from svtoolkit.incidents.categorisation import factor_choices
from svtoolkit.incidents.models import (
    ActionStatus,
    IncidentStatus,
    NotificationSource,
)
from svtoolkit.incidents.people.forms import DisclosureBasisForm
from svtoolkit.partnerships.models import Contact, Partnership

YES_NO = [("yes", "Yes"), ("no", "No")]


def datetime_field(label, required_message, **kwargs):
    """A date and time as typed on a clock; on the nights the clocks change, see core.datetimes."""
    return LocalDateTimeField(
        label=label,
        error_messages={
            "required": required_message,
            "invalid": "Enter a real date and time, like 2026-11-25 14:30",
        },
        **kwargs,
    )


class IncidentForm(forms.Form):
    title = forms.CharField(
        label="Short title",
        max_length=200,
        help_text="No names of people. For example: Stabbing near Northbridge Academy.",
        error_messages={"required": "Enter a short title"},
    )
    incident_types = forms.MultipleChoiceField(
        label="Type of incident",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one type of incident"},
    )
    occurred_at = datetime_field("When it happened", "Enter when it happened")
    notified_at = datetime_field("When the partnership was told", "Enter when the partnership was told")
    notification_source = forms.ChoiceField(
        label="Who told the partnership",
        choices=[("", "Choose")] + NotificationSource.choices,
        error_messages={"required": "Choose who told the partnership"},
    )
    notified_by = forms.CharField(
        label="Name or role of the person who told us", max_length=200, required=False
    )
    summary = forms.CharField(
        max_length=limits.SUMMARY,
        label="Factual summary",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is known so far. Keep personal details for the people-affected records.",
        error_messages={"required": "Enter a factual summary"},
    )
    scene_description = forms.CharField(
        label="Scene",
        max_length=300,
        help_text="Where it happened.",
        error_messages={"required": "Describe the scene"},
    )
    scene_area = forms.CharField(label="Ward or area of the scene", max_length=120, required=False)
    is_exercise = forms.BooleanField(label="This is an exercise, not a real incident", required=False)

    def __init__(self, *args, incident_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = list(incident_types.items())

    def clean(self):
        return check_told_after_it_happened(self, super().clean())


def check_told_after_it_happened(form, cleaned):
    occurred, notified = cleaned.get("occurred_at"), cleaned.get("notified_at")
    if occurred and notified and notified < occurred:
        form.add_error("notified_at", "The partnership cannot have been told before the incident happened")
    return cleaned


class CategorisationForm(forms.Form):
    factors = forms.MultipleChoiceField(
        label="What applies to this incident?",
        help_text="Judge the likely impact on the confidence of the victim, their family and the community.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_factors = forms.CharField(
        max_length=limits.SUMMARY,
        label="Anything else",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    serious_violence = forms.ChoiceField(
        label="Is this a serious violence incident?", choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    meeting_needed = forms.ChoiceField(
        label="Is an incident management meeting needed?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    cross_borough = forms.ChoiceField(
        label="Must the response cross borough boundaries?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    rationale = forms.CharField(
        max_length=limits.SUMMARY, label="Why", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, deciding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.deciding = deciding
        self.fields["factors"].choices = [(code, label) for code, label, _ in factor_choices()]

    def clean(self):
        cleaned = super().clean()
        if self.deciding:
            for name, message in [
                ("serious_violence", "Say whether this is a serious violence incident"),
                ("meeting_needed", "Say whether an incident management meeting is needed"),
                ("cross_borough", "Say whether the response must cross borough boundaries"),
                ("rationale", "Give the reason for the decision"),
            ]:
                if not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned


class LeadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Lead organisation", queryset=None, error_messages={"required": "Choose the lead organisation"}
    )
    officer = forms.ModelChoiceField(
        label="Lead officer", queryset=None, error_messages={"required": "Choose the lead officer"}
    )
    handover_note = forms.CharField(
        max_length=limits.SHORT_TEXT,
        label="Handover note",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="When the lead changes: what the new lead needs to know.",
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partnership.organisations.filter(is_active=True)
        self.fields["officer"].queryset = member_users(partnership)


class ParticipantForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        error_messages={"required": "Choose the organisation taking part"},
    )
    contact = forms.ModelChoiceField(
        label="Their contact for this incident",
        queryset=None,
        required=False,
        empty_label="Choose later",
        help_text="The person who is emailed when partners are informed.",
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partnership.organisations.filter(is_active=True)
        self.fields["contact"].queryset = Contact.objects.filter(
            organisation__partnership=partnership, is_active=True
        ).select_related("organisation")

    def clean(self):
        cleaned = super().clean()
        organisation, contact = cleaned.get("organisation"), cleaned.get("contact")
        if organisation and contact and contact.organisation_id != organisation.pk:
            self.add_error("contact", f"{contact.name} does not work for {organisation}")
        return cleaned


class ActionUpdateForm(RevisionChecked, forms.Form):
    status = forms.ChoiceField(label="Status", choices=ActionStatus.choices, widget=forms.RadioSelect)
    not_needed_reason = forms.CharField(
        max_length=limits.SHORT_TEXT,
        label="If not needed, why",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    owner_organisation = forms.ModelChoiceField(
        label="Owning organisation", queryset=None, required=False, empty_label="Nobody yet"
    )
    owner = forms.ModelChoiceField(
        label="Person responsible", queryset=None, required=False, empty_label="Nobody yet"
    )
    note = forms.CharField(
        max_length=limits.SUMMARY,
        label="Note for the timeline",
        help_text="If handed over, say to whom: for example, the youth offending service's case worker.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, partnership, can_reassign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = partnership.organisations.filter(is_active=True)
        self.fields["owner"].queryset = member_users(partnership)
        # Partners report progress on their own actions; reassigning work is for the response team.
        for name in ("owner_organisation", "owner"):
            self.fields[name].disabled = not can_reassign

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == ActionStatus.NOT_NEEDED
            and not cleaned.get("not_needed_reason", "").strip()
        ):
            self.add_error("not_needed_reason", "Say why the action is not needed")
        if cleaned.get("status") == ActionStatus.HANDED_OVER and not cleaned.get("note", "").strip():
            self.add_error("note", "Say in the note who the action was handed over to")
        return cleaned


class NewActionForm(forms.Form):
    title = forms.CharField(label="Action", max_length=200, error_messages={"required": "Enter the action"})
    guidance = forms.CharField(
        max_length=limits.SUMMARY, label="Details", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner_organisation = forms.ModelChoiceField(
        label="Owning organisation", queryset=None, required=False, empty_label="Nobody yet"
    )
    owner = forms.ModelChoiceField(
        label="Person responsible", queryset=None, required=False, empty_label="Nobody yet"
    )
    due_at = datetime_field("Due", "Enter when it is due")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = partnership.organisations.filter(is_active=True)
        self.fields["owner"].queryset = member_users(partnership)


class UpdateForm(forms.Form):
    text = forms.CharField(
        max_length=limits.SUMMARY,
        label="Update",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the update"},
    )


class DecisionForm(forms.Form):
    what = forms.CharField(
        max_length=limits.SUMMARY,
        label="What was decided",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what was decided"},
    )
    why = forms.CharField(
        max_length=limits.SUMMARY,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why it was decided"},
    )


class PlanReviewForm(forms.Form):
    changes = forms.CharField(
        max_length=limits.SUMMARY,
        label="What changed in the plan, and why",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what the review changed, or that nothing needed to change"},
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Move the incident to",
        # Closing comes with the review; "alerted" is only where an incident alert starts.
        choices=[
            c for c in IncidentStatus.choices if c[0] not in {IncidentStatus.CLOSED, IncidentStatus.ALERTED}
        ],
    )


class ShareForm(DisclosureBasisForm):
    """Sharing an incident discloses its people affected to another partnership: the basis is asked too."""

    partnership = forms.ModelChoiceField(
        label="Partnership to share with", queryset=None, error_messages={"required": "Choose a partnership"}
    )
    field_order = ["partnership", "purpose", "article6_basis", "article9_condition", "gateway", "agreement"]

    def __init__(self, *args, exclude, **kwargs):
        super().__init__(*args, partnership=exclude, **kwargs)
        self.fields["partnership"].queryset = Partnership.objects.filter(is_active=True).exclude(
            pk=exclude.pk
        )


class EditRecordForm(RevisionChecked, forms.Form):
    title = IncidentForm.base_fields["title"]
    incident_types = IncidentForm.base_fields["incident_types"]
    occurred_at = IncidentForm.base_fields["occurred_at"]
    notified_at = IncidentForm.base_fields["notified_at"]
    summary = IncidentForm.base_fields["summary"]
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, incident_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = list(incident_types.items())

    def clean(self):
        return check_told_after_it_happened(self, super().clean())


class SceneForm(forms.Form):
    description = forms.CharField(
        label="Scene", max_length=300, error_messages={"required": "Describe the scene"}
    )
    area = forms.CharField(label="Ward or area", max_length=120, required=False)
    latitude = forms.DecimalField(
        label="Latitude (optional)",
        required=False,
        min_value=-90,
        max_value=90,
        decimal_places=5,
        error_messages={"invalid": "Enter the latitude as a number, like 51.50740"},
    )
    longitude = forms.DecimalField(
        label="Longitude (optional)",
        required=False,
        min_value=-180,
        max_value=180,
        decimal_places=5,
        error_messages={"invalid": "Enter the longitude as a number, like -0.12780"},
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", "Give both the latitude and the longitude, or neither")
        return cleaned


def _hours_field(label, help_text):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=744,
        error_messages={
            "required": "Enter a number of hours",
            "invalid": "Enter a whole number of hours, like 4",
            "min_value": "Enter 0 hours or more",
            "max_value": "Enter 744 hours (31 days) or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class EscalationTimetableForm(forms.Form):
    owner_after_hours = _hours_field(
        "Remind the owner, hours after the action was due",
        "0 reminds the person named on the action as soon as it is overdue.",
    )
    spoc_after_hours = _hours_field(
        "Tell the organisation's single point of contact, hours after the action was due",
        "When the action names no person, the single point of contact is told at the owner's time.",
    )
    lead_after_hours = _hours_field(
        "Tell the incident lead, hours after the action was due",
        "Actions that nobody owns go to the lead as soon as they are overdue.",
    )
