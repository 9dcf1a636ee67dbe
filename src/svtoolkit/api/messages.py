"""The API's messages of an incident: drafted and read (restricted ones only to those allowed)."""

from functools import cached_property

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from svtoolkit import access
from svtoolkit.api.base import ReadingsAudited
from svtoolkit.api.fields import AskedAsOnTheWeb, OrganisationField, When, text_as_in
from svtoolkit.api.incidents import IncidentPartViewSet
from svtoolkit.communications import selectors as communications
from svtoolkit.communications import services as communications_services
from svtoolkit.communications.forms import MessageForm
from svtoolkit.communications.models import Message, MessageKind
from svtoolkit.communications.selectors import title_shown
from svtoolkit.partnerships.models import Organisation


class ApproverField(OrganisationField):
    """An organisation to sign a message off, by id: one of the partnership's own, or one taking part in the
    incident (the serializer's context ``incident``), whichever partnership drafts it, as on the web's form
    (a partnership the incident is shared with names the lead's partners; a partner taken off the directory
    since still takes part). Whether it takes part is the service's rule, said in its words."""

    def get_queryset(self):
        incident = self.context["incident"]
        return Organisation.objects.filter(
            Q(pk__in=super().get_queryset().values("pk"))
            | Q(pk__in=incident.participations.values("organisation_id"))
        )


class MessageDraftSerializer(AskedAsOnTheWeb, serializers.Serializer):
    """A message to draft; the approvers must be organisations taking part in the incident."""

    web_form = MessageForm

    kind = serializers.ChoiceField(choices=MessageKind.choices)
    title = text_as_in(MessageForm, "title")
    body = text_as_in(MessageForm, "body")
    audience = text_as_in(MessageForm, "audience")
    channel = text_as_in(MessageForm, "channel")
    planned_for = When()
    names_or_images = serializers.BooleanField(default=False)
    approvers = serializers.ListField(child=ApproverField(), min_length=1, max_length=50)


class MessageListSerializer(serializers.ListSerializer):
    """Messages listed: which this person may read is decided for the whole list at once, so that their
    readings are written to the audit log in one statement (``communications.read_messages``)."""

    def to_representation(self, data):
        messages = list(data)
        self.child.read(messages)
        return super().to_representation(messages)


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
        list_serializer_class = MessageListSerializer

    @cached_property
    def _readable(self) -> dict[int, bool]:
        """Whether this person may read each message decided so far (``read``), by id."""
        return {}

    def read(self, messages) -> None:
        """Decide which of ``messages`` this person may read, before their fields are read: a list's at once,
        a message answered alone as it is answered."""
        request = self.context["request"]
        readable = communications.read_messages(
            messages,
            incident=self.context["incident"],
            user=request.user,
            partnership=request.partnership,
            request=request._request,
            what="message naming someone affected, read through the API",
        )
        self._readable.update({message.pk: message.pk in readable for message in messages})
        if any(message.pk in readable and communications.is_restricted(message) for message in messages):
            self.context["view"].shows_personal_data = True

    def to_representation(self, message):
        if message.pk not in self._readable:
            self.read([message])
        return super().to_representation(message)

    def get_title(self, message) -> str:
        return title_shown(message, readable=self._readable[message.pk])

    def get_restricted(self, message) -> bool:
        return not self._readable[message.pk]

    def get_body(self, message) -> str | None:
        return message.body if self._readable[message.pk] else None

    def get_audience(self, message) -> str | None:
        return message.audience if self._readable[message.pk] else None

    def get_pending_sign_offs(self, message) -> int:
        return sum(1 for sign_off in message.sign_offs.all() if sign_off.signed_at is None)


class MessageViewSet(ReadingsAudited, IncidentPartViewSet):
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
