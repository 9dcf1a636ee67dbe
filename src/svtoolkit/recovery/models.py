import hashlib

from django.conf import settings
from django.db import models


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
    OTHER = "other", "Other"


class Milestone(models.Model):
    """A dated moment after an incident that partners plan for: tension and grief can rise again around it."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=24, choices=MilestoneKind.choices)
    title = models.CharField(max_length=200)
    date = models.DateField()
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

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

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
