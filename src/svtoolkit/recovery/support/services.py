"""Support offered to those affected and their response to it (need-to-know)."""

from django.db import transaction

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.disclosures import record_disclosure
from svtoolkit.recovery.models import (
    SupportKind,
    SupportOffer,
)


def check_follow_up(*, offered_on, follow_up_on) -> None:
    """A follow-up, if one is set, is on or after the day the support was offered."""
    if follow_up_on is not None and follow_up_on < offered_on:
        raise DomainError("The follow-up date must be on or after the date offered.", field="follow_up_on")


@transaction.atomic
def offer_support(
    *,
    person,
    by,
    kind,
    support_service,
    description,
    offered_by,
    offered_on,
    follow_up_on,
    referral_basis: dict | None = None,
    request=None,
) -> SupportOffer:
    """Record support offered to someone affected, or a referral; the timeline says so without naming them.
    A referral passes their details to a service outside the need-to-know list: it is a disclosure, logged
    with ``referral_basis`` (the why and the lawful basis) and refused without an Article 6 basis."""
    check_follow_up(offered_on=offered_on, follow_up_on=follow_up_on)
    if kind == SupportKind.REFERRAL:
        record_disclosure(
            incident=person.incident,
            people=[person],
            what="Referral",
            recipient=str(support_service or description.strip())[:200],
            **{"purpose": "", "article6_basis": "", **(referral_basis or {})},
            by=by,
            request=request,
        )
    offer = SupportOffer.objects.create(
        person=person,
        kind=kind,
        support_service=support_service,
        description=description.strip(),
        offered_by=offered_by,
        offered_on=offered_on,
        follow_up_on=follow_up_on,
        created_by=by,
    )
    incident_services.log_change(
        incident=person.incident,
        by=by,
        text=f"{offer.get_kind_display()} recorded for a {person.get_role_display().lower()}.",
    )
    history.audit(person.incident, by, AuditAction.CREATE, offer, request)
    return offer


@transaction.atomic
def record_support_response(
    *, offer, by, expected_revision: int, response, outcome, follow_up_on, request=None
) -> SupportOffer:
    """Record the answer to an offer (or a referral's outcome) and the next follow-up date."""
    check_follow_up(offered_on=offer.offered_on, follow_up_on=follow_up_on)
    update_if_unchanged(
        offer,
        expected_revision=expected_revision,
        conflict_message="Someone else updated this support while you were editing it.",
        response=response,
        outcome=outcome.strip(),
        follow_up_on=follow_up_on,
        follow_up_reminded_on=None if follow_up_on != offer.follow_up_on else offer.follow_up_reminded_on,
    )
    history.audit(offer.person.incident, by, AuditAction.UPDATE, offer, request, response=offer.response)
    return offer
