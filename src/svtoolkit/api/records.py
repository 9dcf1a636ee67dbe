"""The API's timeline and decision log of an incident."""

from django.http import Http404
from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.fields import AskedAsOnTheWeb, _invalid, text_as_in
from svtoolkit.api.filters import TimelineFilter
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.incidents import selectors as incidents
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.forms import DecisionForm, UpdateForm
from svtoolkit.incidents.models import (
    Decision,
    TimelineEntry,
)


class TimelineEntrySerializer(AskedAsOnTheWeb, serializers.ModelSerializer):
    web_form = UpdateForm
    by_name = serializers.CharField(source="by.full_name", read_only=True, default=None)
    text = text_as_in(UpdateForm, "text")

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "by", "by_name", "kind", "text", "action"]
        read_only_fields = ["id", "at", "by", "by_name", "kind", "action"]


class DecisionSerializer(AskedAsOnTheWeb, serializers.ModelSerializer):
    web_form = DecisionForm
    what = text_as_in(DecisionForm, "what")
    why = text_as_in(DecisionForm, "why")
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)
    who_decided = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Who made the decision; by default the person logging it (decided_by).",
    )
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        source="supersedes_id",
        help_text="The id of a current decision of this incident that this one replaces.",
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "what",
            "why",
            "who_decided",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "supersedes",
            "superseded_by",
        ]
        read_only_fields = ["id", "decided_by", "decided_by_name", "decided_at", "superseded_by"]


class TimelineViewSet(IncidentPartViewSet):
    """The incident's timeline, newest first. Adding to it adds an update, as on the web."""

    queryset = TimelineEntry.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = TimelineEntrySerializer
    filterset_class = TimelineFilter
    rules = {"create": access.can_work_incident}

    def get_queryset(self):
        return incidents.timeline(self.incident)

    def create(self, request, incident_id):
        data = self.validated()
        entry = self._service_call(incident_services.add_update, text=data["text"])
        return self._created(entry)


class DecisionViewSet(IncidentPartViewSet):
    """The decision log. Decisions are never changed: a new decision may supersede a current one."""

    queryset = Decision.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = DecisionSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return incidents.decisions(self.incident)

    def retrieve(self, request, incident_id, decision_id):
        return self._answer(incidents.decision_in(self.incident, decision_id))

    def create(self, request, incident_id):
        data = self.validated()
        superseded = None
        if data.get("supersedes_id"):
            try:
                superseded = incidents.decision_in(self.incident, data["supersedes_id"])
            except Http404:
                raise _invalid("supersedes", "This incident has no decision with that id.") from None
        decision = self._service_call(
            incident_services.record_decision,
            what=data["what"],
            why=data["why"],
            who_decided=data.get("who_decided", ""),
            supersedes=superseded,
        )
        return self._created(incidents.decision_in(self.incident, decision.pk))
