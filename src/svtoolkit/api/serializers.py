"""What the API reads and writes. Input is checked here with messages a person understands; the rules that
span records (a stale revision, a decision already superseded) stay in the apps' services."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from svtoolkit.accounts.selectors import member_users
from svtoolkit.communications.models import Message, MessageKind
from svtoolkit.communications.selectors import title_shown
from svtoolkit.core import limits
from svtoolkit.incidents.models import (
    ActionStatus,
    Decision,
    Incident,
    IncidentStatus,
    MeasureKind,
    NotificationSource,
    PlanAction,
    Scene,
    SceneMeasure,
    TimelineEntry,
)
from svtoolkit.incidents.selectors import incident_types, measure_status
from svtoolkit.meetings.models import Meeting, MeetingKind
from svtoolkit.partnerships.models import (
    CONTACT_FIELDS,
    Contact,
    IncidentRole,
    Organisation,
    OrganisationKind,
    a_year_from_today,
)
from svtoolkit.partnerships.selectors import active_organisations
from svtoolkit.tension.models import AreaKind, Confidence, TensionReading
from svtoolkit.tension.scale import scale


class When(serializers.DateTimeField):
    """An ISO 8601 date and time, this century (the web's rule too): anything else is a mistake."""

    def __init__(self, **kwargs):
        super().__init__(validators=[limits.within_supported_years], **kwargs)


def text(max_length: int, *, required=True, message="This field is required."):
    """Free text up to ``max_length`` characters (a size from ``core.limits``, like the form's)."""
    return serializers.CharField(
        max_length=max_length,
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        error_messages={"required": message, "blank": message, "max_length": limits.TOO_LONG_API},
    )


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """An active member of the current partnership, by id."""

    default_error_messages = {
        "does_not_exist": "Choose a member of the partnership: there is none with id {pk_value}.",
        "incorrect_type": "Give the member's id as a whole number.",
    }

    def get_queryset(self):
        return member_users(self.context["request"].partnership)


@extend_schema_field(OpenApiTypes.INT)
class OrganisationField(serializers.PrimaryKeyRelatedField):
    """An active organisation of the current partnership, by id."""

    default_error_messages = {
        "does_not_exist": "Choose an organisation of the partnership: there is none with id {pk_value}.",
        "incorrect_type": "Give the organisation's id as a whole number.",
    }

    def get_queryset(self):
        return active_organisations(self.context["request"].partnership)


# --- Incidents ---------------------------------------------------------------------------------------


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


@extend_schema_field({"type": "array", "items": {"type": "string"}, "minItems": 1})
class IncidentTypesField(serializers.MultipleChoiceField):
    """Codes from the incident types of the partnership's checklist (or the incident's own version)."""

    def __init__(self, **kwargs):
        super().__init__(choices=[], **kwargs)

    def to_internal_value(self, data):
        vocabulary = self.parent.incident_types()
        self.choices = vocabulary
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not data:
            self.fail("empty")
        unknown = sorted(str(code) for code in data if str(code) not in vocabulary)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown type of incident: {', '.join(unknown)}. Choose from {', '.join(vocabulary)}."
            )
        return sorted({str(code) for code in data})


class TypesMixin:
    def incident_types(self) -> dict:
        return incident_types(self.context["request"].partnership, self.context.get("incident"))

    def validate(self, data):
        occurred = data.get("occurred_at", getattr(self.context.get("incident"), "occurred_at", None))
        notified = data.get("notified_at", getattr(self.context.get("incident"), "notified_at", None))
        if occurred and notified and notified < occurred:
            raise serializers.ValidationError(
                {"notified_at": ["The partnership cannot have been told before the incident happened."]}
            )
        return data


