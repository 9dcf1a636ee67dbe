"""Reading the recovery calendar, always through the access rules."""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.selectors import entries_about, sensitive_views_of
from svtoolkit.audit.services import record
from svtoolkit.communications.selectors import messages_naming_someone
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Incident, IncidentStatus, PersonAffected
from svtoolkit.playbooks import selectors as playbook_selectors
from svtoolkit.recovery.models import (
    CalendarFeed,
    Debrief,
    FollowUpAction,
    Lesson,
    LessonStatus,
    Milestone,
    SupportKind,
    SupportOffer,
    SupportResponse,
)


def milestones_of(incident) -> QuerySet[Milestone]:
    return incident.milestones.select_related("created_by")


def upcoming_for(user, partnership) -> QuerySet[Milestone]:
    """Milestones from today on, of the incidents this person may see in their current partnership."""
    return (
        Milestone.objects.filter(
            incident__in=access.visible_incidents(user, partnership), date__gte=timezone.localdate()
        )
        .select_related("incident")
        .order_by("date", "id")
    )


def feed_milestones(user) -> list[Milestone]:
    """Every milestone the person may see, across all their partnerships: what their calendar feed carries."""
    visible = set()
    for membership in access.memberships_of(user).values():
        visible |= set(access.visible_incidents(user, membership.partnership).values_list("pk", flat=True))
    return list(
        Milestone.objects.filter(incident_id__in=visible).select_related("incident").order_by("date", "id")
    )


def feed_owner(token: str):
    """The person whose live feed this secret opens, or None (unknown or revoked)."""
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed and feed.user.is_active else None


def has_live_feed(user) -> bool:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()


# --- Support for those affected ------------------------------------------------------------------------


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


# --- Review, lessons, closure --------------------------------------------------------------------------


def debrief_of(incident) -> Debrief | None:
    return (
        Debrief.objects.filter(incident=incident)
        .select_related("completed_by")
        .prefetch_related("contributions__organisation", "contributions__written_by")
        .first()
    )


def follow_ups_of(incident) -> QuerySet[FollowUpAction]:
    return incident.follow_ups.select_related("owner_organisation")


def follow_up_on(incident, follow_up_id) -> FollowUpAction:
    return get_object_or_404(FollowUpAction, pk=follow_up_id, incident=incident)


def lessons_visible_to(user, partnership) -> QuerySet[Lesson]:
    """The partnership's lessons from incidents this person may see (and those tied to no incident)."""
    visible = access.visible_incidents(user, partnership).values("pk")
    return (
        Lesson.objects.filter(partnership=partnership)
        .filter(Q(incident__isnull=True) | Q(incident__in=visible))
        .select_related("incident", "accepted_into", "decided_by")
    )


def lessons_of(incident) -> QuerySet[Lesson]:
    return incident.lessons.select_related("accepted_into")


def lesson_for(user, partnership, lesson_id) -> Lesson:
    return get_object_or_404(lessons_visible_to(user, partnership), pk=lesson_id)


def awaiting_decision(lesson) -> bool:
    """Proposed and not yet decided, or accepted into a draft that was later discarded (so decide again)."""
    return lesson.status == LessonStatus.PROPOSED or (
        lesson.status == LessonStatus.ACCEPTED and lesson.accepted_into_id is None
    )


def lesson_item(lesson):
    """The checklist item the lesson is about: in the draft it was accepted into, else the published one."""
    if not lesson.item_key:
        return None
    version = lesson.accepted_into or playbook_selectors.published_version(lesson.partnership)
    if version is None:
        return None
    return version.items.filter(key=lesson.item_key).select_related("area").first()


def lesson_readiness(lesson):
    """How ready the partnership last said it was on the lesson's checklist item (the readiness link)."""
    if not lesson.item_key:
        return None
    assessment = playbook_selectors.latest_assessment(lesson.partnership)
    if assessment is None:
        return None
    return assessment.ratings.filter(item__key=lesson.item_key).select_related("assessment", "item").first()


def closure_blockers(incident) -> list[str]:
    """What stands between the incident and closing it, in words for the lead; empty when it may close."""
    blockers = []
    if incident.status != IncidentStatus.RECOVERY:
        blockers.append("The incident must be in recovery: move it there when the response is over.")
    debrief = Debrief.objects.filter(incident=incident).first()
    if debrief is None:
        blockers.append("The review of the response has not started.")
    elif not debrief.is_complete:
        blockers.append("The review of the response is not complete.")
    still_open = incident.actions.filter(status__in=OPEN_ACTION_STATUSES).count()
    if still_open:
        blockers.append(
            f"{still_open} action{'s are' if still_open != 1 else ' is'} still open: complete, hand over "
            "or mark each one not needed."
        )
    return blockers


def open_actions_of(incident):
    return incident.actions.filter(status__in=OPEN_ACTION_STATUSES).select_related("owner_organisation")


# --- Retention -----------------------------------------------------------------------------------------


def erase_on(incident, *, years: int | None = None) -> date | None:
    """The day the people-affected details of a closed incident fall due for erasure (under the partnership's
    retention period, or the one given)."""
    if incident.status != IncidentStatus.CLOSED or incident.closed_at is None:
        return None
    closed = timezone.localtime(incident.closed_at).date()
    return closed + relativedelta(years=years or incident.partnership.personal_data_retention_years)


