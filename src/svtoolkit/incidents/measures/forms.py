"""Forms for the police measures at a scene."""

from django import forms

from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import ListedChoiceField, choice_field, text_field
from svtoolkit.incidents.forms import SceneForm
from svtoolkit.incidents.models import (
    MeasureKind,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


class SceneChoiceField(ListedChoiceField):
    def label_from_instance(self, scene):
        return f"{scene.description} ({scene.area})" if scene.area else scene.description


class MeasureForm(forms.Form):
    """A police measure at a scene; the legal limits are the service's rules, shown here all at once."""

    scene = SceneChoiceField(
        label="Which scene is it at?",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the scene", "invalid_choice": "Choose one of the scenes"},
    )
    kind = choice_field(
        "What is it?", MeasureKind.choices, radios=True, missing="Choose what kind of measure it is"
    )
    description = text_field(
        "What and exactly where",
        rows=3,
        missing="Describe the measure and exactly where it is",
        max_length=500,
        help_text="For example: inner cordon from the bus stop to the school gates; or the streets an "
        "authorisation covers.",
    )
    area = forms.CharField(label="Ward or area", max_length=120, required=False)
    latitude = SceneForm.base_fields["latitude"]
    longitude = SceneForm.base_fields["longitude"]
    starts_at = datetime_field("Starts", "Enter when it starts")
    ends_at = datetime_field(
        "Ends (optional for a cordon, rendezvous point or road closure)",
        "Enter when it ends",
        required=False,
        help_text="A dispersal order lasts at most 48 hours; a section 60 authorisation at most 24 hours.",
    )
    authorised_by = forms.CharField(
        label="Authorised by",
        max_length=200,
        required=False,
        help_text="Rank and name, for example Supt A. Khan. Needed for a section 35 or section 60 "
        "authorisation (an inspector or above).",
    )

    def __init__(self, *args, scenes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scene"].queryset = scenes

    def clean(self):
        from svtoolkit.incidents.measures.services import measure_problems

        cleaned = super().clean()
        if any(name not in cleaned for name in ("kind", "description", "starts_at")):
            return cleaned
        for field, message in measure_problems(
            kind=cleaned["kind"],
            description=cleaned["description"],
            latitude=cleaned.get("latitude"),
            longitude=cleaned.get("longitude"),
            starts_at=cleaned["starts_at"],
            ends_at=cleaned.get("ends_at"),
            authorised_by=cleaned.get("authorised_by", ""),
        ):
            # A field already explained (a time that is not a time, say) is not explained again.
            if field not in self.errors and not (field == "longitude" and "latitude" in self.errors):
                self.add_error(field, message.rstrip("."))
        return cleaned