class IncidentCreateSerializer(TypesMixin, serializers.Serializer):
    title = text(200, message="Enter a short title.")
    incident_types = IncidentTypesField(
        error_messages={
            "empty": "Choose at least one type of incident.",
            "required": "Choose at least one type.",
        }
    )
    occurred_at = When()
    notified_at = When()
    notification_source = serializers.ChoiceField(choices=NotificationSource.choices)
    notified_by = text(200, required=False)
    summary = text(limits.SUMMARY, message="Enter a factual summary.")
    scene_description = text(300, message="Describe the scene.")
    scene_area = text(120, required=False)
    is_exercise = serializers.BooleanField(default=False)


# --- Incident alerts -------------------------------------------------------------------------------


class OptionalIncidentTypesField(IncidentTypesField):
    """Incident types where none may be known yet (an alert): an empty list is allowed."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and not data:
            return []
        return super().to_internal_value(data)


class AlertCreateSerializer(TypesMixin, serializers.Serializer):
    """An incident alert, as a police system or a phone would push it: the same fields as the web's form."""

    what = text(200, message="Say what happened.")
    where = text(300, message="Say where it happened.")
    occurred_at = When(required=False, help_text="When it happened; now if left out.")
    how_they_know = text(500, message="Say how you know.")
    callback_number = serializers.RegexField(
        r"^\+?[0-9 ()-]{10,20}$",
        max_length=40,
        error_messages={
            "invalid": "Enter a phone number, like 07700 900123.",
            "required": "Give a number to call back on.",
            "blank": "Give a number to call back on.",
        },
    )
    details = text(2000, required=False)
    incident_types = OptionalIncidentTypesField(required=False, default=list)
    latitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        default=None,
    )
    longitude = serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        default=None,
    )
    is_exercise = serializers.BooleanField(default=False)


class AlertRecipientSerializer(serializers.Serializer):
    name = serializers.CharField(source="user.full_name", read_only=True)
    reason = serializers.CharField(read_only=True)
    notified_at = serializers.DateTimeField(read_only=True)


class AlertSerializer(serializers.Serializer):
    """The incident the alert started, and who was alerted at once."""

    incident = IncidentSerializer()
    alerted = AlertRecipientSerializer(many=True)


class IncidentUpdateSerializer(TypesMixin, serializers.Serializer):
    """A correction of the record. ``revision`` is the one the client read: a stale one is refused (409)."""

    title = text(200, message="Enter a short title.")
    incident_types = IncidentTypesField(error_messages={"empty": "Choose at least one type of incident."})
    occurred_at = When()
    notified_at = When()
    summary = text(limits.SUMMARY, message="Enter a factual summary.")
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            choice
            for choice in IncidentStatus.choices
            if choice[0] not in {IncidentStatus.CLOSED, IncidentStatus.ALERTED}
        ]
    )


class LocatedSerializer(serializers.ModelSerializer):
    """Something with a location, shown by the map's rule: its own coordinates only for those who see exact
    locations (coordinators and responders, access.sees_exact_scenes); for everyone else they are null."""

    exact = serializers.SerializerMethodField(
        help_text="Whether you see exact locations: if not, latitude and longitude are always null."
    )

    def get_exact(self, instance) -> bool:
        return bool(self.context.get("exact"))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("exact"):
            data["latitude"] = data["longitude"] = None
        return data


def coordinate(limit):
    return serializers.DecimalField(
        max_digits=8,
        decimal_places=5,
        min_value=-limit,
        max_value=limit,
        required=False,
        allow_null=True,
        default=None,
    )


class SceneSerializer(LocatedSerializer):
    description = text(300, message="Describe the scene.")
    area = text(120, required=False)
    latitude = coordinate(90)
    longitude = coordinate(180)

    class Meta:
        model = Scene
        fields = ["id", "description", "area", "latitude", "longitude", "exact"]

    def validate(self, data):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise serializers.ValidationError(
                {"longitude": ["Give both the latitude and the longitude, or neither."]}
            )
        return data


@extend_schema_field(OpenApiTypes.INT)
class SceneField(serializers.PrimaryKeyRelatedField):
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


