from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import date_field
from svtoolkit.core.forms import ENTER_A_TITLE, RevisionChecked, choice_field, text_field
from svtoolkit.recovery.models import MilestoneKind


class MilestoneForm(forms.Form):
    kind = choice_field("Kind", MilestoneKind.choices, missing="Choose the kind")
    title = text_field(
        "Title",
        missing=ENTER_A_TITLE,
        max_length=200,
        help_text=(
            "For example: Trial begins at the Old Bailey. It goes into partners' calendars, so name no one "
            "affected: write Funeral, not whose."
        ),
    )
    date = date_field("Date")
    notes = text_field("Notes", rows=3, max_length=limits.SUMMARY, required=False)


class MilestoneChangeForm(RevisionChecked, MilestoneForm):
    revision = forms.IntegerField(widget=forms.HiddenInput)


class MilestoneRemoveForm(forms.Form):
    """The button that takes a date off the calendar, with the ``revision`` of the date its page asked about:
    one changed since (moved, say) is not removed unseen."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    conflict_advice = (
        "Nothing was removed. Their version is shown: check it is still the date to remove, then remove "
        "it or go back."
    )
