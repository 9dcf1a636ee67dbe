"""Fields the API's resources share: times, bounded text, members, organisations, incident types, places."""

from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from svtoolkit.accounts.selectors import member_users
from svtoolkit.core import limits
from svtoolkit.core.datetimes import local_time
from svtoolkit.core.forms import listed_or_stored
from svtoolkit.incidents.selectors import incident_types
from svtoolkit.partnerships.selectors import active_organisations


def _invalid(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


class When(serializers.DateTimeField):
    """An ISO 8601 date and time, this century (the web's rule too): anything else is a mistake. One sent
    without its offset is a wall-clock time where the partnership is, read as the web's form reads it: a time
    the clocks skip is refused, and one they repeat needs its offset to say which of the two is meant."""

    def __init__(self, **kwargs):
        super().__init__(validators=[limits.within_supported_years], **kwargs)

    def to_internal_value(self, value):
        # In UTC, as the web's form gives it: arithmetic on a time in a zone drops which of two repeated times
        # it is (``fold``), and a meeting's end or a reminder would move an hour.
        return super().to_internal_value(value).astimezone(UTC)

    def enforce_timezone(self, value):
        if timezone.is_naive(value) and (zone := self.default_timezone()) is not None:
            try:
                return local_time(value, zone=zone)
            except DjangoValidationError as refused:
                if refused.code == "clock_repeated":
                    first, second = (value.replace(tzinfo=zone, fold=fold).strftime("%:z") for fold in (0, 1))
                    raise serializers.ValidationError(
                        f"{refused.message} Send it with its offset: {first} for the first, {second} for the"
                        " second."
                    ) from refused
                raise serializers.ValidationError(refused.messages) from refused
        return super().enforce_timezone(value)


def text(max_length: int, *, required=True, message="This field is required."):
    """Free text up to ``max_length`` characters (a size from ``core.limits``, like the form's)."""
    return serializers.CharField(
        max_length=max_length,
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        error_messages={"required": message, "blank": message, "max_length": limits.TOO_LONG_API},
    )


def required_message(form_class, name: str) -> str:
    """What the web form says when ``name`` is left out: the API says the same, so it is written once."""
    return form_class.base_fields[name].error_messages["required"]


def text_as_in(form_class, name: str, *, required=True):
    """Free text checked as the web form's field ``name`` is: its size, and its message when left out."""
    return text(
        form_class.base_fields[name].max_length,
        required=required,
        message=required_message(form_class, name),
    )


class CheckedAsOnTheWeb(serializers.CharField):
    """Text the web form's own field (``form_field``) checks and cleans, so the rule is written once: a
    meeting's online link pasted without https:// is taken with it added, as on the page, and a refusal is in
    the page's words."""

    def __init__(self, form_field, **kwargs):
        self.form_field = form_field
        # The size for the schema; the form's own check comes first, in its words.
        super().__init__(max_length=form_field.max_length, allow_blank=not form_field.required, **kwargs)

    def to_internal_value(self, data):
        try:
            return self.form_field.clean(super().to_internal_value(data))
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.messages) from refused


def checked_as_in(form_class, name: str, **kwargs) -> CheckedAsOnTheWeb:
    """Text checked and cleaned by the web form's field ``name``: the same rule, the same words."""
    field = form_class.base_fields[name]
    return CheckedAsOnTheWeb(field, required=field.required, **kwargs)


# What a serializer field says when it is left out, sent as null or empty, or as an empty list where one is
# needed: said in the web form's words instead, unless the field words it itself.
ASKED_FOR = ("required", "null", "blank", "empty")


def _default_message(field, key: str) -> str | None:
    """DRF's own message for ``key`` on ``field`` (the most derived class's, as DRF chooses it)."""
    for cls in type(field).__mro__:
        if key in getattr(cls, "default_error_messages", {}):
            return cls.default_error_messages[key]
    return None


# The limits a serializer field and its web form's field may share (a size, a range of numbers).
LIMITS = ("min_value", "max_value", "min_length", "max_length")


def _words_it_itself(field, key: str) -> bool:
    """Whether ``field`` has its own message for ``key``, not DRF's nor the API's for any text too long."""
    return field.error_messages.get(key) not in (_default_message(field, key), limits.TOO_LONG_API)


