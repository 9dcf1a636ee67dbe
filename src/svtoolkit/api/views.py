"""The REST API (``/api/v1/``) and the pages where people manage their API tokens.

Thin, like the web's views: records are found through the same selectors (so what someone may not see is not
found, 404), every rule is a predicate of ``svtoolkit.access``, and every change goes through the same service
as the web's form, so the timeline and audit entries are the same whichever way a change was made.
People affected are not in the API: their records are read only on the web, with a reason, and audited.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.decorators import action as route
from rest_framework.response import Response

from svtoolkit import access
from svtoolkit.accounts import selectors as accounts
from svtoolkit.alerts import services as alert_services
from svtoolkit.api import selectors as token_selectors
from svtoolkit.api import services as token_services
from svtoolkit.api.base import ApiView, ApiViewSet
from svtoolkit.api.filters import ActionFilter, ContactFilter, IncidentFilter, TimelineFilter
from svtoolkit.api.forms import TokenForm
from svtoolkit.api.serializers import (
    ActionCreateSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    AlertCreateSerializer,
    AlertSerializer,
    ContactSerializer,
    DecisionSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    MeasureCreateSerializer,
    MeasureSerializer,
    MeetingScheduleSerializer,
    MeetingSerializer,
    MessageDraftSerializer,
    MessageSerializer,
    OrganisationSerializer,
    SceneSerializer,
    StatusSerializer,
    TensionReadingSerializer,
    TimelineEntrySerializer,
)
from svtoolkit.communications import selectors as communications
from svtoolkit.communications import services as communications_services
from svtoolkit.communications.models import Message
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.incidents import selectors as incidents
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.measures import selectors as measures_selectors
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import Decision, Incident, PlanAction, Scene, SceneMeasure, TimelineEntry
from svtoolkit.meetings import selectors as meetings
from svtoolkit.meetings import services as meeting_services
from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships import selectors as directory
from svtoolkit.partnerships import services as directory_services
from svtoolkit.partnerships.models import Contact, Organisation
from svtoolkit.tension import services as tension_services
from svtoolkit.tension.models import TensionReading


def _invalid(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


# --- Incidents ---------------------------------------------------------------------------------------


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
        given = IncidentCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        recorded = incident_services.record_incident(
            partnership=request.partnership,
            by=request.user,
            title=data["title"],
            incident_types=data["incident_types"],
            occurred_at=data["occurred_at"],
            notified_at=data["notified_at"],
            notification_source=data["notification_source"],
            notified_by=data["notified_by"],
            summary=data["summary"],
            scenes=[{"description": data["scene_description"].strip(), "area": data["scene_area"].strip()}],
            is_exercise=data["is_exercise"],
            request=request._request,
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
        given = IncidentUpdateSerializer(
            data=request.data, partial=True, context={**self.get_serializer_context(), "incident": shown}
        )
        given.is_valid(raise_exception=True)
        data = given.validated_data
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

    @extend_schema(request=StatusSerializer, responses={200: IncidentSerializer})
    @route(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, incident_id):
        shown = incidents.incident_for_request(request._request, incident_id)
        given = StatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        incident_services.change_status(
            incident=shown, by=request.user, status=given.validated_data["status"], request=request._request
        )
        return Response(self._shown(shown.pk))


class AlertViewSet(ApiViewSet):
    """Raising an incident alert: what a police system pushes. The same service as the web's form, so the
    duty officer and the alert list are alerted at once, by text message and email."""

    serializer_class = AlertSerializer
    rules = {"create": access.can_raise_alert}

    def get_queryset(self):
        return Incident.objects.none()

    @extend_schema(request=AlertCreateSerializer, responses={201: AlertSerializer})
    def create(self, request):
        given = AlertCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        data["occurred_at"] = data.get("occurred_at") or timezone.now()
        alert = alert_services.raise_alert(
            partnership=request.partnership, by=request.user, request=request._request, **data
        )
        incident = incidents.incidents_for(request.user, request.partnership).get(pk=alert.incident_id)
        recipients = alert.recipients.select_related("user").order_by("notified_at", "id")
        body = AlertSerializer(
            {"incident": incident, "alerted": recipients}, context=self.get_serializer_context()
        )
        return Response(body.data, status=status.HTTP_201_CREATED)


class IncidentPartViewSet(ApiViewSet):
    """Something of one incident: the incident is found through the access rules first (404 if not seen)."""

    @cached_property
    def incident(self):
        # Found as the web pages find it: not found unless visible, and a closed incident refuses changes.
        return incidents.incident_for_request(self.request._request, self.kwargs["incident_id"])

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "incident": self.incident if self.kwargs else None,
            # The map's rule for a scene's or measure's location: exact only for the response team.
            "exact": self.kwargs and access.sees_exact_scenes(self.request.user, self.request.partnership),
            "now": timezone.now(),
        }

    def _created(self, instance):
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)


class SceneViewSet(IncidentPartViewSet):
    queryset = Scene.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = SceneSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return self.incident.scenes.order_by("id")

    def create(self, request, incident_id):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        scene = incident_services.add_scene(
            incident=self.incident,
            by=request.user,
            description=data["description"],
            area=data["area"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            request=request._request,
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

    def get_queryset(self):
        return measures_selectors.measures_of(self.incident)

    def _may_record(self):
        if not access.can_record_scene_measures(self.request.user, self.request.partnership, self.incident):
            self.deny("can_record_scene_measures")

    @extend_schema(request=MeasureCreateSerializer, responses={201: MeasureSerializer})
    def create(self, request, incident_id):
        self._may_record()
        given = MeasureCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        measure = measures_services.add_measure(by=request.user, request=request._request, **data)
        return self._created(measures_selectors.measure_in(self.incident, measure.pk))

    @extend_schema(request=None, responses={200: MeasureSerializer})
    @route(detail=True, methods=["post"])
    def lift(self, request, incident_id, measure_id):
        """End the measure now, before its time (the cordon comes down, the authorisation is withdrawn)."""
        self._may_record()
        measure = measures_selectors.measure_in(self.incident, measure_id)
        measures_services.lift_measure(measure=measure, by=request.user, request=request._request)
        return Response(self.get_serializer(measures_selectors.measure_in(self.incident, measure_id)).data)


class ActionViewSet(IncidentPartViewSet):
    """The response plan's actions. Responders change any; a partner changes those their organisation owns."""

    queryset = PlanAction.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    rules = {"create": access.can_manage_incident, "partial_update": access.can_work_incident}

    def get_queryset(self):
        return incidents.actions_of(self.incident)

    def retrieve(self, request, incident_id, action_id):
        return Response(self.get_serializer(incidents.action_in(self.incident, action_id)).data)

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def create(self, request, incident_id):
        given = ActionCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        added = incident_services.add_action(
            incident=self.incident,
            by=request.user,
            title=data["title"],
            guidance=data["guidance"],
            owner_organisation=data["owner_organisation"],
            owner=data["owner"],
            due_at=data["due_at"],
            request=request._request,
        )
        return self._created(incidents.action_in(self.incident, added.pk))

    @extend_schema(
        request=ActionUpdateSerializer,
        responses={200: ActionSerializer},
        description="Change the status or owner and add a note for the timeline. Give the `revision` you "
        "read; if someone changed the action since, the answer is 409 with the `current_revision`.",
    )
    def partial_update(self, request, incident_id, action_id):
        planned = access.get_for(
            request._request, incidents.actions_in(self.incident), action_id, rule=access.can_update_action
        )
        given = ActionUpdateSerializer(
            data=request.data,
            context={
                **self.get_serializer_context(),
                "action": planned,
                "can_reassign": access.can_reassign_action(request.user, request.partnership),
            },
        )
        given.is_valid(raise_exception=True)
        data = given.validated_data
        incident_services.update_action(
            action=planned,
            by=request.user,
            expected_revision=data["revision"],
            status=data.get("status", planned.status),
            owner_organisation=data.get("owner_organisation", planned.owner_organisation),
            owner=data.get("owner", planned.owner),
            not_needed_reason=data.get("not_needed_reason", planned.not_needed_reason),
            note=data.get("note", ""),
            request=request._request,
        )
        return Response(self.get_serializer(incidents.action_in(self.incident, planned.pk)).data)


