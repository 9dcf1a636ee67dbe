from django.conf import settings
from django.db import models

from svtoolkit.core.personal_data import LEGAL_OBLIGATION_SECURITY, PersonalData


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    LOCKED_OUT = "locked_out", "Locked out"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    VIEW_SENSITIVE = "view_sensitive", "Viewed sensitive data"
    EXPORT_SENSITIVE = "export_sensitive", "Exported sensitive data"
    ERASE = "erase", "Erased personal data"
    REGIONAL_VIEW = "regional_view", "Viewed by the region"
    # Counted: one entry per client per window, with how many times (see AuditEntry.count).
    TOKEN_REFUSED = "token_refused", "API token refused"
    NOT_FOUND = "not_found", "Asked for an incident not found"
    RATE_LIMITED = "rate_limited", "Refused: too many attempts"


class AppendOnlyError(Exception):
    """Audit entries are written once and never changed or removed."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log cannot be changed.")

    def count_once_more(self, now) -> int:
        """Add one to the count of these counted entries whose window is still open at ``now``; how many were.
        The one change the log allows: nothing else of any entry, and nothing of an entry whose window has
        closed, can change."""
        return models.QuerySet.update(self.filter(counting_until__gt=now), count=models.F("count") + 1)

    def delete(self):
        raise AppendOnlyError("The audit log cannot be deleted from.")


class AuditEntry(models.Model):
    """Who did what, when, to which object. Append-only."""

    personal_data = PersonalData(
        about="People who used svtoolkit and what they did, read or exported.",
        fields=("actor_name", "ip_address", "detail"),
        who_may_see=(
            "The partnership's coordinators (the audit log), and each person for their own subject-access "
            "request."
        ),
        lawful_basis=LEGAL_OBLIGATION_SECURITY,
        retention=(
            "Kept: it is the record of who saw what. It never holds what a person-affected record says, only "
            "that it was read."
        ),
    )

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the entry still names the person if their account is later removed (the actor
    # then becomes empty): their email address (or the address tried, or the job's name) and their name.
    actor_label = models.CharField(max_length=254, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    # Counted entries (failed API tokens, incidents not found, rate-limit refusals) stand for every time the
    # same thing happened from one client until ``counting_until``: one entry per window, not one per request.
    count = models.PositiveIntegerField(default=1)
    counting_until = models.DateTimeField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partnership", "-at"], name="audit_partnership_at")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        what = self.get_action_display() + (f" ({self.count} times)" if self.count > 1 else "")
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {what} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")
