"""The API's messages of an incident: drafted and read (restricted ones only to those allowed)."""

from functools import cached_property

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.fields import OrganisationField, When, text_as_in
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.communications import selectors as communications
from svtoolkit.communications import services as communications_services
from svtoolkit.communications.forms import MessageForm
from svtoolkit.communications.models import Message, MessageKind, MessageStatus
from svtoolkit.communications.selectors import title_shown


class MessageDraftSerializer(serializers.Serializer):
    """A message to draft; the approvers must be organisations taking part in the incident."""

    kind = serializers.ChoiceField(choices=MessageKind.choices)
    title = text_as_in(MessageForm, "title")
    body = text_as_in(MessageForm, "body")
    audience = text_as_in(MessageForm, "audience")
    channel = text_as_in(MessageForm, "channel")
    planned_for = When()
    names_or_images = serializers.BooleanField(default=False)
    approvers = serializers.ListField(child=OrganisationField(), min_length=1, max_length=50)


class MessageSerializer(serializers.ModelSerializer):
    """A message of the communications plan. One naming someone affected is, until published, readable only
    by the need-to-know list and its signers: for anyone else ``restricted`` is true, the body and the
    audience are null and the title is a placeholder that names no one. Each reading of such a message by
    someone who may read it is written to the audit log, as on its page."""

    title = serializers.SerializerMethodField()
    restricted = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    audience = serializers.SerializerMethodField()
    pending_sign_offs = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "title",
            "audience",
            "channel",
            "planned_for",
            "status",
            "names_or_images",
            "restricted",
            "body",
            "pending_sign_offs",
            "published_at",
        ]
        read_only_fields = fields

    @cached_property
    def _reads(self):
        """The reader's rule, made once for a list (one serializer serves each of its rows): whether they are
        on the incident's list is asked once, not once a message."""
        request = self.context["request"]
        return access.message_reader(request.user, request.partnership)

    def to_representation(self, message):
        request = self.context["request"]
        # Decided once per message, before its fields are read.
        self._readable = communications.read_message(
            message,
            incident=self.context["incident"],
            user=request.user,
            partnership=request.partnership,
            request=request._request,
            what="message naming someone affected, read through the API",
            reads=self._reads,
        )
        if self._readable and message.names_or_images and message.status != MessageStatus.PUBLISHED:
            self.context["view"].shows_personal_data = True
        return super().to_representation(message)

    def get_title(self, message) -> str:
        return title_shown(message, readable=self._readable)

    def get_restricted(self, message) -> bool:
        return not self._readable

    def get_body(self, message) -> str | None:
        return message.body if self._readable else None

    def get_audience(self, message) -> str | None:
        return message.audience if self._readable else None

    def get_pending_sign_offs(self, message) -> int:
        return sum(1 for sign_off in message.sign_offs.all() if sign_off.signed_at is None)


class MessageViewSet(IncidentPartViewSet):
    queryset = Message.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = MessageSerializer
    rules = {"create": access.can_manage_incident}

    def get_queryset(self):
        return (
            communications.messages_of(self.incident).select_related("incident").prefetch_related("sign_offs")
        )

    def retrieve(self, request, incident_id, message_id):
        return self._answer(communications.message_in(self.incident, message_id))

    @extend_schema(request=MessageDraftSerializer, responses={201: MessageSerializer})
    def create(self, request, incident_id):
        """Draft a message; it goes for sign-off from the web page."""
        data = self.validated(MessageDraftSerializer)
        drafted = self._service_call(communications_services.draft_message, **data)
        return self._created(drafted)
