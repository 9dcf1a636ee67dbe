"""Reviews (debriefs) take files: registered in RecoveryConfig.ready."""

from django.urls import reverse

from svtoolkit.incidents.attachment_owner import part_of_incident
from svtoolkit.recovery.models import Debrief

REVIEW = part_of_incident(
    name="review",
    model=Debrief,
    page_url=lambda review: reverse("recovery:review", args=[review.incident_id]),
    label=lambda review: f"the review of {review.incident.reference}",
)
