"""Reviews (debriefs) take files: registered in RecoveryConfig.ready."""

from django.urls import reverse

from svtoolkit.attachments.owners import OwnerKind
from svtoolkit.incidents.attachment_owner import may_attach_to_part, part_for_request
from svtoolkit.recovery.models import Debrief

REVIEW = OwnerKind(
    name="review",
    model=Debrief,
    fetch=lambda request, pk: part_for_request(request, Debrief, pk),
    may_attach=may_attach_to_part,
    page_url=lambda review: reverse("recovery:review", args=[review.incident_id]),
    label=lambda review: f"the review of {review.incident.reference}",
)
