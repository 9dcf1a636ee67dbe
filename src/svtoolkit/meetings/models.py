from datetime import timedelta

from django.db import models
from django.utils import timezone

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, PlannedEventStatus, user_field


class MeetingKind(models.TextChoices):
    CRITICAL_INCIDENT = "critical_incident", "Critical-incident meeting"
    KEY_PARTNERS = "key_partners", "Key partners meeting"
    REVIEW = "review", "Review meeting"
    RECOVERY = "recovery", "Recovery meeting"


# Planned, then held or cancelled: the same lifecycle as an exercise's, so the same enumeration.
MeetingStatus = PlannedEventStatus


class Meeting(CreatedBy):
    """Partners round the table about one incident; the agenda is drafted from the incident's state."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    place = models.CharField(max_length=200, blank=True)
    online_link = models.URLField(max_length=limits.LINK, blank=True)
    chair = user_field()
    invited_organisations = models.ManyToManyField("partnerships.Organisation", related_name="+")
    agenda = models.TextField(max_length=limits.LONG_TEXT)
    minutes = models.TextField(max_length=limits.LONG_TEXT, blank=True)
    cancelled_reason = models.TextField(max_length=limits.SHORT_TEXT, blank=True)
    # Cancelled once its time had passed: nobody was told it was off, it simply did not happen.
    did_not_take_place = models.BooleanField(default=False)
    # Goes up when the meeting is cancelled, so calendar apps take the later .ics over the invitation.
    sequence = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    # Meetings scheduled together as a series that steps down (daily, then weekly) share a series number.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    uid = models.UUIDField(unique=True, help_text="The calendar identity of the meeting (.ics UID).")

    class Meta:
        ordering = ["incident", "starts_at"]

    def __str__(self):
        return f"{self.get_kind_display()}, {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    @property
    def status_label(self) -> str:
        """Its status as the pages say it: a meeting cancelled after its time "did not take place"."""
        if self.status == MeetingStatus.CANCELLED and self.did_not_take_place:
            return "Did not take place"
        return self.get_status_display()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def is_over(self) -> bool:
        """Its time has passed: no longer to be cancelled (nobody is told of a meeting already past), only
        recorded as held or as not having taken place."""
        return self.starts_at + timedelta(minutes=self.duration_minutes) <= timezone.now()


class Attendance(models.Model):
    """Who came from an organisation (or that nobody did)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField()

    class Meta:
        ordering = ["meeting", "organisation__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "organisation"], name="attendance_once")]

    def __str__(self):
        return f"{self.organisation}: {'attended' if self.attended else 'absent'}"
