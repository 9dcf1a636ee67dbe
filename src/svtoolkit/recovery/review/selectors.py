"""Reading the review, its follow-ups and lessons, and what stands in the way of closing."""

import zlib
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from svtoolkit import access
from svtoolkit.incidents import selectors as incident_selectors
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, IncidentStatus
from svtoolkit.playbooks import selectors as playbook_selectors
from svtoolkit.recovery.models import (
    Debrief,
    FollowUpAction,
    Lesson,
    LessonStatus,
)


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
    return lesson.shown_status == LessonStatus.PROPOSED


def lesson_item(lesson):
    """The checklist item the lesson is about: in the draft it was accepted into, else the published one."""
    if not lesson.item_key:
        return None
    version = lesson.accepted_into or playbook_selectors.published_version(lesson.partnership)
    if version is None:
        return None
    return version.items.filter(key=lesson.item_key).select_related("area").first()


@dataclass
class LessonProposal:
    """What accepting a lesson would make of its checklist item, for the coordinator to edit first."""

    item: object  # the item as it stands now: in the checklist's draft if there is one, else as published
    action: str
    guidance: str


def lesson_proposal(lesson) -> LessonProposal | None:
    """The item's wording and guidance as the lesson proposes them. A lesson's guidance is usually a sentence:
    it is added to the item's guidance, not put in place of it."""
    if not lesson.item_key:
        return None
    version = playbook_selectors.draft_version(lesson.partnership) or playbook_selectors.published_version(
        lesson.partnership
    )
    item = version and version.items.filter(key=lesson.item_key).select_related("area").first()
    if item is None:
        return None
    guidance = item.guidance
    proposed = lesson.proposed_guidance.strip()
    if proposed and proposed not in guidance:
        guidance = f"{guidance.rstrip()}\n\n{proposed}" if guidance.strip() else proposed
    return LessonProposal(item=item, action=lesson.proposed_action.strip() or item.action, guidance=guidance)


def item_as_shown(item) -> int:
    """A checksum of the item's wording and guidance: what a lesson's page based its proposal on, compared
    when the lesson is accepted. Not the item's revision: a draft's item is a fresh copy of the published one,
    so its revision says nothing of what the page showed."""
    return zlib.crc32(f"{item.action}\0{item.guidance}".encode())


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
    if measures_in_force := incident_selectors.lift_before_closing(incident):
        blockers.append(measures_in_force)
    return blockers


def open_actions_of(incident):
    return incident.actions.filter(status__in=OPEN_ACTION_STATUSES).select_related("owner_organisation")
