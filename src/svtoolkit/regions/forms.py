from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import RevisionChecked
from svtoolkit.incidents.people.forms import DisclosureBasisForm
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.regions import services


class RegionalSharingForm(RevisionChecked, forms.Form):
    categories = forms.MultipleChoiceField(
        label="What the region sees of every incident",
        choices=RegionalCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The region always sees that an incident exists, its reference and borough. It never sees "
        "people affected. It sees the title, summary and scenes only of incidents you share with it.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProposeShareForm(forms.Form):
    partnership = forms.ModelChoiceField(
        label="Share it with",
        queryset=None,
        empty_label="Choose a partnership",
        error_messages={"required": "Choose the partnership to share the incident with"},
    )
    reason = forms.CharField(
        label="Why it touches that borough",
        max_length=limits.SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the victim lives there, or a school there is affected. Keep names out.",
        error_messages={"required": services.NO_SHARE_REASON},
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class AcceptProposalForm(DisclosureBasisForm):
    """Accepting the region's proposal shares the incident with another partnership: why, on what basis."""


class DeclineProposalForm(forms.Form):
    reason = forms.CharField(
        label="Why you decline",
        max_length=limits.SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