def due_at_once_under(partnership, years: int) -> list["DueForErasure"]:
    """What a new retention period would have erased by the next nightly run: shown before it is saved."""
    today = timezone.localdate()
    return [
        DueForErasure(row.incident, row.people, erase_on(row.incident, years=years))
        for row in due_for_erasure(partnership, limit=None)
        if erase_on(row.incident, years=years) <= today
    ]


@dataclass(frozen=True)
class DueForErasure:
    incident: Incident
    people: int
    erase_on: date


def due_for_erasure(partnership, *, limit: int | None = 50) -> list[DueForErasure]:
    """Closed incidents of the partnership still holding people's details (records, or messages naming
    them), soonest erasure first."""
    incidents = (
        Incident.objects.filter(
            partnership=partnership, status=IncidentStatus.CLOSED, personal_data_erased_at__isnull=True
        )
        .annotate(
            people_count=Count("people", distinct=True),
            naming_messages=Exists(messages_naming_someone().filter(incident=OuterRef("pk"))),
        )
        .filter(Q(people_count__gt=0) | Q(naming_messages=True))
        .select_related("partnership")
        .order_by("closed_at", "id")
    )
    if limit:
        incidents = incidents[:limit]
    return [DueForErasure(incident, incident.people_count, erase_on(incident)) for incident in incidents]


def incidents_due_for_erasure(today: date) -> list[Incident]:
    """Every incident, in every partnership, whose people's details (records, or messages naming them) are
    due to be erased by today."""
    candidates = (
        Incident.objects.filter(status=IncidentStatus.CLOSED, personal_data_erased_at__isnull=True)
        .filter(Q(people__isnull=False) | Q(messages__names_or_images=True))
        .select_related("partnership")
        .distinct()
    )
    return [incident for incident in candidates if erase_on(incident) <= today]


def subject_access_export(*, user, incident, person_id, reason: str, request=None) -> dict:
    """Everything held about one person affected, for a subject-access request; always audited."""
    if not access.can_read_people(user, None, incident):
        access.deny(request, reason="can_read_people")
    person = get_object_or_404(
        PersonAffected.objects.select_related("single_point_of_contact", "incident__partnership"),
        pk=person_id,
        incident=incident,
    )
    record(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=user,
        partnership=incident.partnership,
        target=person,
        detail={"reason": reason, "incident": incident.reference, "what": "subject-access export"},
        request=request,
    )
    offers = list(offers_for(person))
    history = sorted(
        [*entries_about(person), *sensitive_views_of(incident)]
        + [entry for offer in offers for entry in entries_about(offer)],
        key=lambda entry: (entry.at, entry.pk),
    )
    return {
        "about": (
            "Everything svtoolkit holds about one person affected by an incident: their record, the support "
            "offered, messages of the incident that named or showed someone affected (check whether they "
            "are about this person), who may read the record, and its history, including every time it, "
            "their support or the incident's support summary was opened, by whom and why. Free text typed "
            "elsewhere (timeline updates, decisions, minutes) is not searched: check it by hand."
        ),
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.email,
        "partnership": incident.partnership.name,
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "occurred_at": incident.occurred_at.isoformat(),
            "status": incident.get_status_display(),
        },
        "person": {
            "name": person.name,
            "how_affected": person.get_role_display(),
            "relation": person.relation,
            "age_band": person.get_age_band_display(),
            "support_needs": person.support_needs,
            "consent_to_share": person.get_consent_display(),
            "consent_scope": person.consent_scope,
            "referrals": person.referrals,
            "single_point_of_contact": (
                person.single_point_of_contact.full_name if person.single_point_of_contact else None
            ),
            "lawful_basis": person.get_lawful_basis_display(),
            "sharing_agreement": person.sharing_agreement,
            "recorded_at": person.created_at.isoformat(),
        },
        "support": [
            {
                "kind": offer.get_kind_display(),
                "service": offer.support_service.name if offer.support_service else None,
                "description": offer.description,
                "offered_by": str(offer.offered_by) if offer.offered_by else None,
                "offered_on": offer.offered_on.isoformat(),
                "response": offer.get_response_display(),
                "outcome": offer.outcome,
                "follow_up_on": offer.follow_up_on.isoformat() if offer.follow_up_on else None,
            }
            for offer in offers
        ],
        "messages_naming_someone_affected": [
            {
                "title": message.title,
                "text": message.body,
                "audience": message.audience,
                "status": message.get_status_display(),
                "family_agreed_at": message.family_agreed_at.isoformat()
                if message.family_agreed_at
                else None,
            }
            for message in messages_naming_someone().filter(incident=incident)
        ],
        "who_may_read_the_record": [
            entry.user.email for entry in incident.need_to_know.select_related("user")
        ],
        "record_history": [
            {
                "at": entry.at.isoformat(),
                "by": entry.actor_label,
                "action": entry.get_action_display(),
                "detail": entry.detail,
            }
            for entry in history
        ],
    }
