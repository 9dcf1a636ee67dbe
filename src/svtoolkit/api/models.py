from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A personal token for the REST API, working in one partnership as its owner.

    Only a hash of the secret is kept: the owner sees the secret once, when it is created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100, help_text="What the token is for, so its owner recognises it.")
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown in the list so the owner can tell tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Chosen by the owner when making it (90 days unless they choose otherwise); after it, it is refused.
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"API token “{self.name}” of {self.user}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class RaisedAlertKey(models.Model):
    """The ``Idempotency-Key`` a client sent with an alert, and the alert it raised: the same key sent again
    (the client's request timed out after the alert was raised, and it tries again) is answered with that
    alert instead of raising it, and texting the duty officer, a second time. A key is the client's in one
    partnership: one police system sending an incident on a border to two boroughs, with its own reference
    as the key, raises an alert in each."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # A hash of what was asked for: the same key with another alert is refused, not answered with the first.
    request_hash = models.CharField(max_length=64)
    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership", "key"], name="one_alert_per_key_in_partnership"
            )
        ]

    def __str__(self):
        return f"Alert {self.alert_id} raised with key {self.key}"
