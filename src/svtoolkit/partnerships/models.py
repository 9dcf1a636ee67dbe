from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from svtoolkit.accounts.models import AccessQuerySet
from svtoolkit.core import limits
from svtoolkit.core.models import UpdatedBy, user_field
from svtoolkit.core.personal_data import PUBLIC_TASK, PersonalData
from svtoolkit.partnerships import lawful_bases

# The retention period's bounds: none at all would erase everything the next night, and a period beyond any
# date Python can count to would stop the retention job for every partnership.
FEWEST_RETENTION_YEARS, MOST_RETENTION_YEARS = 1, 25


class Partnership(models.Model):
    """A Community Safety Partnership: the tenant. Everything partners record belongs to one."""

    # Who a change to it concerns (accounts.models.AccessQuerySet): its members.
    ACCESS_OF = "memberships__user"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    area = models.CharField(max_length=200, help_text="The borough or area the partnership covers.")
    reference_prefix = models.CharField(
        max_length=8, unique=True, help_text="Short code that starts the partnership's incident references."
    )
    require_two_factor = models.BooleanField(
        default=False, help_text="Members must set up and use an authenticator app to sign in."
    )
    # Goes up with every save of the two-factor requirement (accounts.services.update_partnership_security).
    two_factor_revision = models.PositiveIntegerField(default=1)
    # Single sign-on (docs/single-sign-on.md): the identity providers (names in settings.SSO_PROVIDERS)
    # whose people may sign in here; the email domains are accounts.SignInDomain.
    sso_providers = models.JSONField(default=list, blank=True)
    accept_identity_provider_mfa = models.BooleanField(
        default=False,
        help_text="A single sign-on that the identity provider says used multi-factor authentication "
        "counts as svtoolkit's two-factor sign-in.",
    )
    # Goes up with every save of the single sign-on settings (accounts.services.update_single_sign_on, the
    # providers, domains and multi-factor choice together, or the admin), so two coordinators saving them at
    # once cannot overwrite each other; a session single sign-on opened ends when it moves.
    revision = models.PositiveIntegerField(default=1)
    personal_data_retention_years = models.PositiveSmallIntegerField(
        default=6,
        help_text="How many years after an incident is closed its people-affected details are kept.",
        validators=[
            MinValueValidator(FEWEST_RETENTION_YEARS, "Keep the details for at least 1 year"),
            MaxValueValidator(MOST_RETENTION_YEARS, "Keep the details for at most 25 years"),
        ],
    )
    # Goes up with every save of the retention period (recovery.retention.services.set_retention_period).
    retention_revision = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A partnership belongs to at most one region (docs/security.md, "What a region may see").
    region = models.ForeignKey(
        "partnerships.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="partnerships"
    )

    # The fields each revision guards, one a settings page (core.admin.MovesRevisions moves only those whose
    # fields an admin save changed): a page of one setting is never refused for a change of another, and a
    # change of the name leaves them all.
    REVISION_GUARDS = {
        "revision": ["sso_providers", "accept_identity_provider_mfa"],
        "two_factor_revision": ["require_two_factor"],
        "retention_revision": ["personal_data_retention_years"],
    }

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    personal_data_retention_years__gte=FEWEST_RETENTION_YEARS,
                    personal_data_retention_years__lte=MOST_RETENTION_YEARS,
                ),
                name="retention_years_in_range",
            )
        ]

    def __str__(self):
        return self.name


class Region(models.Model):
    """A region (a Violence Reduction Unit's area) grouping partnerships, which keep their own records."""

    # Who a change to it concerns (accounts.models.AccessQuerySet): its staff.
    ACCESS_OF = "memberships__user"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RegionRole(models.TextChoices):
    COORDINATOR = "regional_coordinator", "Regional coordinator"
    VIEWER = "regional_viewer", "Regional viewer"


class RegionMembership(models.Model):
    """Someone's role in a region (VRU staff): separate from any partnership membership they hold."""

    # Who a change to it concerns (accounts.models.AccessQuerySet).
    ACCESS_OF = "user"

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_memberships"
    )
    role = models.CharField(max_length=24, choices=RegionRole.choices)
    is_duty_contact = models.BooleanField(
        default=False, help_text="Alerted when a partnership in the region raises or categorises an incident."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["region__name", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["region", "user"], name="one_membership_per_region")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.region})"


