"""The API's incidents: list, record, read, correct and change status."""

from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action as route
from rest_framework.response import Response

from svtoolkit import access
from svtoolkit.api.base import ApiViewSet
from svtoolkit.api.fields import (
    AskedAsOnTheWeb,
    IncidentTypesField,
    TypesMixin,
    When,
    _invalid,
    coordinate,
    required_message,
    text,
    text_as_in,
)
from svtoolkit.api.filters import IncidentFilter
from svtoolkit.incidents import selectors as incidents
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.forms import IncidentForm
from svtoolkit.incidents.models import (
    Incident,
    IncidentStatus,
    NotificationSource,
    PlaceKind,
)


class IncidentSerializer(serializers.ModelSerializer):
    lead_partnership = serializers.CharField(source="partnership.name", read_only=True)
    open_actions = serializers.IntegerField(read_only=True)
    overdue_actions = serializers.IntegerField(read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "incident_types",
            "occurred_at",
            "notified_at",
            "notification_source",
            "notified_by",
            "summary",
            "status",
            "is_exercise",
            "lead_partnership",
            "open_actions",
            "overdue_actions",
            "created_at",
            "revision",
        ]
        read_only_fields = fields


class IncidentCreateSerializer(AskedAsOnTheWeb, TypesMixin, serializers.Serializer):
    web_form = IncidentForm
    title = text_as_in(IncidentForm, "title")
    incident_types = IncidentTypesField(
        error_messages={
            "empty": required_message(IncidentForm, "incident_types"),
            "required": required_message(IncidentForm, "incident_types"),
        }
    )
    occurred_at = When()
    notified_at = When()
    notification_source = serializers.ChoiceField(choices=NotificationSource.choices)
    notified_by = text_as_in(IncidentForm, "notified_by", required=False)
    summary = text_as_in(IncidentForm, "summary")
    scene_description = text_as_in(IncidentForm, "scene_description")
    scene_area = text(120, required=False)
    # The scene's kind of place and location, as the web's form takes them (a school or hospital brings its
    # items into the plan; the location goes on the map).
    scene_place = serializers.ChoiceField(
        choices=PlaceKind.choices, required=False, allow_blank=True, default=""
    )
    scene_latitude = coordinate(90)
    scene_longitude = coordinate(180)
    is_exercise = serializers.BooleanField(default=False)


class IncidentUpdateSerializer(AskedAsOnTheWeb, TypesMixin, serializers.Serializer):
    """A correction of the record. ``revision`` is the one the client read: a stale one is refused (409)."""

    web_form = IncidentForm

    title = text_as_in(IncidentForm, "title")
    incident_types = IncidentTypesField(
        error_messages={"empty": required_message(IncidentForm, "incident_types")}
    )
    occurred_at = When()
    notified_at = When()
    summary = text_as_in(IncidentForm, "summary")
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class StatusSerializer(serializers.Serializer):
    """A move along the lifecycle from ``from_status``, the status the client read: if the incident has moved
    on since, nothing changes (409)."""

    status = serializers.ChoiceField(
        choices=[
            choice
            for choice in IncidentStatus.choices
            if choice[0] not in {IncidentStatus.CLOSED, IncidentStatus.ALERTED}
        ]
    )
    from_status = serializers.ChoiceField(
        choices=IncidentStatus.choices,
        help_text="The incident's status as you read it. If someone changed it since, the answer is 409 and "
        "nothing changes.",
        error_messages={"required": "Give the status of the incident you read."},
    )


class IncidentViewSet(ApiViewSet):
    """Incidents the person may see in the token's partnership (a partner: those they take part in)."""

    queryset = Incident.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    rules = {
        "create": access.can_record_incident,
        "partial_update": access.can_manage_incident,
        "change_status": access.can_manage_incident,
    }

    def get_queryset(self):
        return incidents.incidents_for(self.request.user, self.request.partnership).order_by(
            "-occurred_at", "-id"
        )

    def _shown(self, incident_id) -> dict:
        found = self.get_queryset().filter(pk=incident_id).first()
        if found is None:
            raise Http404
        return IncidentSerializer(found, context=self.get_serializer_context()).data

    def retrieve(self, request, incident_id):
        return Response(self._shown(incident_id))

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request):
        data = self.validated(IncidentCreateSerializer)
        recorded = incident_services.record_incident(
            partnership=request.partnership,
            by=request.user,
            request=request._request,
            **incident_services.as_recorded(data),
        )
        return Response(self._shown(recorded.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer},
        description="Correct the record. Give the `revision` you read; if someone changed the incident "
        "since, the answer is 409 with the `current_revision`.",
    )
    def partial_update(self, request, incident_id):
        shown = incidents.incident_for_request(request._request, incident_id)
        data = self.validated(IncidentUpdateSerializer, partial=True, incident=shown)
        if "revision" not in data:
            raise _invalid("revision", "Give the revision of the incident you read.")
        fields = ("title", "incident_types", "occurred_at", "notified_at", "summary")
        incident_services.edit_record(
            incident=shown,
            by=request.user,
            expected_revision=data["revision"],
            request=request._request,
            **{field: data.get(field, getattr(shown, field)) for field in fields},
        )
        return Response(self._shown(shown.pk))

    @extend_schema(
        request=StatusSerializer,
        responses={200: IncidentSerializer},
        description="Move the incident along its lifecycle. Give the `from_status` you read; if someone "
        "changed the status since, the answer is 409 naming the status now, and nothing changes.",
    )
    @route(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, incident_id):
        shown = incidents.incident_for_request(request._request, incident_id)
        data = self.validated(StatusSerializer)
        incident_services.change_status(
            incident=shown,
            by=request.user,
            status=data["status"],
            status_seen=data["from_status"],
            request=request._request,
        )
        return Response(self._shown(shown.pk))


class IncidentPartViewSet(ApiViewSet):
    """Something of one incident: the incident is found through the access rules first (404 if not seen)."""

    # An action's rule on the incident itself (``{"create": access.can_record_scene_measures}``), checked as
    # the incident is found: 403, audited, before the request's body is read.
    incident_rules: dict = {}

    @cached_property
    def incident(self):
        # Found as the web pages find it: not found unless visible, and a closed incident refuses changes.
        return access.get_for(
            self.request._request,
            Incident,
            self.kwargs["incident_id"],
            rule=self.incident_rules.get(self.action),
        )

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "incident": self.incident if self.kwargs else None,
            # The map's rule for a scene's or measure's location: exact only for the response team.
            "exact": self.kwargs and access.sees_exact_scenes(self.request.user, self.request.partnership),
            "now": timezone.now(),
        }

    def _answer(self, instance, code=status.HTTP_200_OK):
        """``instance`` as the view's serializer shows it: the answer to a read or change of one record."""
        return Response(self.get_serializer(instance).data, status=code)

    def _created(self, instance):
        return self._answer(instance, status.HTTP_201_CREATED)

    def _service_call(self, service, **values):
        """``service`` run on this incident by the caller, given the request for its timeline and audit
        entries: every change through the API is made as the web page makes it."""
        return service(incident=self.incident, by=self.request.user, request=self.request._request, **values)
