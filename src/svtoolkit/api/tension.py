"""The API's community tension readings of an incident."""

from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.fields import AskedAsOnTheWeb, ListOfChoicesField, When, text, text_as_in
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.core import limits
from svtoolkit.tension import services as tension_services
from svtoolkit.tension.forms import ReadingForm
from svtoolkit.tension.models import AreaKind, Confidence, TensionReading
from svtoolkit.tension.scale import scale


class TensionReadingSerializer(AskedAsOnTheWeb, serializers.ModelSerializer):
    web_form = ReadingForm
    area = text_as_in(ReadingForm, "area")
    area_kind = serializers.ChoiceField(choices=AreaKind.choices)
    level = serializers.ChoiceField(choices=[])
    indicators = ListOfChoicesField(choices=[], required=False, default=list)
    source = text_as_in(ReadingForm, "source")
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    notes = text(limits.SUMMARY, required=False)
    observed_at = When()
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", read_only=True, default=None)

    class Meta:
        model = TensionReading
        fields = [
            "id",
            "area",
            "area_kind",
            "level",
            "indicators",
            "source",
            "confidence",
            "notes",
            "observed_at",
            "recorded_by",
            "recorded_by_name",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_by_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = sorted(scale()["levels"])
        self.fields["indicators"].choices = list(scale()["indicators"])

    def validate_indicators(self, indicators):
        return sorted(indicators)


class TensionReadingViewSet(IncidentPartViewSet):
    queryset = TensionReading.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = TensionReadingSerializer
    rules = {"create": access.can_work_incident}

    def get_queryset(self):
        return self.incident.tension_readings.select_related("recorded_by").order_by("observed_at", "id")

    def create(self, request, incident_id):
        data = self.validated()
        recorded = self._service_call(tension_services.record_reading, **data)
        return self._created(recorded.reading)
