from django import forms
from django.utils import timezone

from svtoolkit.core.charts import first_of_last_months
from svtoolkit.core.forms import text_field
from svtoolkit.incidents.people.forms import DisclosureBasisForm
from svtoolkit.reports.boundaries import MAX_BYTES as MAX_UPLOAD_BYTES
from svtoolkit.reports.selectors import Filters

PERIODS = [
    ("3", "The last 3 months"),
    ("6", "The last 6 months"),
    ("12", "The last 12 months"),
    ("18", "The last 18 months"),
    ("24", "The last 2 years"),
    ("all", "All time"),
]
DEFAULT_PERIOD = "12"


class ReportFilterForm(forms.Form):
    """Which incidents the dashboard and the map cover. A GET form: a bad value is explained, never a 500."""

    period = forms.ChoiceField(
        label="Period",
        choices=PERIODS,
        required=False,
        error_messages={"invalid_choice": "Choose a period from the list"},
    )
    incident_type = forms.ChoiceField(
        label="Type of incident",
        required=False,
        error_messages={"invalid_choice": "Choose a type of incident from the list"},
    )

    def __init__(self, data, *, types: dict[str, str]):
        super().__init__(data or None, initial={"period": DEFAULT_PERIOD})
        self.fields["incident_type"].choices = [("", "All types"), *types.items()]

    def filters(self, *, now=None) -> Filters:
        """The filters chosen, or the defaults for any that are missing or not valid."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        period = cleaned.get("period") or DEFAULT_PERIOD
        since = None
        if period != "all":
            today = timezone.localtime(now or timezone.now())
            first = first_of_last_months(int(period), today.date())
            since = today.replace(
                year=first.year, month=first.month, day=1, hour=0, minute=0, second=0, microsecond=0
            )
        return Filters(since=since, incident_type=cleaned.get("incident_type", ""))

    def errors_for_summary(self) -> list[tuple[str, str]]:
        return [(self[name].auto_id, error) for name, errors in self.errors.items() for error in errors]


class SitrepPeopleForm(DisclosureBasisForm):
    """Asking for the records of people affected in a situation report: deliberate, with a reason, to named
    recipients and under a lawful basis, since the report takes them out of the need-to-know circle."""

    include_people = forms.BooleanField(
        label="Include the records of people affected",
        error_messages={"required": "Tick the box to include the records of people affected"},
    )
    reason = text_field(
        "Why does this report need them?",
        missing="Give a reason for including the records",
        max_length=300,
        help_text="Your reason is written to the audit log with your name, once for each record, and to the "
        "disclosure log.",
    )
    recipient = text_field(
        "Who will receive the report?",
        missing="Say who will receive the report",
        max_length=200,
        help_text="For example: the gold group, or the names of the partners at the meeting.",
    )
    purpose = None
    field_order = [
        "include_people",
        "reason",
        "recipient",
        "article6_basis",
        "article9_condition",
        "gateway",
        "agreement",
    ]

    # The reason doubles as the disclosure's purpose: one question, not two.
    purpose_field = "reason"


class BoundaryForm(forms.Form):
    """An uploaded GeoJSON file of the partnership's wards, checked whole before it is kept, replacing the
    outlines the page showed (``revision``: none when it showed none)."""

    conflict_advice = (
        "Your file was not kept: the wards the map uses now are listed on this page. "
        "Choose your file again to replace them."
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    file = forms.FileField(
        label="Upload a GeoJSON file",
        help_text="A FeatureCollection of Polygon or MultiPolygon wards in longitude and latitude "
        "(WGS 84), each with a 'name' property, smaller than 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
        error_messages={"required": "Choose a GeoJSON file to upload", "empty": "The file is empty"},
    )

    def clean_file(self):
        from svtoolkit.reports.boundaries import BoundaryError, read_upload

        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file must be smaller than 2 MB. Simplify the outlines and upload it again"
            )
        try:
            self.boundary = read_upload(upload.read())
        except BoundaryError as error:
            raise forms.ValidationError(str(error)) from error
        return upload
