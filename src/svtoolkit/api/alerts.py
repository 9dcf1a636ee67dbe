"""The API's incident alerts: raised by a reporting organisation, answered with who was told."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from svtoolkit import access
from svtoolkit.alerts import services as alert_services
from svtoolkit.alerts.forms import RaiseAlertForm
from svtoolkit.api import services as api_services
from svtoolkit.api.base import ApiViewSet
from svtoolkit.api.fields import (
    AskedAsOnTheWeb,
    OptionalIncidentTypesField,
    TypesMixin,
    When,
    coordinate,
    text,
    text_as_in,
)
from svtoolkit.api.incidents import IncidentSerializer
from svtoolkit.api.services import IDEMPOTENCY_KEY
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import selectors as incidents
from svtoolkit.incidents.models import (
    Incident,
)


class AlertCreateSerializer(AskedAsOnTheWeb, TypesMixin, serializers.Serializer):
    """An incident alert, as a police system or a phone would push it: the same fields as the web's form."""

    web_form = RaiseAlertForm

    what = text_as_in(RaiseAlertForm, "what")
    where = text_as_in(RaiseAlertForm, "where")
    occurred_at = When(required=False, help_text="When it happened; now if left out.")
    how_they_know = text_as_in(RaiseAlertForm, "how_they_know")
    callback_number = serializers.CharField(
        max_length=40,
        help_text="A phone number, like 07700 900123: the service checks it as the web's form does.",
    )
    details = text(2000, required=False)
    incident_types = OptionalIncidentTypesField(required=False, default=list)
    latitude = coordinate(90)
    longitude = coordinate(180)
    is_exercise = serializers.BooleanField(default=False)


class AlertRecipientSerializer(serializers.Serializer):
    name = serializers.CharField(source="user.full_name", read_only=True)
    reason = serializers.CharField(read_only=True)
    notified_at = serializers.DateTimeField(read_only=True)


class AlertSerializer(serializers.Serializer):
    """The incident the alert started, and who was alerted at once."""

    incident = IncidentSerializer(
        allow_null=True,
        help_text="Null only for an alert sent again with its key by someone who may no longer see the "
        "incident it started (moved since to an organisation not taking part, say): it was raised.",
    )
    alerted = AlertRecipientSerializer(many=True)


class AlertViewSet(ApiViewSet):
    """Raising an incident alert: what a police system pushes. The same service as the web's form, so the
    duty officer and the alert list are alerted at once, by text message and email."""

    serializer_class = AlertSerializer
    rules = {"create": access.can_raise_alert}

    def get_queryset(self):
        return Incident.objects.none()

    @extend_schema(
        request=AlertCreateSerializer,
        responses={201: AlertSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_KEY,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Any text of up to 100 characters, new for each alert (a UUID, say). Sent again "
                "with the same alert (the first request timed out, say), it is answered with the alert the "
                "first raised, with `Idempotent-Replayed: true`, and nobody is alerted again (its `incident` "
                "null if the sender may no longer see the incident).",
            )
        ],
    )
    def create(self, request):
        data = dict(self.validated(AlertCreateSerializer))
        key = request.headers.get(IDEMPOTENCY_KEY, "")
        if not key:
            alert, raised = (
                alert_services.raise_alert(
                    partnership=request.partnership,
                    by=request.user,
                    request=request._request,
                    **{**data, "occurred_at": data.get("occurred_at") or timezone.now()},
                ),
                True,
            )
        elif len(key) > 100 or not key.isprintable():
            raise DomainError(f"An {IDEMPOTENCY_KEY} is up to 100 characters of text", field=IDEMPOTENCY_KEY)
        else:
            alert, raised = api_services.raise_alert_once(
                key=key, partnership=request.partnership, by=request.user, request=request._request, **data
            )
        # The sender may have lost sight of the incident since their first request (moved to an organisation
        # not taking part): the alert stands, answered without the incident's details.
        incident = (
            incidents.incidents_for(request.user, request.partnership).filter(pk=alert.incident_id).first()
        )
        recipients = alert.recipients.select_related("user").order_by("notified_at", "id")
        body = AlertSerializer(
            {"incident": incident, "alerted": recipients}, context=self.get_serializer_context()
        )
        return Response(
            body.data,
            status=status.HTTP_201_CREATED,
            headers={} if raised else {"Idempotent-Replayed": "true"},
        )
