from django.db import models
from django.utils import timezone

from svtoolkit.core import limits
from svtoolkit.core.models import user_field
from svtoolkit.tension.scale import scale


class AreaKind(models.TextChoices):
    WARD = "ward", "Ward"
    ESTATE = "estate", "Estate"
    SCHOOL = "school", "School"
    TRANSPORT_HUB = "transport_hub", "Transport hub"
    OTHER = "other", "Other"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class TensionReading(models.Model):
    """How tense one area is, at one time, on the scale in data/scale.toml, and what shows it."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="tension_readings"
    )
    area = models.CharField(max_length=120)
    area_kind = models.CharField(max_length=16, choices=AreaKind.choices)
    level = models.PositiveSmallIntegerField()
    indicators = models.JSONField(default=list)
    source = models.CharField(max_length=200)
    confidence = models.CharField(max_length=8, choices=Confidence.choices)
    notes = models.TextField(max_length=limits.SUMMARY, blank=True)
    observed_at = models.DateTimeField()
    recorded_by = user_field()

    class Meta:
        ordering = ["incident", "area", "observed_at", "id"]
        indexes = [models.Index(fields=["incident", "area", "observed_at"], name="tension_by_area")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="tension_level_1_to_5"
            )
        ]

    def __str__(self):
        return f"{self.area}: {self.level} at {timezone.localtime(self.observed_at):%d %b %H:%M}"

    @staticmethod
    def alert_level() -> int:
        """The level from which a reading is an alert (data/scale.toml): the running totals of the incidents
        app count the readings at or above it through the incident's relation, without importing this app."""
        return scale()["alert_at"]