class RegionalCategory(models.TextChoices):
    """What a partnership may let its region see of every incident, category by category. That an incident
    exists (its reference and borough) is always seen; people affected never are; free text (title, summary,
    scene descriptions) only for an incident the partnership shares with the region."""

    TYPES = "types", "Incident types"
    CATEGORISATION = "categorisation", "Categorisation (serious violence or not)"
    STATUS = "status", "Status"
    DATES = "dates", "Dates (occurred, notified, closed)"
    PROGRESS = "progress", "Plan progress figures and the first 24 hours"
    AREAS = "areas", "Wards or neighbourhoods of the scenes, and their kinds of place"


# The incident's fields each category opens to the region (access.regional_fields uses these).
REGIONAL_CATEGORY_FIELDS = {
    "existence": frozenset({"reference", "partnership"}),
    RegionalCategory.TYPES: frozenset({"incident_types"}),
    RegionalCategory.CATEGORISATION: frozenset({"serious_violence"}),
    RegionalCategory.STATUS: frozenset({"status"}),
    RegionalCategory.DATES: frozenset({"occurred_at", "notified_at", "closed_at"}),
    RegionalCategory.PROGRESS: frozenset({"progress", "first_day"}),
    RegionalCategory.AREAS: frozenset({"areas"}),
    "free_text": frozenset({"title", "summary", "scenes"}),
}
DEFAULT_REGIONAL_CATEGORIES = [
    RegionalCategory.TYPES,
    RegionalCategory.CATEGORISATION,
    RegionalCategory.STATUS,
    RegionalCategory.DATES,
    RegionalCategory.PROGRESS,
]


def default_regional_categories():
    return [str(category) for category in DEFAULT_REGIONAL_CATEGORIES]


class RegionalSharing(UpdatedBy):
    """A partnership coordinator's choice of what its region sees (no row: the defaults)."""

    partnership = models.OneToOneField(Partnership, on_delete=models.CASCADE, related_name="regional_sharing")
    categories = models.JSONField(default=default_regional_categories, blank=True)
    revision = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"What {self.partnership} shares with its region"


def a_year_from_today():
    return timezone.localdate() + timedelta(days=365)


class ReviewedEntry(models.Model):
    """A directory entry someone owns and checks by a date, so the directory does not go stale.

    ``revision`` goes up with every save; an edit form carries the revision it started from, so two
    people editing the same entry never silently overwrite each other (``core.locking``).
    """

    owner = user_field(blank=True)
    review_due = models.DateField(
        default=a_year_from_today, help_text="When the owner should next check this entry is still right."
    )
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NamedEntry(ReviewedEntry):
    """A directory entry known by its name, unique among the partnership's active entries of its kind
    (``name_unique_in_partnership``); one no longer wanted is made inactive, not deleted, and leaves its name
    free for another."""

    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


def name_unique_in_partnership(entry: str) -> models.UniqueConstraint:
    """One active entry of a kind by each name in a partnership: one taken out of the directory (the row kept
    for the audit log) no longer holds its name."""
    return models.UniqueConstraint(
        fields=["partnership", "name"],
        condition=models.Q(is_active=True),
        name=f"{entry}_name_unique_in_partnership",
    )


class OrganisationKind(models.TextChoices):
    POLICE = "police", "Police"
    BRITISH_TRANSPORT_POLICE = "btp", "British Transport Police"
    FIRE = "fire", "Fire and rescue"
    AMBULANCE = "ambulance", "Ambulance service"
    COUNCIL = "council", "Council"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULTS_SOCIAL_CARE = "adults_social_care", "Adults' social care"
    HEALTH_HOSPITAL = "health_hospital", "Health: hospital"
    HEALTH_GP = "health_gp", "Health: GP"
    HEALTH_PUBLIC = "health_public", "Health: public health"
    PROBATION = "probation", "Probation"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    EDUCATION = "education", "Education"
    # A school or college itself, apart from the council's education service: the schools strand of an
    # incident names the schools attended by those involved, and a launch rule for "education" tells only
    # the education service, not every school in the directory.
    SCHOOL = "school", "School or college"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary or community"
    FAITH = "faith", "Faith group"
    OTHER = "other", "Other"


# The kinds of organisation a school attended by those involved may be (a school, or one listed as education).
SCHOOL_KINDS = frozenset({OrganisationKind.SCHOOL, OrganisationKind.EDUCATION})

