"""The API's partner directory: organisations and contacts."""

from rest_framework import serializers, status
from rest_framework.response import Response

from svtoolkit import access
from svtoolkit.api.base import ApiViewSet
from svtoolkit.api.fields import (
    AskedAsOnTheWeb,
    MemberField,
    OrganisationField,
    required_message,
    text,
    text_as_in,
)
from svtoolkit.api.filters import ContactFilter
from svtoolkit.core import limits
from svtoolkit.partnerships import selectors as directory
from svtoolkit.partnerships import services as directory_services
from svtoolkit.partnerships.forms import ContactForm, OrganisationForm
from svtoolkit.partnerships.models import (
    CONTACT_FIELDS,
    Contact,
    IncidentRole,
    Organisation,
    OrganisationKind,
    a_year_from_today,
)


class DirectoryEntrySerializer(serializers.ModelSerializer):
    """Owner and review date as every directory entry has them, and the ``revision`` an update starts from."""

    owner = MemberField(error_messages={"required": required_message(OrganisationForm, "owner")})
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


class OrganisationSerializer(AskedAsOnTheWeb, DirectoryEntrySerializer):
    web_form = OrganisationForm
    name = text_as_in(OrganisationForm, "name")
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "owner", "review_due", "revision", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        details = ("name", "kind", "owner", "review_due")


class ContactSerializer(AskedAsOnTheWeb, DirectoryEntrySerializer):
    web_form = ContactForm
    organisation = OrganisationField(error_messages={"required": "Choose the contact's organisation."})
    name = text_as_in(ContactForm, "name")
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


class DirectoryViewSet(ApiViewSet):
    """Directory entries are read by every member and kept by coordinators. Updates carry the ``revision``
    read: if someone saved the entry since, the answer is 409 and nothing changes.

    A kind of entry names the selector that finds one of the partnership's entries (``entry_in``) and calls
    its services in ``save_new(given, **details)`` and ``save_changes(found, **changes)``, passing on what
    ``_details`` gives (and, for a change, the revision read): every directory service takes them alike.
    """

    write_rule = staticmethod(access.can_edit_directory)
    entry_in = None  # a selector: (partnership, entry_id) -> the entry, or 404

    def entry(self, entry_id):
        return self.entry_in(self.request.partnership, entry_id)

    def retrieve(self, request, entry_id):
        return Response(self.get_serializer(self.entry(entry_id)).data)

    def create(self, request):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        saved = self.save_new(given, **self._details(given))
        return Response(self.get_serializer(self.entry(saved.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, entry_id):
        found = self.entry(entry_id)
        given = self.get_serializer(found, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        saved = self.save_changes(
            found, expected_revision=given.validated_data["revision"], **self._details(given)
        )
        return Response(self.get_serializer(self.entry(saved.pk)).data)

    def _details(self, given) -> dict:
        """What every directory service takes: the entry's details, and who changes them."""
        return {"details": given.details(), "by": self.request.user, "request": self.request._request}


class OrganisationViewSet(DirectoryViewSet):
    queryset = Organisation.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = OrganisationSerializer
    entry_in = staticmethod(directory.organisation_in)

    def get_queryset(self):
        return directory.active_organisations(self.request.partnership).select_related("owner")

    def save_new(self, given, **details):
        return directory_services.create_organisation(partnership=self.request.partnership, **details)

    def save_changes(self, found, **changes):
        return directory_services.update_organisation(organisation=found, **changes)


class ContactViewSet(DirectoryViewSet):
    queryset = Contact.objects.none()  # for the schema; get_queryset applies the access rules
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    entry_in = staticmethod(directory.contact_in)

    def get_queryset(self):
        return directory.contacts_of(self.request.partnership)

    def save_new(self, given, **details):
        return directory_services.create_contact(organisation=given.validated_data["organisation"], **details)

    def save_changes(self, found, **changes):
        return directory_services.update_contact(contact=found, **changes)
