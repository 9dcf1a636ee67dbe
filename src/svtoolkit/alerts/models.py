"""The duty rota, incident alerts with acknowledgement and escalation, and the launch protocol.

An alert is raised with a new incident; it goes at once to the duty officer on shift and the partnership's
alert list, and further up the escalation policy (deputy, then senior manager) until someone acknowledges it.
Each escalation step is claimed by a row of its own (one per alert and duty role), so two runs of the
escalation at once alert each step once.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, UpdatedBy, user_field


class DutyRole(models.TextChoices):
    DUTY_OFFICER = "duty_officer", "Duty officer"
    DEPUTY = "deputy", "Deputy duty officer"
    SENIOR_MANAGER = "senior_manager", "Senior manager (gold)"


class DutyShift(CreatedBy):
    """Someone on duty in one role from one time to another (overnight shifts simply span midnight).

    A cover stands in for part of another shift (``covers``); while it runs, its person is on duty instead.
    A handover ends a shift early and starts a new one for the person taking over (``handed_over_from``).
    """

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="duty_shifts"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts")
    role = models.CharField(max_length=16, choices=DutyRole.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    out_of_hours_number = models.CharField(max_length=40, blank=True)
    note = models.TextField(
        max_length=limits.SHORT_TEXT,
        blank=True,
        help_text="Why this cover or handover, or what the next person needs.",
    )
    covers = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="covered_by"
    )
    handed_over_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="handed_over_to"
    )
    # Goes up with every handover, so a handover from a page that showed the shift before another is refused.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "role", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_it_starts")
        ]
        indexes = [models.Index(fields=["partnership", "role", "ends_at"], name="shift_by_end")]

    def __str__(self):
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.person} as {self.get_role_display().lower()}, {start:%d %b %H:%M} to {end:%d %b %H:%M}"

    @property
    def is_cover(self) -> bool:
        return self.covers_id is not None


class AlertListMember(models.Model):
    """Someone who gets every alert of the partnership, whoever is on duty."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = user_field()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "user"], name="on_alert_list_once")]

    def __str__(self):
        return f"{self.user} on the alert list of {self.partnership}"


class EscalationPolicy(UpdatedBy):
    """A partnership's own escalation policy; a partnership without one uses the shipped default."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="escalation_policy"
    )
    # Goes up with every save, so two people changing the policy at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "escalation policies"

    def __str__(self):
        return f"Escalation policy of {self.partnership}"


class EscalationStep(models.Model):
    """Who in the rota is alerted how many minutes after an alert that no one has acknowledged."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    duty_role = models.CharField(max_length=16, choices=DutyRole.choices)
    after_minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["after_minutes", "duty_role"]
        constraints = [models.UniqueConstraint(fields=["policy", "duty_role"], name="one_step_per_duty_role")]

    def __str__(self):
        return f"{self.get_duty_role_display()} after {self.after_minutes} minutes"


class LaunchProtocol(UpdatedBy):
    """A partnership's own launch protocol; a partnership without one uses the shipped default."""

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="launch_protocol"
    )

    def __str__(self):
        return f"Launch protocol of {self.partnership}"


class LaunchRule(models.Model):
    """When an incident is categorised into ``category`` ("any": whatever the category), inform the
    organisations of one kind, or one organisation."""

    protocol = models.ForeignKey(LaunchProtocol, on_delete=models.CASCADE, related_name="rules")
    category = models.CharField(max_length=32)
    organisation_kind = models.CharField(max_length=32, blank=True)
    organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["category", "organisation_kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation_kind="") & Q(organisation__isnull=False))
                | (~Q(organisation_kind="") & Q(organisation__isnull=True)),
                name="launch_rule_names_a_kind_or_an_organisation",
            )
        ]

    def __str__(self):
        return f"{self.category}: {self.organisation or self.organisation_kind}"


class Alert(models.Model):
    """An incident alert: the short report that started an incident, and who has taken it up."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="alert")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    raised_by = user_field()
    raised_at = models.DateTimeField(default=timezone.now)
    reporter_organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    how_they_know = models.TextField(max_length=limits.SHORT_TEXT)
    callback_number = models.CharField(max_length=40)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = user_field(blank=True)
    lead_accepted_at = models.DateTimeField(null=True, blank=True)
    lead_accepted_by = user_field(blank=True)
    # An escalation step that failed is tried again each minute; until one goes through, the alert panel says
    # so, instead of a next step whose time has gone by. Cleared by the step that goes through.
    escalation_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last escalation attempt failed."
    )
    escalation_failures = models.PositiveIntegerField(
        default=0, help_text="How many escalation attempts in a row have failed."
    )
    escalation_error = models.CharField(
        max_length=100,
        blank=True,
        help_text="The kind of error the last attempt met: its name alone, as its message may name people.",
    )
    # Partners hear within the hour of an alert; whoever took it is reminded once if they have not been told
    # three quarters of an hour on. The time is set before the reminder is queued: it is the claim.
    partners_reminder_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When those who took the alert were reminded the partners were not told.",
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        # The escalation run reads the alerts still waiting for someone, newest first.
        indexes = [models.Index(fields=["acknowledged_at", "raised_at"], name="alert_waiting")]

    def __str__(self):
        return f"Alert for {self.incident.reference}"


class AlertStep(models.Model):
    """One step of the escalation policy, taken for one alert. Unique per alert and duty role: the row is the
    claim, so a step is taken once however many escalation runs overlap."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="steps")
    duty_role = models.CharField(max_length=16, choices=DutyRole.choices)
    after_minutes = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)
    # What happened when nobody could be alerted at this step (no one on the rota, say), and how late it was
    # taken when attempts before it failed.
    note = models.TextField(blank=True)
    # Alerting whoever came on duty in this role after the step is tried again each minute when it fails;
    # until it goes through, the alert panel says they have not been alerted. Kept apart from the alert's
    # escalation failures, which are a step's own and say how late it was taken.
    came_on_duty_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last attempt to alert whoever came on duty failed."
    )
    came_on_duty_failures = models.PositiveIntegerField(
        default=0, help_text="How many attempts in a row to alert whoever came on duty have failed."
    )
    came_on_duty_error = models.CharField(
        max_length=100,
        blank=True,
        help_text="The kind of error the last attempt met: its name alone, as its message may name people.",
    )

    class Meta:
        ordering = ["alert", "after_minutes", "id"]
        constraints = [models.UniqueConstraint(fields=["alert", "duty_role"], name="alert_step_once")]

    def __str__(self):
        return f"{self.alert}: {self.get_duty_role_display()} after {self.after_minutes} minutes"


class AlertRecipient(models.Model):
    """Someone an alert went to, with their own acknowledgement link (only its hash is kept)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    step = models.ForeignKey(AlertStep, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(
        max_length=80, help_text="Why they were alerted: their duty role, the alert list."
    )
    notified_at = models.DateTimeField(default=timezone.now)
    notification = models.ForeignKey(
        "messaging.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["alert", "notified_at", "id"]
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alerted_once_per_alert")]

    def __str__(self):
        return f"{self.user} alerted for {self.alert.incident.reference}"
