"""Support offered to those affected and their response to it (need-to-know)."""

from django.db import transaction
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.disclosures import basis_given, record_disclosure
from svtoolkit.recovery.models import (
    SupportKind,
    SupportOffer,
)


def referral_recipient(*, support_service, referred_to: str) -> str:
    """Who a referral passes the person's details to, as the disclosure log names them: who was typed, else
    the directory's service and the organisation that runs it. Refused when neither is given."""
    if referred_to.strip():
        return referred_to.strip()
    if support_service is None:
        raise DomainError(
            "Say who the referral is to: choose the service from the directory or type who receives their "
            "details.",
            field="referred_to",
        )
    provider = f" ({support_service.provider})" if support_service.provider_id else ""
    return f"{support_service}{provider}"[:200]


def check_offered_on(*, offered_on, occurred_at) -> None:
    """Support is recorded once offered: never on a day still to come (a wrong year, say), nor before the
    incident it answers happened (a slip of the month, which would put it first on their record)."""
    if offered_on > timezone.localdate():
        raise DomainError("The date offered cannot be in the future.", field="offered_on")
    incident_services.check_not_before_incident(
        occurred_at=occurred_at,
        at=offered_on,
        field="offered_on",
        message="Support cannot have been offered before the incident happened: check the date.",
    )


def check_follow_up(*, offered_on, follow_up_on, follow_up_was=None) -> None:
    """A follow-up, if one is set, is on or after the day the support was offered, and one set or moved
    (``follow_up_was`` the date it replaces) is not before today: it is when to check how it is going. One
    left as it was may have passed: it is still due."""
    if follow_up_on is None:
        return
    if follow_up_on < offered_on:
        raise DomainError("The follow-up date must be on or after the date offered.", field="follow_up_on")
    if follow_up_on != follow_up_was and follow_up_on < timezone.localdate():
        raise DomainError("The follow-up date cannot be in the past.", field="follow_up_on")


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
    referred_to: str = "",
    referral_basis: dict | None = None,
    request=None,
) -> SupportOffer:
    """Record support offered to someone affected, or a referral; the timeline says so without naming them.
    A referral passes their details to a service outside the need-to-know list: it is a disclosure to
    ``referral_recipient``, logged with ``referral_basis`` (the why and the lawful basis) and refused without
    an Article 6 basis or an Article 9 condition (what the referral is for is health information). Refused for
    an incident closed since its page was opened: a closed incident takes no support updates."""
    incident_services.refuse_if_closed_meanwhile(person.incident)
    check_offered_on(offered_on=offered_on, occurred_at=person.incident.occurred_at)
    check_follow_up(offered_on=offered_on, follow_up_on=follow_up_on)
    disclosure = None
    if kind == SupportKind.REFERRAL:
        disclosure = record_disclosure(
            incident=person.incident,
            people=[person],
            what="Referral",
            recipient=referral_recipient(support_service=support_service, referred_to=referred_to),
            # The referral is itself health information (a support offer, which ``holds_health_information``
            # counts), whatever the record held before it.
            special_category=True,
            **basis_given(referral_basis),
            by=by,
            request=request,
        )
    offer = SupportOffer.objects.create(
        disclosure=disclosure,
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
    """Record the answer to an offer (or a referral's outcome) and the next follow-up date; refused, as
    ``offer_support`` is, for an incident closed since its page was opened."""
    incident_services.refuse_if_closed_meanwhile(offer.person.incident)
    check_follow_up(offered_on=offer.offered_on, follow_up_on=follow_up_on, follow_up_was=offer.follow_up_on)
    update_if_unchanged(
        offer,
        expected_revision=expected_revision,
        conflict_message="Someone else updated this support while you were editing it.",
        response=response,
        outcome=outcome.strip(),
        follow_up_on=follow_up_on,
        # As for a recovery date (``change_milestone``): only a moved follow-up is reminded of again.
        **({"follow_up_reminded_on": None} if follow_up_on != offer.follow_up_on else {}),
    )
    history.audit(offer.person.incident, by, AuditAction.UPDATE, offer, request, response=offer.response)
    return offer
