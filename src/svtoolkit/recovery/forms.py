from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import DateField
from svtoolkit.core.forms import ENTER_A_TITLE
from svtoolkit.recovery.models import MilestoneKind


def date_field(label, *, required=True, help_text=""):
    return DateField(
        label=label,
        required=required,
        what=f"The {label.lower()}",
        **({"help_text": help_text} if help_text else {}),
        error_messages={"required": f"Enter the {label.lower()}"},
    )


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", choices=MilestoneKind.choices, error_messages={"required": "Choose the kind"}
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example: Trial begins at the Old Bailey.",
        error_messages={"required": ENTER_A_TITLE},
    )
    date = date_field("Date")
    notes = forms.CharField(
        max_length=limits.SUMMARY, label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
