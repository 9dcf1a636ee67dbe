"""Reading the support offered to those affected (need-to-know, audited)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.incidents.models import PersonAffected
from svtoolkit.recovery.models import (
    SupportKind,
    SupportOffer,
    SupportResponse,
)


def support_counts(incident) -> dict:
    """What anyone who sees the incident may know of the support given: counts, never who or what exactly."""
    offers = SupportOffer.objects.filter(person__incident=incident)
    counts = offers.aggregate(
        offers=Count("id", filter=Q(kind=SupportKind.OFFER)),
        referrals=Count("id", filter=Q(kind=SupportKind.REFERRAL)),
        taken_up=Count("id", filter=Q(response=SupportResponse.TAKEN_UP)),
        declined=Count("id", filter=Q(response=SupportResponse.DECLINED)),
        awaiting=Count("id", filter=Q(response=SupportResponse.AWAITING)),
        people_with_support=Count("person", distinct=True),
    )
    counts["people"] = incident.people.count()
    return counts


def support_summary(*, user, incident, request=None) -> list[PersonAffected] | None:
    """Who has been offered what, person by person without names, for the need-to-know list (audited).

    None for anyone off the list: they see support_counts only.
    """
    if not access.can_read_people(user, None, incident):
        return None
    people = list(
        incident.people.only("id", "role", "age_band", "incident_id").prefetch_related(
            "support_offers__support_service", "support_offers__offered_by"
        )
    )
    record(
        action=AuditAction.VIEW_SENSITIVE,
        actor=user,
        partnership=incident.partnership,
        target=incident,
        detail={"what": "support summary", "people": len(people)},
        request=request,
    )
    return people


def person_in(incident, person_id) -> PersonAffected:
    """A person affected by the incident, by id; callers check the need-to-know rule first."""
    return get_object_or_404(PersonAffected, pk=person_id, incident=incident)


def offers_for(person) -> QuerySet[SupportOffer]:
    return person.support_offers.select_related("support_service", "offered_by")


def read_offer(*, user, incident, offer_id, request=None) -> SupportOffer:
    """One support record, opened to update it: for the need-to-know list only, and audited."""
    if not access.can_read_people(user, None, incident):
        access.deny(request, reason="can_read_people")
    offer = get_object_or_404(
        SupportOffer.objects.select_related("person__incident", "support_service", "offered_by"),
        pk=offer_id,
        person__incident=incident,
    )
    record(
        action=AuditAction.VIEW_SENSITIVE,
        actor=user,
        partnership=incident.partnership,
        target=offer,
        detail={"what": "support record, opened to update it"},
        request=request,
    )
    return offer
