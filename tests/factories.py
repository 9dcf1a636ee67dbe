"""One factory per model."""

import hashlib
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
    Region,
    RegionalSharing,
    RegionMembership,
    RegionRole,
    SharingAgreement,
    SupportService,
    SupportServiceKind,
)
from svtoolkit.playbooks.default import default_vocabularies

TEST_PASSWORD = "correct horse battery staple"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Borough {n} Community Safety Partnership")
    slug = factory.Sequence(lambda n: f"borough-{n}")
    area = factory.Sequence(lambda n: f"London Borough {n}")
    reference_prefix = factory.Sequence(lambda n: f"B{n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n} Violence Reduction Unit")
    slug = factory.Sequence(lambda n: f"region-{n}")


class RegionalSharingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionalSharing

    partnership = factory.SubFactory(PartnershipFactory, region=factory.SubFactory(RegionFactory))


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


class RegionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionMembership

    region = factory.SubFactory(RegionFactory)
    user = factory.SubFactory(UserFactory)
    role = RegionRole.COORDINATOR
    is_duty_contact = True


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    partnership = factory.SubFactory(PartnershipFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = "Invited Person"
    role = Role.RESPONDER
    token_hash = factory.Sequence(lambda n: Invitation.hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.lazy_attribute
    def invited_by(self):
        """A coordinator of the partnership (its first, or a new one): an invitation works only while whoever
        sent it may still invite."""
        coordinator = Membership.objects.filter(partnership=self.partnership, role=Role.COORDINATOR).first()
        coordinator = coordinator or MembershipFactory(partnership=self.partnership, role=Role.COORDINATOR)
        return coordinator.user


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


class SharingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharingAgreement
        skip_postgeneration_save = True

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Information-sharing agreement {n}")
    purpose = "Reducing serious violence in the borough."
    data_covered = "Names, ages and support needs of people affected by an incident."
    article6_basis = "6_1_e"
    gateway = "cda_1998_s115"

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if create:
            self.parties.set(extracted or [OrganisationFactory(partnership=self.partnership)])


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


# --- The rest of the models: one each, so a test can make exactly the row it needs ------------------------


class ScheduledRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.ScheduledRun"

    job = factory.Sequence(lambda n: f"tests.job_{n}")
    slot = factory.LazyFunction(lambda: timezone.now().replace(second=0, microsecond=0))
    claimed_by = "test-worker"


class ChangeFactory(factory.django.DjangoModelFactory):
    """A row of the change log, as the triggers write one (core.changes)."""

    class Meta:
        model = "core.Change"

    incident_id = None  # a change to every incident


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.Submission"

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"{n:032x}")
    location = "/incidents/"


class SignInDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.SignInDomain"

    partnership = factory.SubFactory(PartnershipFactory)
    domain = factory.Sequence(lambda n: f"council{n}.gov.uk")


class PersonAffectedCorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PersonAffectedCorrection"

    person = factory.SubFactory("tests.factories.PersonAffectedFactory")
    by = factory.SubFactory(UserFactory)
    changes = factory.LazyFunction(lambda: [{"field": "Age band", "before": "16 or 17", "after": "18 to 24"}])


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messaging.Notification"

    kind = "test_message"
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Something you should know."


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messaging.Delivery"

    notification = factory.SubFactory(NotificationFactory)
    channel = "email"
    address = factory.Sequence(lambda n: f"recipient{n}@example.org")


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audit.AuditEntry"

    action = "update"
    partnership = factory.SubFactory(PartnershipFactory)
    target_type = "incident"
    target_label = factory.Sequence(lambda n: f"Target {n}")


class PlaybookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.Playbook"

    partnership = factory.SubFactory(PartnershipFactory)
    name = "Incident checklist"
    source_edition = "test"


class PlaybookVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.PlaybookVersion"

    playbook = factory.SubFactory(PlaybookFactory)
    number = factory.Sequence(lambda n: n + 1)
    vocabularies = factory.LazyFunction(default_vocabularies)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.Area"

    version = factory.SubFactory(PlaybookVersionFactory)
    key = factory.Sequence(lambda n: f"area-{n}")
    phase = "during"
    position = factory.Sequence(lambda n: n % 1000)
    title = factory.Sequence(lambda n: f"Area {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.Item"

    version = factory.SubFactory(PlaybookVersionFactory)
    area = factory.SubFactory(AreaFactory, version=factory.SelfAttribute("..version"))
    key = factory.Sequence(lambda n: f"item-{n}")
    position = factory.Sequence(lambda n: n % 1000)
    action = factory.Sequence(lambda n: f"Do thing {n}")
    owner_kind = "police"
    timing = "Within the hour"


class ReadinessAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.ReadinessAssessment"

    partnership = factory.SubFactory(PartnershipFactory)
    version = factory.SubFactory(
        PlaybookVersionFactory, playbook__partnership=factory.SelfAttribute("...partnership")
    )
    assessed_on = factory.LazyFunction(lambda: timezone.localdate())


class ReadinessRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.ReadinessRating"

    assessment = factory.SubFactory(ReadinessAssessmentFactory)
    item = factory.SubFactory(ItemFactory, version=factory.SelfAttribute("..assessment.version"))


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "playbooks.Exercise"

    partnership = factory.SubFactory(PartnershipFactory)
    version = factory.SubFactory(
        PlaybookVersionFactory, playbook__partnership=factory.SelfAttribute("...partnership")
    )
    title = factory.Sequence(lambda n: f"Operation {n}")
    scenario = "A stabbing outside a school at home time."
    incident_types = factory.LazyFunction(lambda: ["knife"])
    planned_for = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class SceneMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.SceneMeasure"

    scene = factory.SubFactory(SceneFactory)
    kind = "cordon"
    description = factory.Sequence(lambda n: f"Cordon {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class CategorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Categorisation"

    incident = factory.SubFactory(IncidentFactory)
    suggested_serious_violence = True
    suggested_meeting = False
    suggested_cross_borough = False
    serious_violence = True
    meeting_needed = False
    cross_borough = False
    rationale = "A knife was used."
    factors = factory.LazyFunction(lambda: {"young_person": True})


class PoliceDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PoliceDeclaration"

    incident = factory.SubFactory(IncidentFactory)
    critical_incident = True
    tier = "gold_group"
    declared_by = "Supt A. Khan"
    declared_at = factory.LazyAttribute(lambda declaration: declaration.incident.occurred_at)
    recorded_by = factory.SubFactory(UserFactory)


class LeadAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.LeadAssignment"

    incident = factory.SubFactory(IncidentFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership")
    )
    officer = factory.SubFactory(UserFactory)


class EscalationTimetableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.EscalationTimetable"

    partnership = factory.SubFactory(PartnershipFactory)


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.TimelineEntry"

    incident = factory.SubFactory(IncidentFactory)
    kind = "update"
    text = factory.Sequence(lambda n: f"Update {n}")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Decision"

    incident = factory.SubFactory(IncidentFactory)
    what = factory.Sequence(lambda n: f"Decision {n}")
    why = "Because it was needed."


class IncidentShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.IncidentShare"

    incident = factory.SubFactory(IncidentFactory)
    partnership = factory.SubFactory(PartnershipFactory)


class IncidentLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.IncidentLink"

    incident = factory.SubFactory(IncidentFactory)
    linked = factory.SubFactory(IncidentFactory)
    kind = "retaliation"
    reason = "The victim's friends were seen at the second scene."


class PlanReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PlanReview"

    incident = factory.SubFactory(IncidentFactory)
    changes = "Nothing to change."


class PersonAffectedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PersonAffected"

    incident = factory.SubFactory(IncidentFactory)
    name = factory.Sequence(lambda n: f"P. {n}.")
    age_band = "16_17"
    role = "victim"
    lawful_basis = "safeguarding"
    sharing_agreement = "Information-sharing agreement 2025"


class DisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Disclosure"
        skip_postgeneration_save = True

    incident = factory.SubFactory(IncidentFactory)
    what = "Situation report with the records of people affected"
    recipient = "The gold group"
    purpose = "Briefing the gold group"
    article6_basis = "6_1_e"

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if create:
            self.people.set(extracted or [PersonAffectedFactory(incident=self.incident)])


class NeedToKnowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.NeedToKnow"

    incident = factory.SubFactory(IncidentFactory)
    user = factory.SubFactory(UserFactory)


class PersonNeedToKnowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PersonNeedToKnow"

    person = factory.SubFactory(PersonAffectedFactory)
    user = factory.SubFactory(UserFactory)


class HospitalStayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.HospitalStay"

    patient = factory.SubFactory(PersonAffectedFactory)
    incident = factory.SelfAttribute("patient.incident")
    hospital = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership"), kind="health"
    )
    visitor_arrangements = "Close family only, identities checked by hospital security."


class SchoolInvolvedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.SchoolInvolved"

    incident = factory.SubFactory(IncidentFactory)
    school = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership"), kind="school"
    )


class SafeguardingReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.SafeguardingReferral"

    person = factory.SubFactory(PersonAffectedFactory)
    incident = factory.SelfAttribute("person.incident")
    route = "mash"
    referred_at = factory.LazyFunction(timezone.now)


class IncidentTallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.IncidentTally"

    incident = factory.SubFactory(IncidentFactory)
    partnership = factory.SelfAttribute("incident.partnership")
    month = factory.LazyAttribute(lambda tally: tally.incident.occurred_at.date().replace(day=1))
    incident_types = factory.SelfAttribute("incident.incident_types")


class MonthlyTallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.MonthlyTally"
        django_get_or_create = ("partnership", "month", "incident_type")

    partnership = factory.SubFactory(PartnershipFactory)
    month = factory.Sequence(lambda n: timezone.localdate().replace(day=1, year=2000 + n % 20))
    incident_type = ""


class DashboardTallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.DashboardTally"
        django_get_or_create = ("partnership", "incident_type", "occurred", "month")

    partnership = factory.SubFactory(PartnershipFactory)
    occurred = factory.Sequence(lambda n: timezone.localdate().replace(day=1, year=2000 + n % 20))
    incident_type = ""
    month = factory.SelfAttribute("occurred")


class DutyShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.DutyShift"

    partnership = factory.SubFactory(PartnershipFactory)
    person = factory.SubFactory(UserFactory)
    role = "duty_officer"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=24))


class AlertListMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.AlertListMember"

    partnership = factory.SubFactory(PartnershipFactory)
    user = factory.SubFactory(UserFactory)


class EscalationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.EscalationPolicy"

    partnership = factory.SubFactory(PartnershipFactory)


class EscalationStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.EscalationStep"

    policy = factory.SubFactory(EscalationPolicyFactory)
    duty_role = "duty_officer"
    after_minutes = 0


class LaunchProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.LaunchProtocol"

    partnership = factory.SubFactory(PartnershipFactory)


class LaunchRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.LaunchRule"

    protocol = factory.SubFactory(LaunchProtocolFactory)
    category = "serious_violence"
    organisation_kind = "police"


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.Alert"

    incident = factory.SubFactory(IncidentFactory, status="alerted")
    partnership = factory.SelfAttribute("incident.partnership")
    how_they_know = "Called by the control room."
    callback_number = "07700 900013"


class AlertStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.AlertStep"

    alert = factory.SubFactory(AlertFactory)
    duty_role = "duty_officer"
    after_minutes = 0


class AlertRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.AlertRecipient"

    step = factory.SubFactory(AlertStepFactory)
    alert = factory.SelfAttribute("step.alert")
    user = factory.SubFactory(UserFactory)
    reason = "On duty"
    token_hash = factory.Sequence(lambda n: f"{n:064d}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Attendance"

    meeting = factory.SubFactory(MeetingFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..meeting.incident.partnership")
    )
    attended = True


class CommunicationsPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communications.CommunicationsPlan"

    incident = factory.SubFactory(IncidentFactory)
    lead_organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership")
    )


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communications.Message"

    incident = factory.SubFactory(IncidentFactory)
    kind = "press"
    title = factory.Sequence(lambda n: f"Statement {n}")
    body = "Partners are working together."
    audience = "Press and public"
    channel = "Council website"
    planned_for = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


class SignOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communications.SignOff"

    message = factory.SubFactory(MessageFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..message.incident.partnership")
    )


class MonitoringNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communications.MonitoringNote"

    incident = factory.SubFactory(IncidentFactory)
    source = "Social media"
    summary = "Posts naming the school."


class TensionReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tension.TensionReading"

    incident = factory.SubFactory(IncidentFactory)
    area = "Northbridge Central"
    area_kind = "ward"
    level = 2
    source = "Neighbourhood policing team"
    confidence = "medium"
    indicators = factory.LazyFunction(lambda: ["social_media"])
    observed_at = factory.LazyFunction(timezone.now)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.Milestone"

    incident = factory.SubFactory(IncidentFactory)
    kind = "trial"
    title = factory.Sequence(lambda n: f"Trial {n}")
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.CalendarFeed"

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"feed{n:060d}")


class SupportOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.SupportOffer"

    person = factory.SubFactory(PersonAffectedFactory)
    kind = "offer"
    description = "Trauma counselling"
    offered_on = factory.LazyFunction(timezone.localdate)


class DebriefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.Debrief"

    incident = factory.SubFactory(IncidentFactory)


class DebriefContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.DebriefContribution"

    debrief = factory.SubFactory(DebriefFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..debrief.incident.partnership")
    )
    went_well = "Partners were told quickly."
    went_badly = "The school heard late."
    to_change = "Tell schools sooner."


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.FollowUpAction"

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Follow-up {n}")
    owner_organisation = factory.SubFactory(
        OrganisationFactory, partnership=factory.SelfAttribute("..incident.partnership")
    )
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "recovery.Lesson"

    partnership = factory.SubFactory(PartnershipFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    detail = "What we learned."


class WardBoundaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.WardBoundary"

    partnership = factory.SubFactory(PartnershipFactory)
    geojson = factory.LazyFunction(lambda: {"type": "FeatureCollection", "features": []})
    file_name = "wards.geojson"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "api.ApiToken"

    user = factory.SubFactory(UserFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Token {n}")
    token_hash = factory.Sequence(lambda n: f"api{n:061d}")
    prefix = factory.Sequence(lambda n: f"p{n:07d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))


class RaisedAlertKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "api.RaisedAlertKey"

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"cad-{n:04d}")
    request_hash = factory.Sequence(lambda n: f"{n:064x}")
    alert = factory.SubFactory(AlertFactory)
    partnership = factory.SelfAttribute("alert.partnership")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookEndpoint"

    partnership = factory.SubFactory(PartnershipFactory)
    url = factory.Sequence(lambda n: f"https://automation.example.org/hook-{n}")
    secret = factory.Sequence(lambda n: f"whsec_test{n}")
    event_types = factory.LazyFunction(lambda: ["incident.categorised"])


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookEvent"

    partnership = factory.SubFactory(PartnershipFactory)
    event_type = "incident.categorised"
    payload = factory.LazyFunction(lambda: {"incident": {"reference": "NB-2026-0001"}})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.WebhookDelivery"

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    event = factory.SubFactory(
        WebhookEventFactory, partnership=factory.SelfAttribute("..endpoint.partnership")
    )


class RegionalIncidentFactory(IncidentFactory):
    """An incident of a partnership that belongs to a region."""

    partnership = factory.SubFactory(PartnershipFactory, region=factory.SubFactory(RegionFactory))


class RegionalShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.RegionalShare"

    incident = factory.SubFactory(RegionalIncidentFactory)
    region = factory.SelfAttribute("incident.partnership.region")


class ShareProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.ShareProposal"

    incident = factory.SubFactory(RegionalIncidentFactory)
    region = factory.SelfAttribute("incident.partnership.region")
    partnership = factory.SubFactory(PartnershipFactory, region=factory.SelfAttribute("..region"))
    reason = "The victim lives in this borough."


class FundRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.FundRules"

    region = factory.SubFactory(RegionFactory)
    limit_per_incident = 5000


class FundApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "regions.FundApplication"

    incident = factory.SubFactory(RegionalIncidentFactory)
    partnership = factory.SelfAttribute("incident.partnership")
    region = factory.SelfAttribute("incident.partnership.region")
    amount_requested = 1200
    purpose = "reassurance"
    pays_for = "Youth workers on the estate for two weekends."
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A text file attached to an incident, stored through the default storage (the test's MEDIA_ROOT)."""

    class Meta:
        model = "attachments.Attachment"

    owner = factory.SubFactory(IncidentFactory)
    partnership = factory.SelfAttribute("owner.partnership")
    file = factory.django.FileField(filename="notes.txt", data=b"CCTV handed over at 14:05.\n")
    name = "notes.txt"
    media_type = "text/plain"
    size = 27
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(b"CCTV handed over at 14:05.\n").hexdigest())
    marking = "OFFICIAL-SENSITIVE"


class StoredFileErasureFactory(factory.django.DjangoModelFactory):
    """A stored file of an erased attachment that the storage has still to delete."""

    class Meta:
        model = "attachments.StoredFileErasure"

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"attachments/1/{n:032x}.txt")
