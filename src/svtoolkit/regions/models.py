from django.db import models

from svtoolkit.core import limits
from svtoolkit.core.models import user_field


class RegionalShare(models.Model):
    """A partnership shares one incident with its region: the region then reads its free text too (title,
    summary, scenes), never its people affected. The share is with that region only: a partnership moved to
    another region shares nothing with the new one until it shares again, and the move ends its shares with
    the old one (``services.stop_sharing_with_region_left``)."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="regional_share"
    )
    region = models.ForeignKey("partnerships.Region", on_delete=models.CASCADE, related_name="+")
    shared_by = user_field(blank=True)
    shared_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.incident} shared with its region"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    # Left undecided when the incident's partnership, or the one it was to be shared with, left the region.
    WITHDRAWN = "withdrawn", "Withdrawn"


class ShareProposal(models.Model):
    """A regional coordinator proposes that an incident be shared with another partnership of the region
    (it touches both boroughs); the incident's own partnership accepts (an IncidentShare) or declines. It is
    that region's proposal: withdrawn, saying why, if either partnership leaves the region first."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="share_proposals"
    )
    region = models.ForeignKey("partnerships.Region", on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(max_length=limits.SHORT_TEXT)
    proposed_by = user_field(blank=True)
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    decided_by = user_field(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was declined, or withdrawn.
    decision_reason = models.TextField(max_length=limits.SHORT_TEXT, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "partnership"],
                condition=models.Q(status="proposed"),
                name="one_open_proposal_per_incident_and_partnership",
            )
        ]

    def __str__(self):
        return f"Share {self.incident} with {self.partnership}"


# The critical-incident fund's tables live in their own module; imported here so Django finds them.
from svtoolkit.regions.fund_models import FundApplication, FundRules  # noqa: E402, F401
