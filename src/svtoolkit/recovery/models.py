from django.conf import settings
from django.db import models
from django.utils import timezone

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, user_field
from svtoolkit.core.personal_data import ERASED_WITH_PEOPLE, NEED_TO_KNOW_ONLY, PersonalData


class MilestoneKind(models.TextChoices):
    ANNIVERSARY = "anniversary", "Anniversary"
    COURT = "court", "Court hearing"
    TRIAL = "trial", "Trial"
    INQUEST = "inquest", "Inquest"
    INVESTIGATION_OUTCOME = "investigation_outcome", "Investigation outcome"
    DOMESTIC_HOMICIDE_REVIEW = "dhr", "Publication of a domestic homicide review"
    CHILD_SAFEGUARDING_REVIEW = "cspr", "Publication of a child safeguarding practice review"
    SAFEGUARDING_ADULTS_REVIEW = "sar", "Publication of a safeguarding adults review"
    COMMUNITY_EVENT = "community_event", "Community event"
    MEMORIAL = "memorial", "Memorial"
    FUNERAL = "funeral", "Funeral"
    OTHER = "other", "Other"


class Milestone(CreatedBy):
    """A dated moment after an incident that partners plan for: tension and grief can rise again around it."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=24, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    date = models.DateField()
    notes = models.TextField(max_length=limits.SUMMARY, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    # Goes up with every change, so two people changing one date cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    # When it was last added or changed: calendar feeds send it, so a subscribed calendar takes a moved date.
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["incident", "date"], name="milestone_by_date")]

    def __str__(self):
        return f"{self.title} ({self.date:%d %b %Y})"


class CalendarFeed(models.Model):
    """A secret calendar (.ics) link to the milestones its owner may see; only the secret's hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Calendar feed of {self.user}"


# --- Support for those affected (need-to-know) -----------------------------------------------------------


class SupportKind(models.TextChoices):
    OFFER = "offer", "Support offered"
    REFERRAL = "referral", "Referral"


class SupportResponse(models.TextChoices):
    AWAITING = "awaiting", "Waiting for an answer"
    TAKEN_UP = "taken_up", "Taken up"
    DECLINED = "declined", "Declined"
    ENDED = "ended", "Ended"


class SupportOffer(CreatedBy):
    """Support offered to someone affected, or a referral made for them, and what came of it."""

    personal_data = PersonalData(
        about="Support offered to a person affected, and referrals made for them.",
        fields=("description", "outcome"),
        special_category="May reveal health (as the person-affected record).",
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis="As the person-affected record it belongs to.",
        retention=ERASED_WITH_PEOPLE,
    )

    person = models.ForeignKey(
        "incidents.PersonAffected", on_delete=models.CASCADE, related_name="support_offers"
    )
    kind = models.CharField(max_length=10, choices=SupportKind.choices)
    support_service = models.ForeignKey(
        "partnerships.SupportService", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=200)
    offered_by = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offered_on = models.DateField()
    response = models.CharField(
        max_length=10, choices=SupportResponse.choices, default=SupportResponse.AWAITING
    )
    outcome = models.TextField(max_length=limits.SUMMARY, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    follow_up_reminded_on = models.DateField(null=True, blank=True)
    # A referral's entry in the disclosure log, which names who received the person's details.
    disclosure = models.OneToOneField(
        "incidents.Disclosure", on_delete=models.SET_NULL, null=True, blank=True, related_name="support_offer"
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["person", "offered_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.person}"


# --- Review and lessons --------------------------------------------------------------------------------


class Debrief(models.Model):
    """The structured review after the response. Closing the incident waits for it to be completed."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="debrief")
    held_on = models.DateField(null=True, blank=True)
    summary = models.TextField(max_length=limits.LONG_TEXT, blank=True)
    started_by = user_field()
    started_at = models.DateTimeField(auto_now_add=True)
    completed_by = user_field(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Review of {self.incident.reference}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class DebriefContribution(models.Model):
    """One partner organisation's view of the response: what went well, what did not, what to change."""

    debrief = models.ForeignKey(Debrief, on_delete=models.CASCADE, related_name="contributions")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    went_well = models.TextField(max_length=limits.LONG_TEXT)
    went_badly = models.TextField(max_length=limits.LONG_TEXT)
    to_change = models.TextField(max_length=limits.LONG_TEXT)
    written_by = user_field()
    updated_at = models.DateTimeField(auto_now=True)
    # Goes up with every save, so two people of one organisation cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["debrief", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["debrief", "organisation"], name="one_contribution_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.organisation} on {self.debrief}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class FollowUpAction(CreatedBy):
    """Something the review asked for, tracked after the incident is closed."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=200)
    owner_organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "status", "due_on", "id"]

    def __str__(self):
        return self.title


class LessonStatus(models.TextChoices):
    NOTED = "noted", "Noted"
    PROPOSED = "proposed", "Change proposed"
    ACCEPTED = "accepted", "Accepted into the checklist"
    DECLINED = "declined", "Change declined"


class Lesson(CreatedBy):
    """Something learned from an incident; it may propose new wording for one checklist item."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    detail = models.TextField(max_length=limits.SUMMARY)
    # The checklist item (by its key, which stays the same across versions) the lesson would change.
    item_key = models.SlugField(max_length=80, blank=True)
    proposed_action = models.CharField(max_length=200, blank=True)
    proposed_guidance = models.TextField(max_length=limits.SUMMARY, blank=True)
    status = models.CharField(max_length=10, choices=LessonStatus.choices, default=LessonStatus.NOTED)
    accepted_into = models.ForeignKey(
        "playbooks.PlaybookVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = user_field(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=limits.SHORT_TEXT, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["partnership", "number"], name="lesson_number_unique")]

    def __str__(self):
        return f"Lesson {self.number}: {self.title}"

    @property
    def draft_discarded(self) -> bool:
        """Accepted into a checklist draft that was later discarded: in no checklist, and awaiting a decision
        again (``review.selectors.awaiting_decision``); its decision note is the earlier decision's."""
        return self.status == LessonStatus.ACCEPTED and self.accepted_into_id is None

    @property
    def shown_status(self) -> LessonStatus:
        """The status as pages show it: a lesson whose draft was discarded has its change proposed again."""
        if self.draft_discarded:
            return LessonStatus.PROPOSED
        return LessonStatus(self.status)
