from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import (
    AddressForm,
    RevisionChecked,
    choice_field,
    model_choice_field,
    text_field,
    tick_boxes,
)
from svtoolkit.incidents.people.forms import ShareBasisForm
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.regions import figures, services

_LENGTHS = list(figures.PERIODS.values())
NOT_A_PERIOD = f"Choose a period from the list: the last {', '.join(_LENGTHS[:-1])} or {_LENGTHS[-1]}"


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


class FiguresPeriodForm(AddressForm):
    """Which months the region's figures cover. A GET form: a period not offered is explained, never counted
    as the default in silence (nor handed out, nor written to the boroughs' logs as if it had been asked)."""

    period = choice_field(
        "Period",
        [(str(months), f"The last {length}") for months, length in figures.PERIODS.items()],
        error_messages={"invalid_choice": NOT_A_PERIOD},
    )

    defaults = {"period": str(figures.DEFAULT_PERIOD)}

    def months(self) -> int:
        """The months chosen; only for a valid form."""
        return int(self.cleaned_data["period"])


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


class AcceptProposalForm(ShareBasisForm):
    """Accepting the region's proposal shares the incident with another partnership: why, on what basis."""


class DeclineProposalForm(forms.Form):
    reason = text_field(
        "Why you decline",
        rows=2,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="The region reads this, whatever your partnership shares with it. Keep names out.",
    )
    # The incident page's form says so too: shown again on a page of its own, the form still declines.
    decision = forms.CharField(widget=forms.HiddenInput, initial="decline", max_length=len("decline"))
