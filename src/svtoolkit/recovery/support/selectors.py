"""Reading the support offered to those affected (need-to-know, audited)."""

from operator import attrgetter

from django.db.models import Count, Q, QuerySet

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.incidents import history
from svtoolkit.incidents.models import PersonAffected
from svtoolkit.incidents.people.selectors import people_visible_to
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
    """Who has been offered what, person by person without names, for the records this person may read
    (each record's own list), each record shown audited as its own entry, as when it is opened, so a
    subject-access export finds it. None for someone on no record's list: they see support_counts only.
    """
    people = list(
        people_visible_to(user, incident)
        .only("id", "role", "age_band", "incident_id")
        .prefetch_related(
            "support_offers__support_service", "support_offers__offered_by", "support_offers__disclosure"
        )
    )
    if not people:
        return None
    history.audit_each(
        incident,
        user,
        AuditAction.VIEW_SENSITIVE,
        people,
        request,
        what="support summary",
        incident=incident.reference,
    )
    return people


def offers_for(person) -> QuerySet[SupportOffer]:
    return person.support_offers.select_related("support_service", "offered_by", "disclosure")


def read_offer(*, user, incident, offer_id, request) -> SupportOffer:
    """One support record, opened to update it: for its person's need-to-know list only
    (``access.can_read_person``), and audited."""
    offer = access.get_for(
        request,
        SupportOffer.objects.filter(person__incident=incident).select_related(
            "person__incident", "support_service", "offered_by"
        ),
        offer_id,
        rule=access.can_read_person,
        about=attrgetter("person"),
    )
    history.audit(
        incident, user, AuditAction.VIEW_SENSITIVE, offer, request, what="support record, opened to update it"
    )
    return offer
