"""Forms for the review, follow-ups, lessons, closing and re-opening."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import RevisionChecked
from svtoolkit.partnerships.selectors import active_organisations
from svtoolkit.recovery.forms import date_field


class ContributionForm(RevisionChecked, forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=None, error_messages={"required": "Choose the organisation"}
    )
    went_well = forms.CharField(
        max_length=limits.LONG_TEXT,
        label="What went well",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what went well"},
    )
    went_badly = forms.CharField(
        max_length=limits.LONG_TEXT,
        label="What did not go well",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what did not go well"},
    )
    to_change = forms.CharField(
        max_length=limits.LONG_TEXT,
        label="What to change next time",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what to change next time"},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:  # a partner writes for their own organisation only: nothing to choose
            self.fields["organisation"].empty_label = None


class CompleteReviewForm(forms.Form):
    held_on = date_field("Date the review was held")
    summary = forms.CharField(
        max_length=limits.LONG_TEXT,
        label="What the review concluded",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,  # that there is a summary is the service's rule (services.complete_review)
    )


class FollowUpForm(forms.Form):
    title = forms.CharField(
        label="Follow-up action", max_length=200, error_messages={"required": "Enter the follow-up action"}
    )
    owner_organisation = forms.ModelChoiceField(
        label="Organisation responsible",
        queryset=None,
        error_messages={"required": "Choose the organisation responsible"},
    )
    due_on = date_field("Due date")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = active_organisations(partnership)


class LessonForm(forms.Form):
    title = forms.CharField(
        label="The lesson", max_length=200, error_messages={"required": "Enter the lesson in a sentence"}
    )
    detail = forms.CharField(
        max_length=limits.SUMMARY,
        label="What happened, and why it matters",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what happened and why it matters"},
    )
    item_key = forms.ChoiceField(label="Checklist item it would change", required=False)
    proposed_action = forms.CharField(label="New wording of the item", max_length=200, required=False)
    proposed_guidance = forms.CharField(
        max_length=limits.SUMMARY,
        label="New guidance for the item",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_key"].choices = [("", "No change to the checklist")] + [
            (item.key, f"{item.area.title}: {item.action}") for item in items
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("item_key") and not (
            cleaned.get("proposed_action", "").strip() or cleaned.get("proposed_guidance", "").strip()
        ):
            self.add_error("proposed_action", "Give the new wording or guidance for the checklist item")
        return cleaned


class LessonDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("accept", "Accept it into the next checklist draft"), ("decline", "Decline the change")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to accept or decline the change"},
    )
    note = forms.CharField(
        max_length=limits.SHORT_TEXT,
        label="Note",
        help_text="Needed if you decline.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    action = forms.CharField(
        label="The item's wording, if you accept",
        max_length=200,
        required=False,
        help_text="As the lesson proposes it: change it as you need before accepting.",
    )
    guidance = forms.CharField(
        label="The item's guidance, if you accept",
        max_length=limits.SUMMARY,
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="The item's guidance with the lesson's proposal added: edit it into the guidance you want.",
    )

    def __init__(self, *args, proposes_change: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not proposes_change:
            del self.fields["action"], self.fields["guidance"]


class SetAsideActionsForm(forms.Form):
    status = forms.ChoiceField(
        label="Mark every open action",
        choices=[("not_needed", "Not needed"), ("handed_over", "Handed over")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose not needed or handed over"},
    )
    reason = forms.CharField(
        max_length=limits.SHORT_TEXT,
        label="Why, or who they were handed over to",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why, or who the actions were handed over to"},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=limits.SHORT_TEXT,
        label="Why re-open the incident?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a second incident linked to this one. The reason goes on the timeline.",
        required=False,  # that a reason is given is the service's rule (incidents.services.reopen)
    )
