"""Linking incidents that may be connected: possible retaliation, the same place, peer group or people."""

from django.db import transaction
from django.db.models import Q

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import history
from svtoolkit.incidents.models import Incident, IncidentLink, IncidentStatus
from svtoolkit.incidents.services import refuse_if_closed_meanwhile


@transaction.atomic
def link_incidents(*, incident, reference: str, kind, reason: str, by, request=None) -> IncidentLink:
    """Link ``incident`` to the incident with ``reference``, of this partnership or another, an exercise only
    to an exercise; refused if ``incident`` was closed meanwhile, while the other may be closed (a new
    incident in retaliation for an old one). The other incident's timeline says only which partnership linked
    to it (its readers may not see this one), and nothing if it is closed: a closed incident is kept as it was
    closed, and its link panel shows the link."""
    refuse_if_closed_meanwhile(incident)
    reference = reference.strip().upper()
    linked = Incident.objects.select_related("partnership").filter(reference=reference).first()
    if linked is None:
        raise DomainError(
            f"No incident has the reference {reference}. Check it with whoever gave it to you.",
            field="reference",
        )
    if linked.pk == incident.pk:
        raise DomainError(
            "An incident cannot be linked to itself: enter the other incident's reference.", field="reference"
        )
    if linked.is_exercise != incident.is_exercise:
        # An exercise's links would put a rehearsal on a live incident's page and timeline, or the reverse.
        other = "another incident of the exercise" if incident.is_exercise else "a real incident"
        raise DomainError(
            f"An exercise and a real incident cannot be linked: enter the reference of {other}.",
            field="reference",
        )
    pair = Q(incident=incident, linked=linked) | Q(incident=linked, linked=incident)
    if IncidentLink.objects.filter(pair).exists():
        raise DomainError(f"This incident is already linked to {reference}.", field="reference")
    link = IncidentLink.objects.create(
        incident=incident, linked=linked, kind=kind, reason=reason.strip(), created_by=by
    )
    # The timelines say no more than the panel shows to someone who may not see the other incident.
    history.note(incident, by, "This incident was linked to another one: see Linked incidents.")
    if linked.status != IncidentStatus.CLOSED:
        history.note(linked, by, f"{incident.partnership} linked one of its incidents to this one.")
    history.audit(incident, by, AuditAction.CREATE, link, request, linked=linked.reference, kind=kind)
    return link