# The kinds of organisation whose members may raise incident alerts unless a coordinator says otherwise.
REPORTING_KINDS = frozenset({OrganisationKind.POLICE, OrganisationKind.BRITISH_TRANSPORT_POLICE})

# The organisations that decide police measures at a scene (cordons, s.35 and s.60 authorisations...).
POLICE_KINDS = frozenset({OrganisationKind.POLICE, OrganisationKind.BRITISH_TRANSPORT_POLICE})


class Organisation(NamedEntry):
    """A partner agency as it takes part in one partnership."""

    # Who a change to it concerns (accounts.models.AccessQuerySet): its members.
    ACCESS_OF = "memberships__user"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="organisations")
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    # Its members may raise an incident alert (svtoolkit.alerts): the police by default, set by coordinators.
    may_report_incidents = models.BooleanField(
        default=False, help_text="Its members may raise incident alerts."
    )
    # The partnership's own lead organisation (its council community safety team, say): it takes part in
    # every incident from the start, so the checklist's items for it have an owner at once. One at most.
    leads_partnership = models.BooleanField(
        default=False,
        help_text="The partnership's own lead organisation (its community safety team): it takes part in "
        "every incident from the start.",
    )

    objects = AccessQuerySet.as_manager()

    class Meta(NamedEntry.Meta):
        constraints = [
            name_unique_in_partnership("organisation"),
            models.UniqueConstraint(
                fields=["partnership"],
                condition=models.Q(leads_partnership=True),
                name="one_lead_organisation_per_partnership",
            ),
        ]


class IncidentRole(models.TextChoices):
    SINGLE_POINT_OF_CONTACT = "spoc", "Single point of contact"
    DEPUTY = "deputy", "Deputy"
    NONE = "none", "Other contact"


# What a person types about a contact (the directory's form, the API and the CSV import share it).
ORGANISATION_FIELDS = ("name", "kind", "owner", "review_due", "may_report_incidents", "leads_partnership")
SUPPORT_SERVICE_FIELDS = (
    "name",
    "kind",
    "provider",
    "how_to_refer",
    "availability",
    "capacity_notes",
    "owner",
    "review_due",
)
CONTACT_FIELDS = (
    "name",
    "job_title",
    "email",
    "phone",
    "other_phone",
    "out_of_hours",
    "incident_role",
    "escalation_order",
    "owner",
    "review_due",
)


def contact_key(organisation_id: int, name: str, email: str) -> tuple:
    """What makes two contacts the same person: their organisation, name and email (case aside). One active
    contact per key: the contacts import and the services refuse another."""
    return (organisation_id, name.casefold(), email.casefold())


def already_a_contact(name, organisation) -> str:
    """The refusal of a contact whose key (``contact_key``) is listed already."""
    return f"{name} is already a contact of {organisation}, with this email address"


class Contact(ReviewedEntry):
    """A person at a partner organisation whom the partnership calls on in an incident."""

    personal_data = PersonalData(
        about="Professional contacts in partner organisations.",
        fields=("name", "email", "phone", "other_phone"),
        who_may_see="Members of the partnership.",
        lawful_basis=PUBLIC_TASK,
        retention=(
            "While the contact is in the directory; each entry is reviewed on its review date and removed "
            "when the person moves on."
        ),
    )

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    other_phone = models.CharField(max_length=40, blank=True)
    out_of_hours = models.TextField(
        max_length=limits.SHORT_TEXT,
        blank=True,
        help_text="How to reach them, or their cover, outside office hours.",
    )
    incident_role = models.CharField(max_length=8, choices=IncidentRole.choices, default=IncidentRole.NONE)
    escalation_order = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 is called first when the organisation must be reached."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", models.F("escalation_order").asc(nulls_last=True), "name"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    @property
    def mobile_number(self) -> str:
        """The first of the contact's numbers that can take a text message (a UK mobile), or "". A number
        typed with another script's digits (which ``isdigit`` lets through) is none: Notify cannot text it."""
        for number in (self.phone, self.other_phone):
            digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
            if digits.isascii() and digits.startswith(("07", "+447", "447")):
                return digits
        return ""


