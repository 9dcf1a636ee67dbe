"""What people type when recording community tension."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.forms import shown_by_service
from svtoolkit.incidents.forms import datetime_field
from svtoolkit.tension import services
from svtoolkit.tension.models import AreaKind, Confidence
from svtoolkit.tension.scale import level_choices, scale


class ReadingForm(forms.Form):
    area = forms.CharField(
        label="Area",
        max_length=120,
        help_text="The ward, estate, school or transport hub.",
        error_messages={"required": "Enter the area"},
    )
    area_kind = forms.ChoiceField(
        label="Kind of area", choices=AreaKind.choices, error_messages={"required": "Choose the kind of area"}
    )
    level = forms.TypedChoiceField(
        label="Level of tension",
        coerce=int,
        choices=level_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of tension"},
    )
    indicators = forms.MultipleChoiceField(
        label="What shows it", widget=forms.CheckboxSelectMultiple, required=False
    )
    source = forms.CharField(label="Source", max_length=200, error_messages={"required": "Enter the source"})
    confidence = forms.ChoiceField(
        label="Confidence in the reading",
        choices=Confidence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how confident you are"},
    )
    notes = forms.CharField(
        max_length=limits.SUMMARY, label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    observed_at = datetime_field("Observed at", "Enter when it was observed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = list(scale()["indicators"].items())

    def clean(self):
        cleaned = super().clean()
        shown_by_service(self, services.check_observed_at, observed_at=cleaned.get("observed_at"))
        return cleaned
