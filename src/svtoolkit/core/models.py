from django.conf import settings
from django.db import models
from django.db.models.functions import Now


def user_field(*, blank: bool = False) -> models.ForeignKey:
    """A person named on a record: who made, decided or shared it, who owns or chairs it. The person may
    leave: the record stays, naming no one."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=blank, related_name="+"
    )


class CreatedBy(models.Model):
    """Who made a record and when. The person may leave: the record stays, naming no one."""

    created_by = user_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class PlannedEventStatus(models.TextChoices):
    """Where a planned gathering stands (a meeting, an exercise): planned, then held or cancelled."""

    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class UpdatedBy(models.Model):
    """Who last changed a record (a setting or a policy) and when."""

    updated_by = user_field(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ScheduledRun(models.Model):
    """One due time ("slot") of a scheduled job, claimed by the worker that queued it.

    The unique (job, slot) pair is what makes a scheduled job run once however many workers are running:
    each worker tries to insert the row before it queues the task, and only the one whose insert succeeds
    queues it.
    """

    job = models.CharField(max_length=200)
    slot = models.DateTimeField(help_text="The time the job was due, from its schedule.")
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=200, help_text="The worker that queued it: host and process.")
    task_result_id = models.CharField(
        max_length=64, blank=True, help_text="The queued task, to follow it in the task results."
    )
    attempts = models.PositiveSmallIntegerField(
        default=1, help_text="How many times the slot's task was queued: a run that failed is queued again."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]
        ordering = ["-slot", "job"]

    def __str__(self):
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M %Z}"


class Submission(models.Model):
    """A form sent once: its one-time key (from ``{% submission_key %}``) and where its first sending led.

    The unique (user, key) pair is what makes a double submit harmless: the second sending of the same form
    waits for the first and is answered with the first's result instead of doing the work again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32)
    location = models.CharField(max_length=2000, help_text="Where the first sending led (its redirect).")
    by_htmx = models.BooleanField(default=False, help_text="The first sending was answered with HX-Redirect.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submission_sent_once")]

    def __str__(self):
        return f"Form {self.key} sent by {self.user_id}"


class Change(models.Model):
    """A change to a row some page shows, appended by the database's own triggers (``core.changes``): the
    incident the row belongs to, or none when it belongs to no one incident, and its table (none for a change
    logged before changes named their table, or a migrate's: a change to every table). No foreign key: the
    log outlives what it names, and appending to it locks nothing."""

    incident_id = models.BigIntegerField(null=True)
    table_name = models.CharField(max_length=63, null=True)  # noqa: DJ001 (none, unlike "", is every table)
    at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["incident_id", "table_name", "id"], name="change_incident_table_newest")
        ]

    def __str__(self):
        return f"Change {self.pk} to incident {self.incident_id}"