class AskedAsOnTheWeb:
    """A serializer that asks for a missing field as its web form (``web_form``) asks for the field of the
    same name, so a client shows people the words the page shows them (docs/api.md, "Errors"): left out,
    null, empty, or a list with none where one is needed. A limit the two fields share that the web form
    words itself ("A meeting is at least 15 minutes") is refused in the form's words too."""

    web_form = None

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            on_the_web = self.web_form.base_fields.get(name)
            if on_the_web is not None:
                for key, message in self._said_on_the_web(field, on_the_web).items():
                    if key in field.error_messages and not _words_it_itself(field, key):
                        field.error_messages[key] = message
                        # A limit is checked by a validator made with the field, holding the message then.
                        for validator in field.validators:
                            if getattr(validator, "code", None) == key:
                                validator.message = message
        return fields

    @staticmethod
    def _said_on_the_web(field, on_the_web) -> dict:
        """The web form's words for what ``field`` says, by the key of ``field``'s message."""
        said = {}
        if on_the_web.required:
            keys = [*ASKED_FOR, "min_length"] if getattr(field, "min_length", None) == 1 else ASKED_FOR
            said = dict.fromkeys(keys, on_the_web.error_messages["required"])
        for key in LIMITS:
            limit = getattr(field, key, None)
            shared = limit is not None and limit == getattr(on_the_web, key, None)
            if shared and _words_it_itself(on_the_web, key):
                said[key] = on_the_web.error_messages[key]
        return said


def _one_of_messages(a_thing: str, thing: str) -> dict:
    """What a field that takes one of the partnership's ``thing`` by id says when given anything else."""
    return {
        "does_not_exist": f"Choose {a_thing} of the partnership: there is none with id {{pk_value}}.",
        "incorrect_type": f"Give the {thing}'s id as a whole number.",
    }


@extend_schema_field(OpenApiTypes.INT)
class RecordById(serializers.PrimaryKeyRelatedField):
    """A record by its id: a whole number a database can hold (1 to 2**63 - 1). A fraction, a number as
    large as infinity (JSON's ``1e999``) or true is the wrong type; a whole number out of range names no
    record. Neither reaches the database, which would fail on them."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int) and not limits.is_record_id(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class OneOfThePartnership(RecordById):
    """One of the current partnership's records, by id: those that ``choices_of(partnership)`` gives, and the
    one the record being changed (the serializer's context ``stored``) holds in this field, even once it has
    left them: sent back as read, it is kept, as on the web (``keep_stored_choice``). Whether the record may
    keep it is its service's rule."""

    choices_of = None

    def get_queryset(self):
        listed = self.choices_of(self.context["request"].partnership)
        stored = self.context.get("stored")
        stored_pk = stored.serializable_value(self.source) if stored is not None else None
        return listed if stored_pk is None else listed_or_stored(listed, [stored_pk])


class MemberField(OneOfThePartnership):
    """An active member of the current partnership, by id."""

    choices_of = staticmethod(member_users)
    default_error_messages = _one_of_messages("a member", "member")


class OrganisationField(OneOfThePartnership):
    """An active organisation of the current partnership, by id."""

    choices_of = staticmethod(active_organisations)
    default_error_messages = _one_of_messages("an organisation", "organisation")


class ListOfChoicesField(serializers.MultipleChoiceField):
    """Codes given as a list. DRF's own field takes anything it can iterate, so a JSON object would be read as
    its keys, those set to false too: ``{"knife": true, "firearm": false}`` would be both."""

    def to_internal_value(self, data):
        self.refuse_unless_a_list(data)
        return super().to_internal_value(data)

    def refuse_unless_a_list(self, data):
        if not isinstance(data, list | tuple):
            self.fail("not_a_list", input_type=type(data).__name__)


@extend_schema_field({"type": "array", "items": {"type": "string"}, "minItems": 1})
class IncidentTypesField(ListOfChoicesField):
    """Codes from the incident types of the partnership's checklist (or the incident's own version)."""

    def __init__(self, **kwargs):
        super().__init__(choices=[], **kwargs)

    def to_internal_value(self, data):
        vocabulary = self.parent.incident_types()
        self.choices = vocabulary
        self.refuse_unless_a_list(data)
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


class OptionalIncidentTypesField(IncidentTypesField):
    """Incident types where none may be known yet (an alert): an empty list is allowed."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and not data:
            return []
        return super().to_internal_value(data)


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
