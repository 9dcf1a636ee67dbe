"""The API's plan actions: an incident's, and everyone's the caller may see."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.base import ApiViewSet
from svtoolkit.api.fields import AskedAsOnTheWeb, MemberField, OrganisationField, When, text, text_as_in
from svtoolkit.api.filters import ActionFilter
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.core import limits
from svtoolkit.core.locking import refuse_if_changed
from svtoolkit.incidents import selectors as incidents
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.forms import ACTION_OWNERS, NewActionForm
from svtoolkit.incidents.models import (
    ActionStatus,
    PlanAction,
)


class ActionSerializer(serializers.ModelSerializer):
    owner_organisation_name = serializers.CharField(
        source="owner_organisation.name", read_only=True, default=None
    )
    owner_name = serializers.CharField(source="owner.full_name", read_only=True, default=None)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "incident",
            "area_title",
            "title",
            "guidance",
            "essential",
            "owner_organisation",
            "owner_organisation_name",
            "owner",
            "owner_name",
            "due_at",
            "status",
            "not_needed_reason",
            "completed_at",
            "revision",
        ]
        read_only_fields = fields


class ActionCreateSerializer(AskedAsOnTheWeb, serializers.Serializer):
    web_form = NewActionForm
    title = text_as_in(NewActionForm, "title")
    guidance = text(limits.SUMMARY, required=False)
    owner_organisation = OrganisationField(required=False, allow_null=True, default=None)
    owner = MemberField(required=False, allow_null=True, default=None)
    due_at = When()


class ActionUpdateSerializer(serializers.Serializer):
    """A change of status or owner, with a note; ``revision`` is the one the client read (409 if stale).
    The owner and organisation stored may be sent back even once they have left (context ``stored``); only
    those who may reassign (context ``can_reassign``) change them."""

    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    owner_organisation = OrganisationField(required=False, allow_null=True)
    owner = MemberField(required=False, allow_null=True)
    not_needed_reason = text(limits.SHORT_TEXT, required=False)
    note = text(limits.SUMMARY, required=False)
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def to_internal_value(self, data):
        # A change since the client read the action is answered first (409): the owner it sends back, as read,
        # may since have been replaced and have left, and is judged only against the action it was read from.
        # A body that is not an object is left to DRF's own answer (400).
        if isinstance(data, Mapping):
            try:
                sent = self.fields["revision"].run_validation(data.get("revision", serializers.empty))
            except serializers.ValidationError:
                pass  # reported with the other fields' errors
            else:
                refuse_if_changed(
                    self.context["stored"],
                    expected_revision=sent,
                    conflict_message=incident_services.ACTION_CHANGED,
                )
        return super().to_internal_value(data)

    def validate(self, data):
        if self.context["can_reassign"]:
            return data
        # The owner is not theirs to change: the web form shows it but takes no other.
        action = self.context["stored"]
        for field in ACTION_OWNERS:
            if field in data and data[field] != getattr(action, field):
                raise serializers.ValidationError(
                    {field: ["Only the response team can give an action to someone else."]}
                )
        return {name: value for name, value in data.items() if name not in ACTION_OWNERS}


class ActionViewSet(IncidentPartViewSet):
    """The response plan's actions. Responders change any; a partner changes those their organisation owns."""

    queryset = PlanAction.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    rules = {"create": access.can_manage_incident, "partial_update": access.can_work_incident}

    def get_queryset(self):
        return incidents.actions_of(self.incident)

    def retrieve(self, request, incident_id, action_id):
        return self._answer(incidents.action_in(self.incident, action_id))

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def create(self, request, incident_id):
        added = self._service_call(incident_services.add_action, **self.validated(ActionCreateSerializer))
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
        data = self.validated(
            ActionUpdateSerializer,
            stored=planned,
            can_reassign=access.can_reassign_action(request.user, request.partnership),
        )
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
        return self._answer(incidents.action_in(self.incident, planned.pk))


class AllActionsViewSet(ApiViewSet):
    """The actions of every incident the person may see: a partner's own work across incidents, say."""

    queryset = PlanAction.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return incidents.actions_visible_to(self.request.user, self.request.partnership)
