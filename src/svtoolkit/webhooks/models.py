"""Endpoints of other systems that hear of svtoolkit's events, and each event's delivery to each of them.

An event and its deliveries are written in the transaction of the change they report (a transactional outbox,
as in svtoolkit.messaging); a worker claims each delivery before sending it, so it is sent once however many
workers or sweeps there are, and a delivery that fails is retried with growing waits, then shown as failed.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from svtoolkit.core.models import user_field


class WebhookEndpoint(models.Model):
    """An address of another system (a council's automation, a police system) and the events it hears of."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The events this endpoint hears of.")
    is_active = models.BooleanField(default=True)
    # whsec_ and the base64 of random bytes (Standard Webhooks): the receiver checks each signature with it.
    # It is shown once, when made; svtoolkit keeps it to sign with.
    secret = models.CharField(max_length=100)
    created_by = user_field()
    created_at = models.DateTimeField(default=timezone.now)
    secret_made_at = models.DateTimeField(default=timezone.now)
    # Goes up with every change to the endpoint, every new secret and its removal, so two coordinators
    # changing it at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    # Removed (its receiving system was taken down): its secret is erased and nothing more is sent to it; the
    # row stays, with its address and description, so its delivery log can still be read.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = user_field(blank=True)

    class Meta:
        ordering = ["partnership", "created_at", "id"]

    def __str__(self):
        return self.description or self.url


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class WebhookEvent(models.Model):
    """One event as every endpoint hears it: the same id (webhook-id) and payload on every attempt."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=60)
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.event_type} {self.message_id}"


class WebhookDeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    # Never to be sent: its endpoint was switched off, or its type unticked, before it went. Not a failure,
    # and not sent again.
    WITHDRAWN = "withdrawn", "Not sent"


class WebhookDelivery(models.Model):
    """One event to one endpoint, and what became of it."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Of ``attempts``, the tries that certainly did not reach the endpoint (it could not be found or connected
    # to, or answered that it would not take the event now): withdrawn after only such tries, the delivery was
    # never sent, and does not say a try may have gone.
    tries_refused = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While a worker sends, the delivery is its own until this time; after it, another worker may take it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Why it is no longer to be sent (its endpoint switched off, or its type unticked, by someone at a time):
    # set then on a delivery waiting (withdrawn then) or being sent (withdrawn at its next claim if that send
    # does not go), so switching the endpoint on, or ticking the type, again sends only new events.
    withdrawn_because = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_endpoint_and_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event} to {self.endpoint}"

    @property
    def can_send_again(self) -> bool:
        return self.status in {WebhookDeliveryStatus.DELIVERED, WebhookDeliveryStatus.FAILED}