class AllActionsViewSet(ApiViewSet):
    """The actions of every incident the person may see: a partner's own work across incidents, say."""

    queryset = PlanAction.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return incidents.actions_visible_to(self.request.user, self.request.partnership)


class TimelineViewSet(IncidentPartViewSet):
    """The incident's timeline, newest first. Adding to it adds an update, as on the web."""

    queryset = TimelineEntry.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = TimelineEntrySerializer
    filterset_class = TimelineFilter
    rules = {"create": access.can_work_incident}

    def get_queryset(self):
        return incidents.timeline(self.incident)

    def create(self, request, incident_id):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = incident_services.add_update(
            incident=self.incident,
            by=request.user,
            text=given.validated_data["text"],
            request=request._request,
        )
        return self._created(entry)


class DecisionViewSet(IncidentPartViewSet):
    """The decision log. Decisions are never changed: a new decision may supersede a current one."""

    queryset = Decision.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = DecisionSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return incidents.decisions(self.incident)

    def retrieve(self, request, incident_id, decision_id):
        return Response(self.get_serializer(incidents.decision_in(self.incident, decision_id)).data)

    def create(self, request, incident_id):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        superseded = None
        if data.get("supersedes_id"):
            try:
                superseded = incidents.decision_in(self.incident, data["supersedes_id"])
            except Http404:
                raise _invalid("supersedes", "This incident has no decision with that id.") from None
        decision = incident_services.record_decision(
            incident=self.incident,
            by=request.user,
            what=data["what"],
            why=data["why"],
            supersedes=superseded,
            request=request._request,
        )
        return self._created(incidents.decision_in(self.incident, decision.pk))


