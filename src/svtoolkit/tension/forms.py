"""What people type when recording community tension."""

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import ServiceChecked, choice_field, text_field, tick_boxes
from svtoolkit.tension import services
from svtoolkit.tension.models import AreaKind, Confidence
from svtoolkit.tension.scale import level_choices, scale


class ReadingForm(ServiceChecked, forms.Form):
    area = text_field(
        "Area",
        missing="Enter the area",
        max_length=120,
        help_text="The ward, estate, school or transport hub.",
    )
    area_kind = choice_field("Kind of area", AreaKind.choices, missing="Choose the kind of area")
    level = forms.TypedChoiceField(
        label="Level of tension",
        coerce=int,
        choices=level_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of tension"},
    )
    indicators = tick_boxes("What shows it", required=False)
    source = text_field("Source", missing="Enter the source", max_length=200)
    confidence = choice_field(
        "Confidence in the reading", Confidence.choices, radios=True, missing="Choose how confident you are"
    )
    notes = text_field("Notes", rows=3, max_length=limits.SUMMARY, required=False)
    observed_at = datetime_field("Observed at", "Enter when it was observed")
    service_check = services.check_observed_at
    service_checks = ("observed_at",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = list(scale()["indicators"].items())
