"""Forms for the review, follow-ups, lessons, closing and re-opening."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import date_field
from svtoolkit.core.forms import (
    PartnershipChoices,
    RevisionChecked,
    ShownRecords,
    choice_field,
    model_choice_field,
    record_id_in,
    text_field,
)
from svtoolkit.partnerships.selectors import active_organisations


class ContributionForm(RevisionChecked, forms.Form):
    organisation = model_choice_field("Organisation", missing="Choose the organisation")
    went_well = text_field(
        "What went well", rows=4, missing="Say what went well", max_length=limits.LONG_TEXT
    )
    went_badly = text_field(
        "What did not go well", rows=4, missing="Say what did not go well", max_length=limits.LONG_TEXT
    )
    to_change = text_field(
        "What to change next time",
        rows=4,
        missing="Say what to change next time",
        max_length=limits.LONG_TEXT,
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:  # a partner writes for their own organisation only: nothing to choose
            self.fields["organisation"].empty_label = None


class CompleteReviewForm(forms.Form):
    held_on = date_field("Date the review was held")
    summary = text_field(
        "What the review concluded",
        rows=5,
        max_length=limits.LONG_TEXT,
        required=False,  # that there is a summary is the service's rule (services.complete_review)
    )


class FollowUpForm(PartnershipChoices, forms.Form):
    title = text_field("Follow-up action", missing="Enter the follow-up action", max_length=200)
    owner_organisation = model_choice_field(
        "Organisation responsible", missing="Choose the organisation responsible"
    )
    due_on = date_field("Due date")
    partnership_choices = {"owner_organisation": active_organisations}


class LessonForm(forms.Form):
    title = text_field("The lesson", missing="Enter the lesson in a sentence", max_length=200)
    detail = text_field(
        "What happened, and why it matters",
        rows=4,
        missing="Say what happened and why it matters",
        max_length=limits.SUMMARY,
    )
    item_key = forms.ChoiceField(label="Checklist item it would change", required=False)
    proposed_action = forms.CharField(label="New wording of the item", max_length=200, required=False)
    proposed_guidance = text_field(
        "New guidance for the item", rows=3, max_length=limits.SUMMARY, required=False
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
    decision = choice_field(
        "Your decision",
        [("accept", "Accept it into the next checklist draft"), ("decline", "Decline the change")],
        radios=True,
        missing="Choose to accept or decline the change",
    )
    note = text_field(
        "Note", rows=2, max_length=limits.SHORT_TEXT, help_text="Needed if you decline.", required=False
    )
    action = forms.CharField(
        label="The item's wording, if you accept",
        max_length=200,
        required=False,
        help_text="As the lesson proposes it: change it as you need before accepting.",
    )
    guidance = text_field(
        "The item's guidance, if you accept",
        rows=8,
        max_length=limits.SUMMARY,
        required=False,
        help_text="The item's guidance with the lesson's proposal added: edit it into the guidance you want.",
    )

    # The item as the page showed it (``selectors.item_as_shown``), named so an edit conflict moves it on.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, proposes_change: bool, accepting_refused: str = "", **kwargs):
        """``accepting_refused``: why the lesson cannot be accepted now, if it cannot; only declining is
        offered then, and a decision to accept sent from an earlier page is told why."""
        super().__init__(*args, **kwargs)
        if accepting_refused:
            decision = self.fields["decision"]
            decision.choices = [("decline", "Decline the change")]
            decision.error_messages["invalid_choice"] = accepting_refused
        if not proposes_change or accepting_refused:
            del self.fields["action"], self.fields["guidance"], self.fields["revision"]

    def clean(self):
        cleaned = super().clean()
        # Accepting edits the draft's item: without the item the page showed, a colleague's edit made since
        # could be overwritten unseen.
        if (
            cleaned.get("decision") == "accept"
            and "revision" in self.fields
            and cleaned.get("revision") is None
        ):
            self.add_error(
                "decision", "Open the lesson again to see the checklist item as it is now, then accept it"
            )
        return cleaned


class SetAsideActionsForm(ShownRecords, forms.Form):
    """Every open action set aside at once, as the close page lists them: the page carries each one's revision
    (``shown``), so that the service refuses when one was added or changed since."""

    status = choice_field(
        "Mark every open action",
        [("not_needed", "Not needed"), ("handed_over", "Handed over")],
        radios=True,
        missing="Choose not needed or handed over",
    )
    reason = text_field(
        "Why, or who they were handed over to",
        rows=2,
        missing="Say why, or who the actions were handed over to",
        max_length=limits.SHORT_TEXT,
    )

    def __init__(self, *args, open_actions, **kwargs):
        self.open_actions = open_actions
        super().__init__(*args, **kwargs)

    def stored_now(self) -> dict:
        """Each open action listed, by id, with its revision."""
        return dict(self.open_actions.values_list("pk", "revision"))

    def clean(self):
        cleaned = super().clean()
        cleaned["expected_revisions"] = {
            record_id_in(pk): revision for pk, revision in self.shown.items() if record_id_in(pk) is not None
        }
        return cleaned


class ReopenForm(forms.Form):
    reason = text_field(
        "Why re-open the incident?",
        rows=3,
        max_length=limits.SHORT_TEXT,
        help_text="For example: a second incident linked to this one. The reason goes on the timeline.",
        required=False,  # that a reason is given is the service's rule (incidents.services.reopen)
    )