class MeetingViewSet(IncidentPartViewSet):
    queryset = Meeting.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = MeetingSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return meetings.meetings_of(self.incident).prefetch_related("invited_organisations")

    def retrieve(self, request, incident_id, meeting_id):
        return Response(self.get_serializer(meetings.meeting_in(self.incident, meeting_id)).data)

    @extend_schema(request=MeetingScheduleSerializer, responses={201: MeetingSerializer})
    def create(self, request, incident_id):
        """Schedule one meeting; the invitations (with an .ics file) are sent as from the web page."""
        given = MeetingScheduleSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        scheduled = meeting_services.schedule_meetings(
            incident=self.incident, by=request.user, request=request._request, **given.validated_data
        )
        return self._created(scheduled[0])


class MessageViewSet(IncidentPartViewSet):
    queryset = Message.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = MessageSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return (
            communications.messages_of(self.incident).select_related("incident").prefetch_related("sign_offs")
        )

    def retrieve(self, request, incident_id, message_id):
        return Response(self.get_serializer(communications.message_in(self.incident, message_id)).data)

    @extend_schema(request=MessageDraftSerializer, responses={201: MessageSerializer})
    def create(self, request, incident_id):
        """Draft a message; it goes for sign-off from the web page."""
        given = MessageDraftSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        drafted = communications_services.draft_message(
            incident=self.incident, by=request.user, request=request._request, **given.validated_data
        )
        return self._created(drafted)


class TensionReadingViewSet(IncidentPartViewSet):
    queryset = TensionReading.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = TensionReadingSerializer
    rules = {"create": access.can_work_incident}

    def get_queryset(self):
        return self.incident.tension_readings.select_related("recorded_by").order_by("observed_at", "id")

    def create(self, request, incident_id):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        reading, _ = tension_services.record_reading(
            incident=self.incident, by=request.user, request=request._request, **given.validated_data
        )
        return self._created(reading)


# --- The partner directory ---------------------------------------------------------------------------


class DirectoryViewSet(ApiViewSet):
    """Directory entries are read by every member and kept by coordinators. Updates carry the ``revision``
    read: if someone saved the entry since, the answer is 409 and nothing changes."""

    write_rule = staticmethod(access.can_edit_directory)

    def retrieve(self, request, entry_id):
        return Response(self.get_serializer(self.entry(entry_id)).data)

    def create(self, request):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        saved = self.save_new(given)
        return Response(self.get_serializer(self.entry(saved.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, entry_id):
        found = self.entry(entry_id)
        given = self.get_serializer(found, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        saved = self.save_changes(found, given)
        return Response(self.get_serializer(self.entry(saved.pk)).data)


class OrganisationViewSet(DirectoryViewSet):
    queryset = Organisation.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return directory.active_organisations(self.request.partnership).select_related("owner")

    def entry(self, entry_id):
        return directory.organisation_in(self.request.partnership, entry_id)

    def save_new(self, given):
        return directory_services.create_organisation(
            partnership=self.request.partnership,
            details=given.details(),
            by=self.request.user,
            request=self.request._request,
        )

    def save_changes(self, found, given):
        return directory_services.update_organisation(
            organisation=found,
            expected_revision=given.validated_data["revision"],
            details=given.details(),
            by=self.request.user,
            request=self.request._request,
        )


class ContactViewSet(DirectoryViewSet):
    queryset = Contact.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    def get_queryset(self):
        return directory.contacts_of(self.request.partnership)

    def entry(self, entry_id):
        return directory.contact_in(self.request.partnership, entry_id)

    def save_new(self, given):
        return directory_services.create_contact(
            organisation=given.validated_data["organisation"],
            details=given.details(),
            by=self.request.user,
            request=self.request._request,
        )

    def save_changes(self, found, given):
        return directory_services.update_contact(
            contact=found,
            expected_revision=given.validated_data["revision"],
            details=given.details(),
            by=self.request.user,
            request=self.request._request,
        )


# --- The schema and its documentation ----------------------------------------------------------------


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema of the API, for members of a partnership."""


@access.signed_in
def docs(request):
    """The API's documentation (Swagger UI), served from svtoolkit's own static files."""
    return render(request, "api/docs.html")


# --- Tokens (pages of the account area) --------------------------------------------------------------


@access.signed_in
def tokens(request):
    """The person's own tokens; creating one shows its secret on this one answer only."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            token, secret = token_services.create_token(
                user=request.user,
                partnership=request.partnership,
                name=form.cleaned_data["name"],
                valid_days=form.cleaned_data["valid_days"],
                request=request,
            )
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": token_selectors.tokens_of(request.user),
            "two_factor_required": accounts.two_factor_required_for(request.user),
            "tokens_refused_for_two_factor": accounts.lacks_required_second_factor(request.user),
        },
    )


@access.signed_in
@require_POST
def token_revoke(request, token_id):
    token = token_selectors.token_of(request.user, token_id)
    token_services.revoke_token(token=token, by=request.user, request=request)
    messages.success(request, f"The token “{token.name}” was revoked. It no longer works.")
    return redirect("api:tokens")
