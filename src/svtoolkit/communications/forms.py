"""What people type into the communications plan."""

from django import forms

from svtoolkit.accounts.selectors import member_users
from svtoolkit.communications.models import MessageKind
from svtoolkit.core import limits
from svtoolkit.core.forms import ENTER_A_TITLE, RevisionChecked
from svtoolkit.incidents.forms import datetime_field
from svtoolkit.partnerships.models import Organisation


class PlanForm(forms.Form):
    lead_organisation = forms.ModelChoiceField(
        label="Lead organisation for communications",
        queryset=None,
        error_messages={"required": "Choose the organisation that leads communications"},
    )
    main_channel = forms.CharField(
        label="Main channel",
        max_length=200,
        required=False,
        help_text="For example: the council's website and X account.",
    )
    update_every_days = forms.IntegerField(
        label="Regular update every this many days",
        min_value=1,
        max_value=90,
        required=False,
        help_text="A phased plan, for example 7 for weekly updates. Leave empty for none.",
        error_messages={"invalid": "Enter a whole number of days, like 7", "min_value": "Enter 1 or more"},
    )
    updates_owner = forms.ModelChoiceField(
        label="Who is reminded when an update is due", queryset=None, required=False, empty_label="Nobody"
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organisation"].queryset = partnership.organisations.filter(is_active=True)
        self.fields["updates_owner"].queryset = member_users(partnership)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("update_every_days") and not cleaned.get("updates_owner"):
            self.add_error("updates_owner", "Choose who is reminded when an update is due")
        return cleaned


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of message",
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of message"},
    )
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": ENTER_A_TITLE})
    body = forms.CharField(
        max_length=limits.SUMMARY,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the text"},
    )
    audience = forms.CharField(
        label="Audience", max_length=200, error_messages={"required": "Enter the audience"}
    )
    channel = forms.CharField(
        label="Channel", max_length=200, error_messages={"required": "Enter the channel"}
    )
    planned_for = datetime_field("Planned for", "Enter when it is planned for")
    names_or_images = forms.BooleanField(
        label="It names, or shows images of, someone affected",
        required=False,
        help_text="The family must agree before it is published.",
    )
    approvers = forms.ModelMultipleChoiceField(
        label="Organisations that must sign it off",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one organisation to sign it off"},
    )

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        # Only organisations taking part can see the incident to sign the message off.
        self.fields["approvers"].queryset = Organisation.objects.filter(
            pk__in=incident.participations.values("organisation_id")
        )


class DraftForm(RevisionChecked, MessageForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)


class SignOffForm(forms.Form):
    comment = forms.CharField(label="Comment (optional)", max_length=300, required=False)


class FamilyAgreementForm(forms.Form):
    note = forms.CharField(
        label="How the family agreed",
        max_length=300,
        help_text="For example: agreed with the mother by phone through the family liaison officer.",
        error_messages={"required": "Say how the family agreed"},
    )


class MonitoringNoteForm(forms.Form):
    source = forms.CharField(
        label="Where it was seen", max_length=200, error_messages={"required": "Say where it was seen"}
    )
    summary = forms.CharField(
        max_length=limits.SUMMARY,
        label="What was seen",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was seen"},
    )
    is_rumour = forms.BooleanField(label="It is a rumour or misinformation to counter", required=False)
    response = forms.CharField(
        max_length=limits.SUMMARY,
        label="What was done about it",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
