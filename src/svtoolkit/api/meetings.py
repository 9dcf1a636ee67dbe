"""The API's meetings of an incident: scheduled and read."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.fields import (
    AskedAsOnTheWeb,
    MemberField,
    OrganisationField,
    When,
    checked_as_in,
    text,
    text_as_in,
)
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.meetings import selectors as meetings
from svtoolkit.meetings import services as meeting_services
from svtoolkit.meetings.forms import ScheduleForm
from svtoolkit.meetings.models import Meeting, MeetingKind


class MeetingSerializer(serializers.ModelSerializer):
    chair_name = serializers.CharField(source="chair.full_name", read_only=True, default=None)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "starts_at",
            "duration_minutes",
            "place",
            "online_link",
            "chair",
            "chair_name",
            "invited_organisations",
            "agenda",
            "minutes",
            "status",
            "did_not_take_place",
            "series",
        ]
        read_only_fields = fields


class MeetingScheduleSerializer(AskedAsOnTheWeb, serializers.Serializer):
    """A meeting to schedule: the invitations go to the organisations named, as from the web page."""

    web_form = ScheduleForm

    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    starts_at = When()
    duration_minutes = serializers.IntegerField(min_value=15, max_value=480, default=60)
    place = text(200, required=False)
    online_link = checked_as_in(
        ScheduleForm, "online_link", default="", help_text="A web address; https:// is added if left out."
    )
    chair = MemberField()
    organisations = serializers.ListField(child=OrganisationField(), min_length=1, max_length=50)
    agenda = text_as_in(ScheduleForm, "agenda")


class MeetingViewSet(IncidentPartViewSet):
    queryset = Meeting.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = MeetingSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return meetings.meetings_of(self.incident).prefetch_related("invited_organisations")

    def retrieve(self, request, incident_id, meeting_id):
        return self._answer(meetings.meeting_in(self.incident, meeting_id))

    @extend_schema(request=MeetingScheduleSerializer, responses={201: MeetingSerializer})
    def create(self, request, incident_id):
        """Schedule one meeting; the invitations (with an .ics file) are sent as from the web page."""
        data = self.validated(MeetingScheduleSerializer)
        scheduled = self._service_call(meeting_services.schedule_meetings, **data)
        return self._created(scheduled[0])