class MeasureCreateSerializer(serializers.Serializer):
    """A new police measure. The legal limits (48 hours for a s.35 dispersal order, 24 hours for a s.60
    authorisation, who authorised it) are the service's rules: a breach is a 400 on the field concerned."""

    scene = SceneField()
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    description = text(500, message="Describe the measure and exactly where it is.")
    area = text(120, required=False)
    latitude = coordinate(90)
    longitude = coordinate(180)
    starts_at = When()
    ends_at = When(required=False, allow_null=True, default=None)
    authorised_by = text(200, required=False)


# --- Plan actions ------------------------------------------------------------------------------------


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


class ActionCreateSerializer(serializers.Serializer):
    title = text(200, message="Enter the action.")
    guidance = text(limits.SUMMARY, required=False)
    owner_organisation = OrganisationField(required=False, allow_null=True, default=None)
    owner = MemberField(required=False, allow_null=True, default=None)
    due_at = When()


class ActionUpdateSerializer(serializers.Serializer):
    """A change of status or owner, with a note; ``revision`` is the one the client read (409 if stale)."""

    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    owner_organisation = OrganisationField(required=False, allow_null=True)
    owner = MemberField(required=False, allow_null=True)
    not_needed_reason = text(limits.SHORT_TEXT, required=False)
    note = text(limits.SUMMARY, required=False)
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def validate(self, data):
        action = self.context["action"]
        if not self.context["can_reassign"]:
            for field in ("owner_organisation", "owner"):
                if field in data and data[field] != getattr(action, field):
                    raise serializers.ValidationError(
                        {field: ["Only the response team can give an action to someone else."]}
                    )
        status = data.get("status", action.status)
        reason = data.get("not_needed_reason", action.not_needed_reason)
        if status == ActionStatus.NOT_NEEDED and not reason.strip():
            raise serializers.ValidationError({"not_needed_reason": ["Say why the action is not needed."]})
        if status == ActionStatus.HANDED_OVER and not data.get("note", "").strip():
            raise serializers.ValidationError({"note": ["Say who the action was handed over to."]})
        return data


# --- Timeline and decisions --------------------------------------------------------------------------


class TimelineEntrySerializer(serializers.ModelSerializer):
    by_name = serializers.CharField(source="by.full_name", read_only=True, default=None)
    text = text(limits.SUMMARY, message="Enter the update.")

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "by", "by_name", "kind", "text", "action"]
        read_only_fields = ["id", "at", "by", "by_name", "kind", "action"]


class DecisionSerializer(serializers.ModelSerializer):
    what = text(limits.SUMMARY, message="Enter what was decided.")
    why = text(limits.SUMMARY, message="Enter why it was decided.")
    decided_by_name = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)
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
            "decided_by",
            "decided_by_name",
            "decided_at",
            "supersedes",
            "superseded_by",
        ]
        read_only_fields = ["id", "decided_by", "decided_by_name", "decided_at", "superseded_by"]


# --- Meetings and messages (read only) ---------------------------------------------------------------


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
            "series",
        ]
        read_only_fields = fields


class MeetingScheduleSerializer(serializers.Serializer):
    """A meeting to schedule: the invitations go to the organisations named, as from the web page."""

    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    starts_at = When()
    duration_minutes = serializers.IntegerField(min_value=15, max_value=480, default=60)
    place = text(200, required=False)
    online_link = serializers.URLField(required=False, allow_blank=True, default="", max_length=200)
    chair = MemberField()
    organisations = serializers.ListField(child=OrganisationField(), min_length=1, max_length=50)
    agenda = text(limits.LONG_TEXT, message="Enter the agenda.")

    def validate(self, data):
        if not data["place"].strip() and not data["online_link"].strip():
            raise serializers.ValidationError({"place": ["Give a place or an online link."]})
        return data


