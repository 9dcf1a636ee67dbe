from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import RevisionChecked, model_choice_field, text_field, tick_boxes
from svtoolkit.incidents.people.forms import DisclosureBasisForm
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.regions import services


class RegionalSharingForm(RevisionChecked, forms.Form):
    categories = tick_boxes(
        "What the region sees of every incident",
        RegionalCategory.choices,
        required=False,
        help_text="The region always sees that an incident exists, its reference and borough. It never sees "
        "people affected (its yearly needs-assessment extract counts the incidents you share with it by the "
        "age bands of those affected). It sees the title, summary and scenes only of incidents you share "
        "with it.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProposeShareForm(forms.Form):
    partnership = model_choice_field(
        "Share it with",
        missing="Choose the partnership to share the incident with",
        empty_label="Choose a partnership",
    )
    reason = text_field(
        "Why it touches that borough",
        rows=3,
        missing=services.NO_SHARE_REASON,
        max_length=limits.SHORT_TEXT,
        help_text="For example: the victim lives there, or a school there is affected. Keep names out.",
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class AcceptProposalForm(DisclosureBasisForm):
    """Accepting the region's proposal shares the incident with another partnership: why, on what basis."""


class DeclineProposalForm(forms.Form):
    reason = text_field("Why you decline", rows=2, max_length=limits.SHORT_TEXT, required=False)
    # The incident page's form says so too: shown again on a page of its own, the form still declines.
    decision = forms.CharField(widget=forms.HiddenInput, initial="decline", max_length=len("decline"))
