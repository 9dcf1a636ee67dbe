"""One factory per model."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from svtoolkit.accounts.models import Invitation, Membership, Role, User
from svtoolkit.partnerships.models import (
    Contact,
    ContactImport,
    IncidentRole,
    Organisation,
    OrganisationKind,
    Partnership,
    SupportService,
    SupportServiceKind,
)

TEST_PASSWORD = "correct horse battery staple"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Borough {n} Community Safety Partnership")
    slug = factory.Sequence(lambda n: f"borough-{n}")
    area = factory.Sequence(lambda n: f"London Borough {n}")
    reference_prefix = factory.Sequence(lambda n: f"B{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.COUNCIL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory, partnership=factory.SelfAttribute("..partnership"))
    role = Role.RESPONDER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    partnership = factory.SubFactory(PartnershipFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = "Invited Person"
    role = Role.RESPONDER
    token_hash = factory.Sequence(lambda n: Invitation.hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    job_title = "Duty manager"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    phone = "020 7946 0000"
    incident_role = IncidentRole.NONE


class ContactImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactImport

    partnership = factory.SubFactory(PartnershipFactory)
    file_name = "contacts.csv"
    total_rows = 600


class SupportServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportService

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Support service {n}")
    kind = SupportServiceKind.VICTIM_SUPPORT
    how_to_refer = "Phone the duty worker."


# --- Incidents and what reports count: services build whole incidents, these build exact figures -------


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Incident"

    partnership = factory.SubFactory(PartnershipFactory)
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"{o.partnership.reference_prefix}-{o.year}-{o.sequence:04d}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    incident_types = factory.LazyFunction(lambda: ["knife"])
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    notified_at = factory.LazyAttribute(lambda o: o.occurred_at + timedelta(minutes=30))
    notification_source = "police"
    summary = "What happened."
    status = "responding"


class SceneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Scene"

    incident = factory.SubFactory(IncidentFactory)
    description = factory.Sequence(lambda n: f"Scene {n}")
    area = ""


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Participation"

    incident = factory.SubFactory(IncidentFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership")
    )


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PlanAction"

    incident = factory.SubFactory(IncidentFactory)
    area_title = "Leading the response"
    title = factory.Sequence(lambda n: f"Action {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    status = "to_do"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Meeting"

    incident = factory.SubFactory(IncidentFactory)
    kind = "critical_incident"
    starts_at = factory.LazyAttribute(lambda o: o.incident.notified_at + timedelta(hours=4))
    place = "Town hall"
    agenda = "1. Introductions"
    uid = factory.LazyFunction(uuid.uuid4)