class MessageDraftSerializer(serializers.Serializer):
    """A message to draft; the approvers must be organisations taking part in the incident."""

    kind = serializers.ChoiceField(choices=MessageKind.choices)
    title = text(200, message="Enter a title.")
    body = text(limits.SUMMARY, message="Enter the text.")
    audience = text(200, message="Enter the audience.")
    channel = text(200, message="Enter the channel.")
    planned_for = When()
    names_or_images = serializers.BooleanField(default=False)
    approvers = serializers.ListField(child=OrganisationField(), min_length=1, max_length=50)


class MessageSerializer(serializers.ModelSerializer):
    """A message of the communications plan. One naming someone affected is, until published, readable only
    by the need-to-know list and its signers: for anyone else ``restricted`` is true, the body is null and the
    title is a placeholder that names no one."""

    title = serializers.SerializerMethodField()
    restricted = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
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

    def to_representation(self, message):
        from svtoolkit import access

        request = self.context["request"]
        # Decided once per message: the rule may ask the database whether the reader is on the list.
        self._readable = access.can_read_message(request.user, request.partnership, message)
        return super().to_representation(message)

    def get_title(self, message) -> str:
        return title_shown(message, readable=self._readable)

    def get_restricted(self, message) -> bool:
        return not self._readable

    def get_body(self, message) -> str | None:
        return message.body if self._readable else None

    def get_pending_sign_offs(self, message) -> int:
        return sum(1 for sign_off in message.sign_offs.all() if sign_off.signed_at is None)


# --- Tension -----------------------------------------------------------------------------------------


class TensionReadingSerializer(serializers.ModelSerializer):
    area = text(120, message="Enter the area.")
    area_kind = serializers.ChoiceField(choices=AreaKind.choices)
    level = serializers.ChoiceField(choices=[])
    indicators = serializers.MultipleChoiceField(choices=[], required=False, default=list)
    source = text(200, message="Enter the source.")
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

    def validate_observed_at(self, observed):
        if observed > timezone.now():
            raise serializers.ValidationError("A reading cannot be in the future.")
        return observed

    def validate_indicators(self, indicators):
        return sorted(indicators)


# --- The partner directory ---------------------------------------------------------------------------


class DirectoryEntrySerializer(serializers.ModelSerializer):
    """Owner and review date as every directory entry has them, and the ``revision`` an update starts from."""

    owner = MemberField(error_messages={"required": "Choose who owns this entry."})
    review_due = serializers.DateField(
        default=a_year_from_today,
        validators=[limits.within_supported_years],
        help_text="When the owner should next check the entry (a year ahead if not given).",
    )
    revision = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="Needed to update: the revision you read. A stale one is refused (409).",
    )

    def validate(self, data):
        if self.instance is not None and "revision" not in data:
            raise serializers.ValidationError({"revision": ["Give the revision of the entry you read."]})
        return data

    def details(self) -> dict:
        """What the services save: every field but the revision, which they check themselves."""
        merged = (
            {field: getattr(self.instance, field) for field in self.Meta.details} if self.instance else {}
        )
        merged.update({k: v for k, v in self.validated_data.items() if k in self.Meta.details})
        return merged


class OrganisationSerializer(DirectoryEntrySerializer):
    name = text(200, message="Enter the organisation's name.")
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "owner", "review_due", "revision", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        details = ("name", "kind", "owner", "review_due")


class ContactSerializer(DirectoryEntrySerializer):
    organisation = OrganisationField(error_messages={"required": "Choose the contact's organisation."})
    name = text(150, message="Enter the contact's name.")
    job_title = text(150, required=False)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    phone = text(40, required=False)
    other_phone = text(40, required=False)
    out_of_hours = text(limits.SHORT_TEXT, required=False)
    incident_role = serializers.ChoiceField(choices=IncidentRole.choices, default=IncidentRole.NONE)
    escalation_order = serializers.IntegerField(min_value=1, max_value=99, required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # A contact stays with their organisation; someone who moves is a new contact.
            fields["organisation"].read_only = True
        return fields

    class Meta:
        model = Contact
        fields = [
            "id",
            "organisation",
            *CONTACT_FIELDS,
            "revision",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        details = CONTACT_FIELDS
