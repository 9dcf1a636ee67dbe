"""Every message svtoolkit sends (email, SMS), and one delivery record per recipient and channel.

The rows are written in the same transaction as the change that calls for the message, so a message is never
lost between the change and the worker (a transactional outbox); the worker claims each delivery before
sending it, so it is sent once however many workers, clicks or scheduled runs there are.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from svtoolkit.core.personal_data import PUBLIC_TASK, PersonalData
from svtoolkit.core.sending import EARLIER_TRY_MAY_HAVE_GONE


class Urgency(models.TextChoices):
    # An alert goes on every channel the person can be reached on, at any hour.
    ALERT = "alert", "Alert"
    # Anything else goes on the channels the person chose, and waits for the end of their quiet hours.
    NORMAL = "normal", "Normal"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    # Never to be sent: its message was withdrawn before it went (an alert acknowledged meanwhile). Not a
    # failure: nothing went wrong, and nothing is to be sent again.
    WITHDRAWN = "withdrawn", "Not sent"


class Notification(models.Model):
    """What is said: the same words go to every recipient of the message."""

    kind = models.CharField(max_length=40, help_text="What sort of message, such as partner_notice.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # A text message is short: what happened and the link, not the whole email.
    sms_text = models.CharField(max_length=480, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    attachments = models.JSONField(default=list, blank=True, help_text="filename, content and mimetype.")
    # A message that must exist once only (a notice to one partner, a reminder for one day) is created under
    # this key; a second attempt to create it finds the first.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # A secret the body holds (the token of an acknowledgement or invitation link): it is taken out of the
    # stored body once every delivery has gone, so it is kept no longer than it is needed to send.
    secret = models.CharField(max_length=200, blank=True)
    # Why the message is no longer to be sent (an alert acknowledged by someone at a time), once it was
    # withdrawn: its deliveries not gone yet are not sent, and show this.
    withdrawn_because = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One message to one address on one channel, and what became of it."""

    personal_data = PersonalData(
        about="People a message was sent to (staff and partners).",
        fields=("address", "recipient_label"),
        who_may_see="The recipient, and the partnership's coordinators in the messages log.",
        lawful_basis=PUBLIC_TASK,
        retention=(
            "Kept with the message as the record that it was sent; secret links are removed once it is sent."
        ),
    )

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="Email address or mobile number.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient_label = models.CharField(max_length=250, blank=True, help_text="Who, for the delivery log.")
    provider = models.CharField(max_length=10, blank=True, help_text="smtp, notify or outbox.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # How many of those tries its provider refused outright (a mail server's "try later", Notify's 429, a
    # server that could not be connected to): each certainly did not go. Any other try, one whose answer was
    # cut off or whose worker stopped, may have reached the person.
    tries_refused = models.PositiveSmallIntegerField(default=0)
    # How many times a coordinator sent it again: each is a send of its own, under a reference of its own
    # with Notify, so asking Notify whether it took this send never finds a copy of an earlier one.
    resends = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While a worker sends, the delivery is its own until this time; after it, another worker may take it
    # (the first was killed, or lost its database).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Why this delivery alone is no longer to be sent (its recipient left the response team) while a worker
    # was sending it, or after it failed: read at its next claim, should that send be tried again, and when a
    # coordinator would send it again.
    withdrawn_because = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return (
            f"{self.notification} to {self.recipient_label or self.address} by {self.get_channel_display()}"
        )

    @property
    def not_sent_again_because(self) -> str:
        """Why a coordinator may not send it again (its message or this delivery was withdrawn, or its
        recipient's account is switched off), or "" if they may. Reads ``notification`` and ``recipient``."""
        if self.notification.withdrawn_because:
            return f"This message is no longer sent: {self.notification.withdrawn_because}."
        if self.withdrawn_because:
            return self.withdrawn_because
        if self.recipient is not None and not self.recipient.is_active:
            return f"Not sent: {self.recipient}'s account is switched off."
        return ""

    @property
    def tries_failed(self) -> int:
        """How many tries of one still to be sent have failed (it waits for its retry, or is being tried
        again): 0 for one not tried yet, or gone."""
        if not self.last_error:
            return 0
        if self.status == DeliveryStatus.QUEUED:
            return self.attempts
        return self.attempts - 1 if self.status == DeliveryStatus.SENDING else 0

    def tries_may_have_gone(self, tries: int) -> bool:
        """Whether any of its first ``tries`` tries may have reached the person: not every one was refused."""
        return tries > self.tries_refused

    @property
    def earlier_try_may_have_gone(self) -> bool:
        """Not sent, its message withdrawn, though an earlier try may have reached the person."""
        return self.status == DeliveryStatus.WITHDRAWN and self.last_error.endswith(EARLIER_TRY_MAY_HAVE_GONE)

    @property
    def withdrawn_alone(self) -> bool:
        """Not sent as it was withdrawn from its recipient alone (who left the response team), not with its
        message: its own reason, with any note, is in ``last_error`` (``withdraw_deliveries_to``, or its
        claim, which writes its message's reason instead when both were withdrawn). Reads ``notification``."""
        if self.status != DeliveryStatus.WITHDRAWN:
            return False
        if not self.notification.withdrawn_because:
            return True
        return bool(self.withdrawn_because) and self.withdrawn_because in self.last_error

    @property
    def is_final(self) -> bool:
        return self.status in {
            DeliveryStatus.SENT,
            DeliveryStatus.DELIVERED,
            DeliveryStatus.FAILED,
            DeliveryStatus.WITHDRAWN,
        }
