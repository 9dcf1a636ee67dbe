"""The critical-incident fund: a region's small fund that a partnership draws on during a response.

A partnership applies from an incident; the region approves, part-approves or declines (with reasons); the
partnership then records what was spent and what came of it. An application still open when the partnership
moves region goes to the new region's fund (withdrawn, saying why, if it leaves every region); those decided
stay with the region that decided them. Each region sets its fund's rules
(``FundRules``); without them the limit per incident is ``settings.REGION_FUND_LIMIT_PER_INCIDENT``. Amounts
are whole pounds.
"""

from django.db import models

from svtoolkit.core import limits
from svtoolkit.core.models import UpdatedBy, user_field


class FundPurpose(models.TextChoices):
    REASSURANCE = "reassurance", "Community reassurance and engagement"
    SUPPORT = "support", "Support for victims, families and witnesses"
    DIVERSION = "diversion", "Diversionary and youth activity"
    SAFETY = "safety", "Safety and security measures"
    EDUCATION = "education", "Schools and education settings"
    OTHER = "other", "Something else"


class FundStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    PART_APPROVED = "part_approved", "Part-approved"
    DECLINED = "declined", "Declined"
    SPENT = "spent", "Spend recorded"
    # Left undecided when the borough left every region: no fund is there to decide it.
    WITHDRAWN = "withdrawn", "Withdrawn"


class FundOutcome(models.TextChoices):
    ACHIEVED = "achieved", "Achieved what it was for"
    PARTLY = "partly", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Did not achieve it"


class FundRules(UpdatedBy):
    """A region's rules for its fund (no row: the default limit, the fund open)."""

    region = models.OneToOneField("partnerships.Region", on_delete=models.CASCADE, related_name="fund_rules")
    limit_per_incident = models.PositiveIntegerField(
        help_text="The most granted for one incident, in pounds."
    )
    is_open = models.BooleanField(default=True)
    guidance = models.TextField(max_length=limits.SUMMARY, blank=True)
    revision = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"The fund rules of {self.region}"


class FundApplication(models.Model):
    """One partnership's application to its region's fund for one incident, and what became of it."""

    region = models.ForeignKey(
        "partnerships.Region", on_delete=models.PROTECT, related_name="fund_applications"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="fund_applications"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="fund_applications"
    )
    amount_requested = models.PositiveIntegerField()
    purpose = models.CharField(max_length=16, choices=FundPurpose.choices)
    pays_for = models.TextField(max_length=limits.SHORT_TEXT)
    needed_by = models.DateField()
    applied_by = user_field()
    applied_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=FundStatus.choices, default=FundStatus.APPLIED)
    amount_approved = models.PositiveIntegerField(null=True, blank=True)
    decision_reasons = models.TextField(max_length=limits.SHORT_TEXT, blank=True)
    decided_by = user_field(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    amount_spent = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=FundOutcome.choices, blank=True)
    outcome_note = models.TextField(max_length=limits.SHORT_TEXT, blank=True)
    spend_recorded_by = user_field(blank=True)
    spend_recorded_at = models.DateTimeField(null=True, blank=True)
    # The region it was sent to first, when it was still open as the borough moved to another region.
    moved_from = models.ForeignKey(
        "partnerships.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-applied_at", "-id"]
        indexes = [models.Index(fields=["region", "status", "-applied_at"], name="fund_queue")]

    def __str__(self):
        return f"£{self.amount_requested} for {self.incident.reference}"
