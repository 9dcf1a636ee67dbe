from django.db import models

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, user_field
from svtoolkit.core.personal_data import PersonalData


class CommunicationsPlan(models.Model):
    """How partners speak with one voice on an incident: who leads, the channel, the rhythm of updates."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="communications"
    )
    lead_organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    main_channel = models.CharField(max_length=200, blank=True)
    update_every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A phased plan: how often partners and the community get an update."
    )
    next_update_due = models.DateTimeField(null=True, blank=True)
    # Goes up with every save of the plan, so two people changing it at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    updates_owner = user_field(blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Communications plan for {self.incident.reference}"


class MessageKind(models.TextChoices):
    HOLDING = "holding", "Holding statement"
    PRESS = "press", "Press statement"
    SOCIAL = "social", "Social-media post"
    PARTNER_BRIEFING = "partner_briefing", "Partner briefing"
    COMMUNITY_LETTER = "community_letter", "Community letter"
    SCHOOLS_LETTER = "schools_letter", "Letter to schools"
    FAMILY_UPDATE = "family_update", "Update to the family"


class MessageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_SIGNOFF = "awaiting_signoff", "Awaiting sign-off"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Message(CreatedBy):
    """One message of the plan. It is published only once every named approver has signed it off."""

    personal_data = PersonalData(
        about="People affected named or shown in a public message (its title, text and audience may name "
        "them), and their family's agreement.",
        fields=("title", "body", "audience", "family_agreement_note"),
        who_may_see=(
            "Until published: the need-to-know list and the message's approvers. Once published: everyone."
        ),
        lawful_basis="Consent of the family, recorded before publishing (`family_agreed_at`).",
        retention="The names and images are erased with the incident's people-affected details.",
    )

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=limits.SUMMARY)
    audience = models.CharField(max_length=200)
    channel = models.CharField(max_length=200)
    planned_for = models.DateTimeField()
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.DRAFT)
    names_or_images = models.BooleanField(
        default=False, help_text="The message names, or shows images of, someone affected."
    )
    family_agreed_at = models.DateTimeField(null=True, blank=True)
    family_agreement_note = models.CharField(max_length=300, blank=True)
    # Goes up with every change to the draft, so two people revising it cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = user_field(blank=True)

    class Meta:
        ordering = ["incident", "planned_for", "id"]

    def __str__(self):
        # Also the label of its audit entries, which are kept for ever: a title that may name someone is not.
        return "A message naming someone affected" if self.names_or_images else self.title


class SignOff(models.Model):
    """An approver organisation's sign-off of a message: pending until someone from it signs."""

    personal_data = PersonalData(
        about="An approver's comment on a message naming or showing someone affected may name them.",
        fields=("comment",),
        who_may_see="As the message it signs off: until published, the need-to-know list and its approvers.",
        lawful_basis="As the message it signs off.",
        retention="Blanked with the message's names and images, with the incident's people-affected details.",
    )

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="sign_offs")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    signed_by = user_field(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["message", "organisation__name"]
        constraints = [models.UniqueConstraint(fields=["message", "organisation"], name="sign_off_once")]

    def __str__(self):
        return f"{self.organisation} on {self.message}"


class MonitoringNote(models.Model):
    """Something seen in social-media monitoring, or a rumour to counter, and what was done about it."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="monitoring_notes"
    )
    noted_at = models.DateTimeField(auto_now_add=True)
    noted_by = user_field()
    source = models.CharField(max_length=200)
    summary = models.TextField(max_length=limits.SUMMARY)
    is_rumour = models.BooleanField(default=False)
    response = models.TextField(max_length=limits.SUMMARY, blank=True)

    class Meta:
        ordering = ["incident", "-noted_at"]

    def __str__(self):
        return self.summary[:80]