class SupportServiceKind(models.TextChoices):
    VICTIM_SUPPORT = "victim_support", "Victim support"
    BEREAVEMENT = "bereavement", "Bereavement support"
    TRAUMA = "trauma", "Trauma and therapeutic support"
    DETACHED_YOUTH_WORK = "detached_youth_work", "Detached youth work"
    MEDIATION = "mediation", "Mediation"
    CCTV = "cctv", "CCTV control room"
    HOSPITAL_VIOLENCE_REDUCTION = "hospital_vrt", "Hospital violence-reduction team"
    SCHOOLS_CRITICAL_INCIDENT = "schools_critical_incident", "Schools' critical-incident support"
    OTHER = "other", "Other"


class SupportService(NamedEntry):
    """A service partners can refer people to, or call on, after an incident."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="support_services")
    kind = models.CharField(max_length=32, choices=SupportServiceKind.choices)
    provider = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="support_services"
    )
    how_to_refer = models.TextField(max_length=limits.SUMMARY)
    availability = models.TextField(
        max_length=limits.SHORT_TEXT, blank=True, help_text="Hours, and how to reach it out of hours."
    )
    capacity_notes = models.TextField(max_length=limits.SHORT_TEXT, blank=True)

    class Meta(NamedEntry.Meta):
        constraints = [name_unique_in_partnership("support_service")]


class LawfulBasisFields(models.Model):
    """The lawful basis relied on, as three separate fields whose choices come from data/lawful_bases.toml."""

    article6_basis = models.CharField(
        "UK GDPR Article 6 basis", max_length=32, choices=lawful_bases.article6_choices
    )
    article9_condition = models.CharField(
        "Article 9 / Schedule 1 condition",
        max_length=32,
        blank=True,
        choices=lawful_bases.article9_choices,
        help_text="Needed when special category data (health, for example) is covered.",
    )
    gateway = models.CharField("Gateway", max_length=32, blank=True, choices=lawful_bases.gateway_choices)

    class Meta:
        abstract = True


# What a coordinator types about an information-sharing agreement (its form and services share it).
SHARING_AGREEMENT_FIELDS = (
    "name",
    "parties",
    "purpose",
    "data_covered",
    "article6_basis",
    "article9_condition",
    "gateway",
    "owner",
    "review_due",
)


NO_AGREEMENT_PARTIES = "Choose the organisations that are party to the agreement."


class SharingAgreement(NamedEntry, LawfulBasisFields):
    """An information-sharing agreement of the partnership: who shares what, why and under which basis.

    Reviewed by a date like every directory entry, so one past its review joins the review reminders."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="sharing_agreements")
    parties = models.ManyToManyField(Organisation, related_name="sharing_agreements")
    purpose = models.TextField(max_length=limits.SUMMARY)
    data_covered = models.TextField(max_length=limits.SUMMARY)

    class Meta(NamedEntry.Meta):
        constraints = [name_unique_in_partnership("sharing_agreement")]

    def is_overdue(self, today=None) -> bool:
        """Past its review date: a disclosure relying on it is flagged until it is reviewed."""
        return self.review_due < (today or timezone.localdate())


class ContactImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    CHECKING = "checking", "Checking the rows"
    SAVING = "saving", "Saving the contacts"
    DONE = "done", "Imported"
    REFUSED = "refused", "Nothing imported: rows have problems"
    FAILED = "failed", "Nothing imported: the import stopped"


FINISHED_IMPORT = {ContactImportStatus.DONE, ContactImportStatus.REFUSED, ContactImportStatus.FAILED}


class ContactImport(models.Model):
    """A large contacts CSV file imported by the task worker: its progress and result, shown on a page.

    The file's text is kept only until the import finishes; the problems found are kept so the page can list
    them by line."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="contact_imports")
    uploaded_by = user_field()
    file_name = models.CharField(max_length=255)
    content = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ContactImportStatus.choices, default=ContactImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField()
    rows_checked = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="[line, [problem, ...]] for each bad row."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Import of {self.file_name} into {self.partnership}"

    @property
    def finished(self) -> bool:
        return self.status in {
            ContactImportStatus.DONE,
            ContactImportStatus.REFUSED,
            ContactImportStatus.FAILED,
        }

    @property
    def percent(self) -> int:
        """How far it has gone: checking the rows is most of the work, saving them the rest."""
        if self.status == ContactImportStatus.DONE:
            return 100
        if self.status == ContactImportStatus.SAVING:
            return 90
        return 90 * self.rows_checked // max(self.total_rows, 1)
