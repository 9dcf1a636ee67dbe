"""What people type when scheduling a meeting and recording its outcome."""

from functools import partial

from django import forms
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.utils.functional import cached_property

from svtoolkit.accounts.selectors import member_users
from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import (
    PartnershipChoices,
    ServiceChecked,
    choice_field,
    model_choice_field,
    model_tick_boxes,
    shown_by_service,
    text_field,
)
from svtoolkit.incidents.services import check_action_due, check_owner
from svtoolkit.meetings import services
from svtoolkit.meetings.models import MeetingKind
from svtoolkit.partnerships.selectors import active_organisations


class ScheduleForm(ServiceChecked, PartnershipChoices, forms.Form):
    kind = choice_field("Kind of meeting", MeetingKind.choices, radios=True)
    starts_at = datetime_field("Starts", "Enter when the meeting starts")
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=15,
        max_value=480,
        initial=60,
        error_messages={
            "required": "Enter how long the meeting is",
            "invalid": "Enter the length as a whole number of minutes, like 60",
            "min_value": "A meeting is at least 15 minutes",
            "max_value": "A meeting is at most 480 minutes",
        },
    )
    place = forms.CharField(label="Place", max_length=200, required=False)
    online_link = forms.URLField(
        label="Online link",
        required=False,
        max_length=limits.LINK,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the full link, starting https://",
            "max_length": f"The link must be {limits.LINK:,} characters or fewer",
        },
    )
    chair = model_choice_field("Chair", missing="Choose the chair")
    organisations = model_tick_boxes("Organisations invited", missing="Invite at least one organisation")
    agenda = text_field(
        "Agenda",
        rows=14,
        missing="Enter the agenda",
        max_length=limits.LONG_TEXT,
        help_text="Drafted from where the response stands. Change it as you need.",
    )
    daily_for = forms.IntegerField(
        label="Meet daily for this many days",
        min_value=1,
        max_value=14,
        initial=1,
        error_messages={
            "required": "Enter 1 for a single meeting",
            "min_value": "Enter 1 for a single meeting",
        },
    )
    then_weekly_for = forms.IntegerField(
        label="Then weekly for this many weeks",
        min_value=0,
        max_value=26,
        initial=0,
        required=False,
        help_text="A series can step down from daily to weekly. Leave 0 for none.",
    )

    partnership_choices = {"chair": member_users, "organisations": active_organisations}
    service_check = services.check_where
    service_checks = ("place", "online_link")

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        cleaned = super().clean()
        cleaned["then_weekly_for"] = cleaned.get("then_weekly_for") or 0
        shown_by_service(
            self,
            partial(services.check_starts_at, incident=self.incident),
            starts_at=cleaned.get("starts_at"),
        )
        return cleaned


class OutcomeForm(forms.Form):
    attended = model_tick_boxes("Organisations that attended", required=False)
    minutes = text_field("Minutes", rows=8, missing="Enter the minutes", max_length=limits.LONG_TEXT)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = meeting.invited_organisations.all()


class DecisionRowForm(forms.Form):
    what = text_field("Decision", rows=2, max_length=limits.SUMMARY, required=False)
    why = text_field("Why", rows=2, max_length=limits.SUMMARY, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("what") and not cleaned.get("why"):
            self.add_error("why", "Say why it was decided")
        if cleaned.get("why") and not cleaned.get("what"):
            self.add_error("what", "Say what was decided")
        return cleaned


class ActionRowForm(PartnershipChoices, forms.Form):
    title = forms.CharField(label="Action", max_length=200, required=False)
    owner_organisation = model_choice_field("Owning organisation", optional="Nobody yet")
    due_at = datetime_field("Due", "Enter when it is due", required=False)

    partnership_choices = {"owner_organisation": active_organisations}

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title") and not cleaned.get("due_at") and "due_at" not in self.errors:
            self.add_error("due_at", "Enter when the action is due")
        if cleaned.get("title"):
            # The service's rules, shown on this row (a refusal from the service names no row).
            shown_by_service(
                self, partial(check_action_due, incident=self.incident), due_at=cleaned.get("due_at")
            )
            shown_by_service(
                self,
                partial(check_owner, incident=self.incident, owner=None),
                owner_organisation=cleaned.get("owner_organisation"),
            )
        return cleaned


class FixedRows(forms.BaseFormSet):
    """The ``extra`` rows the page offers, whatever its hidden row count says: a count missing or garbled
    would refuse every row (and lose what was typed), and one raised would take thousands."""

    @cached_property
    def management_form(self):
        counts = {TOTAL_FORM_COUNT: self.extra, INITIAL_FORM_COUNT: 0}
        form = ManagementForm(
            {self.add_prefix(name): count for name, count in counts.items()},
            auto_id=self.auto_id,
            prefix=self.prefix,
            renderer=self.renderer,
        )
        form.full_clean()
        return form


DecisionRows = forms.formset_factory(DecisionRowForm, formset=FixedRows, extra=2)
ActionRows = forms.formset_factory(ActionRowForm, formset=FixedRows, extra=3)


class CancelForm(forms.Form):
    reason = text_field(
        "Why is the meeting cancelled?",
        rows=3,
        max_length=limits.SHORT_TEXT,
        help_text="Those invited are told, with the reason.",
        required=False,  # that a reason is given is the service's rule (services.cancel_meeting)
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if meeting.is_over:  # nobody is told of a meeting already past (services.cancel_meeting)
            self.fields["reason"].label = "Why did the meeting not take place?"
            self.fields["reason"].help_text = "It goes on the incident's timeline. Nobody is emailed."
