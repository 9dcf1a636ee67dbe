"""The API's scenes of an incident and the police measures at them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action as route

from svtoolkit import access
from svtoolkit.api.fields import (
    AskedAsOnTheWeb,
    LocatedSerializer,
    RecordById,
    When,
    coordinate,
    text,
    text_as_in,
)
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.forms import IncidentForm
from svtoolkit.incidents.measures import selectors as measures_selectors
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.measures.forms import MeasureForm
from svtoolkit.incidents.models import (
    MeasureKind,
    PlaceKind,
    Scene,
    SceneMeasure,
)
from svtoolkit.incidents.selectors import measure_status


class SceneSerializer(LocatedSerializer):
    description = text_as_in(IncidentForm, "scene_description")
    area = text(120, required=False)
    latitude = coordinate(90)
    longitude = coordinate(180)
    place = serializers.ChoiceField(choices=PlaceKind.choices, required=False, allow_blank=True, default="")

    class Meta:
        model = Scene
        fields = ["id", "description", "area", "place", "latitude", "longitude", "exact"]


class SceneField(RecordById):
    """A scene of the incident in the path, by id."""

    default_error_messages = {
        "does_not_exist": "Choose a scene of this incident: it has none with id {pk_value}.",
        "incorrect_type": "Give the scene's id as a whole number.",
    }

    def get_queryset(self):
        return self.context["incident"].scenes.all()


class MeasureSerializer(LocatedSerializer):
    """A police measure at a scene, as read. ``state`` and ``status`` are as of the moment of the answer."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state = serializers.SerializerMethodField(help_text="starts_later, in_force, lifted or expired.")
    status = serializers.SerializerMethodField(help_text='In words, like "In force until 02:00".')
    added_by_name = serializers.CharField(source="added_by.full_name", read_only=True, default=None)

    class Meta:
        model = SceneMeasure
        fields = [
            "id",
            "scene",
            "kind",
            "kind_label",
            "description",
            "area",
            "latitude",
            "longitude",
            "exact",
            "starts_at",
            "ends_at",
            "authorised_by",
            "state",
            "status",
            "added_by_name",
            "added_at",
            "lifted_at",
        ]
        read_only_fields = fields

    def get_state(self, measure) -> str:
        return str(measure.state_at(self.context["now"]))

    def get_status(self, measure) -> str:
        return measure_status(measure, now=self.context["now"])


class MeasureCreateSerializer(AskedAsOnTheWeb, serializers.Serializer):
    """A new police measure. The legal limits (48 hours for a s.35 dispersal order, 24 hours for a s.60
    authorisation, who authorised it) are the service's rules: a breach is a 400 on the field concerned."""

    web_form = MeasureForm

    scene = SceneField()
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    description = text_as_in(MeasureForm, "description")
    area = text(120, required=False)
    latitude = coordinate(90)
    longitude = coordinate(180)
    starts_at = When()
    ends_at = When(required=False, allow_null=True, default=None)
    authorised_by = text(200, required=False)


class SceneViewSet(IncidentPartViewSet):
    queryset = Scene.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = SceneSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return self.incident.scenes.order_by("id")

    def create(self, request, incident_id):
        data = self.validated()
        scene = self._service_call(
            incident_services.add_scene,
            description=data["description"],
            area=data["area"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            place=data["place"],
        )
        return self._created(scene)


class MeasureViewSet(IncidentPartViewSet):
    """Police measures at the incident's scenes: cordons, rendezvous points, s.35 dispersal orders, s.60 stop
    and search authorisations, road closures. Everyone who sees the incident reads them (coordinates only for
    coordinators and responders); the response team and partners of a police organisation taking part add
    and lift them."""

    queryset = SceneMeasure.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = MeasureSerializer
    rules = {"create": access.can_work_incident, "lift": access.can_work_incident}
    incident_rules = {"create": access.can_record_scene_measures, "lift": access.can_record_scene_measures}

    def get_queryset(self):
        return measures_selectors.measures_of(self.incident)

    @extend_schema(request=MeasureCreateSerializer, responses={201: MeasureSerializer})
    def create(self, request, incident_id):
        incident = self.incident  # found and checked before the body is read
        data = self.validated(MeasureCreateSerializer)
        measure = measures_services.add_measure(by=request.user, request=request._request, **data)
        return self._created(measures_selectors.measure_in(incident, measure.pk))

    @extend_schema(request=None, responses={200: MeasureSerializer})
    @route(detail=True, methods=["post"])
    def lift(self, request, incident_id, measure_id):
        """End the measure now, before its time (the cordon comes down, the authorisation is withdrawn)."""
        measure = measures_selectors.measure_in(self.incident, measure_id)
        measures_services.lift_measure(measure=measure, by=request.user, request=request._request)
        return self._answer(measures_selectors.measure_in(self.incident, measure_id))
