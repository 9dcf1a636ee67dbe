"""What people type into the communications plan."""

from django import forms

from svtoolkit.accounts.selectors import member_users
from svtoolkit.communications.models import MessageKind
from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import (
    ENTER_A_TITLE,
    PartnershipChoices,
    RevisionChecked,
    choice_field,
    model_choice_field,
    model_tick_boxes,
    text_field,
    tick_box,
)
from svtoolkit.partnerships.models import Organisation
from svtoolkit.partnerships.selectors import active_organisations


class PlanForm(RevisionChecked, PartnershipChoices, forms.Form):
    lead_organisation = model_choice_field(
        "Lead organisation for communications", missing="Choose the organisation that leads communications"
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
    updates_owner = model_choice_field("Who is reminded when an update is due", optional="Nobody")
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    partnership_choices = {"lead_organisation": active_organisations, "updates_owner": member_users}
    stored_choices_kept = tuple(partnership_choices)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("update_every_days") and not cleaned.get("updates_owner"):
            self.add_error("updates_owner", "Choose who is reminded when an update is due")
        return cleaned


class MessageForm(forms.Form):
    kind = choice_field(
        "Kind of message", MessageKind.choices, radios=True, missing="Choose the kind of message"
    )
    title = text_field("Title", missing=ENTER_A_TITLE, max_length=200)
    body = text_field("Text", rows=8, missing="Enter the text", max_length=limits.SUMMARY)
    audience = text_field("Audience", missing="Enter the audience", max_length=200)
    channel = text_field("Channel", missing="Enter the channel", max_length=200)
    planned_for = datetime_field("Planned for", "Enter when it is planned for")
    names_or_images = tick_box(
        "It names, or shows images of, someone affected",
        help_text="The family must agree before it is published.",
    )
    approvers = model_tick_boxes(
        "Organisations that must sign it off", missing="Choose at least one organisation to sign it off"
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
    note = text_field(
        "How the family agreed",
        missing="Say how the family agreed",
        max_length=300,
        help_text="For example: agreed with the mother by phone through the family liaison officer.",
    )
    # The revision of the message the page showed: the text the family was read.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # After the text changed since the page was opened (``services.refuse_if_changed_since_read``).
    conflict_advice = "How the family agreed, as you entered it, is kept below."

    def clean(self):
        cleaned = super().clean()
        # Without the text the family was read, their agreement could be recorded to a text changed since.
        if cleaned.get("revision") is None:
            self.add_error("note", "Open the message again and read the family the text it shows, then agree")
        return cleaned


class MonitoringNoteForm(forms.Form):
    source = text_field("Where it was seen", missing="Say where it was seen", max_length=200)
    summary = text_field("What was seen", rows=3, missing="Say what was seen", max_length=limits.SUMMARY)
    is_rumour = tick_box("It is a rumour or misinformation to counter")
    response = text_field("What was done about it", rows=2, max_length=limits.SUMMARY, required=False)
