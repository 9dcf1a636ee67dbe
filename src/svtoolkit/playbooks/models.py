from django.db import models

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, PlannedEventStatus, user_field
from svtoolkit.partnerships.models import OrganisationKind


class Phase(models.TextChoices):
    BEFORE = "before", "Before an incident"
    DURING = "during", "During an incident"
    AFTER = "after", "After an incident"


# The timing of the before phase's items: due before any incident, so drawn into no plan.
PREPARATION = "preparation"


def timing_suits_phase(timing: str, phase: str) -> bool:
    """'preparation' timing is for the before phase, and only for it: an item of the response timed so would
    be due the moment the partnership was told. The rule of the shipped checklist and of every edit to one."""
    return (timing == PREPARATION) == (phase == Phase.BEFORE)


class CompletingEvent(models.TextChoices):
    """Things the app itself records that complete a checklist item (an item's ``completed_by``)."""

    INCIDENT_RECORDED = "incident_recorded", "The incident is recorded"
    PLAN_DRAWN = "plan_drawn", "The plan is drawn"
    CATEGORISED = "categorised", "The incident is categorised"
    LEAD_NAMED = "lead_named", "The lead is named"
    PARTNERS_INFORMED = "partners_informed", "Partners are informed"
    MEETING_HELD = "meeting_held", "A meeting's outcome is recorded"
    COMMUNICATIONS_LEAD_AGREED = "communications_lead_agreed", "The communications lead is agreed"
    TENSION_READING_TAKEN = "tension_reading_taken", "A tension reading is taken"
    # The partners' strands (incidents/strands/): each completes the item whose record it is.
    VISITORS_AGREED = "visitors_agreed", "The ward's visitor arrangements are recorded"
    DISCHARGE_PLAN_AGREED = "discharge_plan_agreed", "A discharge plan is agreed with partners"
    VIOLENCE_REDUCTION_TEAM_INFORMED = (
        "violence_reduction_team_informed",
        "The hospital's violence-reduction team is informed",
    )
    SAFEGUARDING_LEAD_INFORMED = "safeguarding_lead_informed", "A school's safeguarding lead is informed"
    SCHOOL_PLAN_STARTED = "school_plan_started", "A school's critical-incident plan is started"
    SCHOOL_SUPPORT_OFFERED = "school_support_offered", "Support is offered to a school's pupils and staff"
    SAFEGUARDING_REFERRAL_MADE = (
        "safeguarding_referral_made",
        "A child is referred to the MASH or risk meeting",
    )
    PEOPLE_AT_RISK_MAPPED = "people_at_risk_mapped", "People at risk are mapped"


class Playbook(models.Model):
    """A partnership's incident checklist, adapted from svtoolkit's default and kept in versions."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="playbook"
    )
    name = models.CharField(max_length=200)
    source_edition = models.CharField(
        max_length=40, help_text="The edition of the default it was copied from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The revision the last discarded draft had reached: a new draft's revisions start above it and above
    # every kept version's, so a publish page opened on an earlier draft never matches a later one.
    discarded_draft_revision = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PlaybookVersion(CreatedBy):
    """One version of a playbook. A published version never changes: incidents keep the one they used."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    # The vocabularies (incident types, categories, timings) this version's items use.
    vocabularies = models.JSONField()
    change_note = models.TextField(max_length=limits.SHORT_TEXT, blank=True)
    published_by = user_field(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Goes up with every change to the draft's items, so publishing publishes the draft its page showed.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["playbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="playbook_version_number_unique"),
            models.UniqueConstraint(
                fields=["playbook"], condition=models.Q(status="draft"), name="one_draft_per_playbook"
            ),
        ]

    def __str__(self):
        return f"{self.playbook} version {self.number} ({self.get_status_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Area(models.Model):
    """An area of the checklist (incident reporting, communications, ...) within one version."""

    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="areas")
    key = models.SlugField(max_length=60)
    phase = models.CharField(max_length=8, choices=Phase.choices)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    summary = models.TextField(max_length=limits.SUMMARY, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="area_key_unique_in_version")]

    def __str__(self):
        return self.title


class Item(models.Model):
    """One thing to do or have ready. ``key`` stays the same across versions, so versions can be compared."""

    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="items")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=200)
    guidance = models.TextField(max_length=limits.SUMMARY, blank=True)
    owner_kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    default_organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_contact = models.ForeignKey(
        "partnerships.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    timing = models.CharField(max_length=32)
    incident_types = models.JSONField(default=list, blank=True, help_text="Empty: every type.")
    categories = models.JSONField(default=list, blank=True, help_text="Empty: whatever the categorisation.")
    essential = models.BooleanField(default=False)
    # What the app records that completes this item by itself (the plan's action ticks itself off).
    completed_by = models.CharField(max_length=40, choices=CompletingEvent.choices, blank=True)
    retired = models.BooleanField(default=False)
    # Which lesson from an incident led to this wording, kept across versions so readiness shows why.
    lesson_reference = models.CharField(max_length=300, blank=True)
    # Goes up with every edit, so two coordinators editing one draft item cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["version", "area__position", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="item_key_unique_in_version")]

    def __str__(self):
        return self.action

    def applies_to(self, *, incident_types: set[str], categories: set[str]) -> bool:
        """Whether this item belongs in the response plan of an incident of these types and categories."""
        if self.retired:
            return False
        if self.incident_types and not incident_types.intersection(self.incident_types):
            return False
        return not self.categories or bool(categories.intersection(self.categories))


class ReadinessStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    READY = "ready", "Ready"


class ReadinessAssessment(models.Model):
    """The checklist used as a planning tool on one date: how ready the partnership is, item by item."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="readiness_assessments"
    )
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    started_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-assessed_on", "-id"]

    def __str__(self):
        return f"Readiness assessment of {self.assessed_on:%d %B %Y}"


class ReadinessRating(models.Model):
    """How ready one checklist item is: an agreed process, a named owner and the resource in place."""

    assessment = models.ForeignKey(ReadinessAssessment, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="ratings")
    status = models.CharField(
        max_length=12, choices=ReadinessStatus.choices, default=ReadinessStatus.NOT_STARTED
    )
    evidence = models.TextField(max_length=limits.SUMMARY, blank=True)
    next_step = models.TextField(max_length=limits.SUMMARY, blank=True)
    owner = user_field(blank=True)
    target_date = models.DateField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assessment", "item__area__position", "item__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="one_rating_per_item")]

    def __str__(self):
        return f"{self.item}: {self.get_status_display()}"


# Planned, then held or cancelled: the same lifecycle as a meeting's, so the same enumeration.
ExerciseStatus = PlannedEventStatus


class Exercise(CreatedBy):
    """A rehearsal (tabletop or live) of the response, run from a published checklist version.

    Incidents recorded as part of it are marked as exercises wherever they appear.
    """

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="exercises"
    )
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="exercises")
    title = models.CharField(max_length=200)
    scenario = models.TextField(max_length=limits.LONG_TEXT)
    incident_types = models.JSONField(default=list)
    categories = models.JSONField(default=list, blank=True)
    planned_for = models.DateField()
    organisations = models.ManyToManyField("partnerships.Organisation", related_name="exercises", blank=True)
    status = models.CharField(max_length=10, choices=ExerciseStatus.choices, default=ExerciseStatus.PLANNED)

    class Meta:
        ordering = ["partnership", "-planned_for"]

    def __str__(self):
        return f"Exercise: {self.title}"
