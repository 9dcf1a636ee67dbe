"""After the response: the multi-agency review, its follow-up actions and lessons, closing and re-opening."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_updated
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.selectors import clock_time
from svtoolkit.partnerships.services import take_turns_in
from svtoolkit.playbooks import selectors as playbook_selectors
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.recovery.models import (
    Debrief,
    DebriefContribution,
    FollowUpAction,
    FollowUpStatus,
    Lesson,
    LessonStatus,
)
from svtoolkit.recovery.review import selectors


@transaction.atomic
def start_review(*, incident, by, request=None) -> Debrief:
    debrief, created = Debrief.objects.get_or_create(incident=incident, defaults={"started_by": by})
    if created:
        incident_services.log_change(incident=incident, by=by, text="The review of the response began.")
        history.audit(incident, by, AuditAction.CREATE, debrief, request)
    return debrief


@transaction.atomic
def contribute_to_review(
    *, debrief, organisation, by, went_well, went_badly, to_change, expected_revision=None, request=None
) -> DebriefContribution:
    """Write or rewrite one organisation's part of the review; refused if someone saved it meanwhile.

    The review is locked first, so two first saves for one organisation at once write one and refuse the
    other as an edit conflict, and nothing is added to a review completed meanwhile.
    """
    debrief = _locked(debrief)
    if debrief.is_complete:
        raise DomainError("The review is complete: it no longer takes contributions.")
    texts = {"went_well": went_well.strip(), "went_badly": went_badly.strip(), "to_change": to_change.strip()}
    existing = DebriefContribution.objects.filter(debrief=debrief, organisation=organisation).first()
    if existing is None:
        if expected_revision is not None:
            raise EditConflict("This contribution was removed while you were editing it.")
        contribution = DebriefContribution.objects.create(
            debrief=debrief, organisation=organisation, written_by=by, **texts
        )
        incident_services.log_change(
            incident=debrief.incident, by=by, text=f"{organisation} contributed to the review."
        )
        history.audit(debrief.incident, by, AuditAction.CREATE, contribution, request)
        return contribution
    update_if_unchanged(
        existing,
        expected_revision=expected_revision,
        conflict_message=f"Someone else saved {organisation}'s contribution while you were writing yours.",
        written_by=by,
        updated_at=timezone.now(),
        **texts,
    )
    history.audit(debrief.incident, by, AuditAction.UPDATE, existing, request)
    return existing


def check_held_on(*, incident, held_on) -> None:
    """A review was held on a day that has come, and not before the incident happened (a mistyped year)."""
    if held_on is not None and held_on > timezone.localdate():
        raise DomainError(
            "The date the review was held cannot be in the future: check the date.", field="held_on"
        )
    incident_services.check_not_before_incident(
        occurred_at=incident.occurred_at,
        at=held_on,
        field="held_on",
        message="The review cannot have been held before the incident happened: check the date.",
    )


@transaction.atomic
def complete_review(*, debrief, by, held_on, summary, request=None) -> Debrief:
    """The lead records when the review was held (not before the incident, nor in the future) and what it
    concluded; closing can follow.

    Locked, so of two completions at once the first is kept and the second is refused.
    """
    debrief = _locked(debrief)
    if debrief.is_complete:
        raise DomainError(
            f"The review was already completed by {debrief.completed_by or 'someone else'}: "
            "its summary was kept and yours was not saved."
        )
    if not debrief.contributions.exists():
        raise DomainError("No organisation has contributed yet: a review needs at least one contribution.")
    check_held_on(incident=debrief.incident, held_on=held_on)
    if not summary.strip():
        raise DomainError("Summarise what the review concluded.", field="summary")
    debrief.held_on = held_on
    debrief.summary = summary.strip()
    debrief.completed_by = by
    debrief.completed_at = timezone.now()
    debrief.save(update_fields=["held_on", "summary", "completed_by", "completed_at"])
    incident_services.log_change(
        incident=debrief.incident, by=by, text="The review of the response is complete."
    )
    history.audit(debrief.incident, by, AuditAction.UPDATE, debrief, request, completed=True)
    return debrief


def _locked(debrief) -> Debrief:
    """The review as stored now, locked until the transaction ends."""
    return (
        Debrief.objects.select_for_update(of=("self",))
        .select_related("incident", "completed_by")
        .get(pk=debrief.pk)
    )


@transaction.atomic
def add_follow_up(*, incident, by, title, owner_organisation, due_on, request=None) -> FollowUpAction:
    """Add an action agreed after the review, due today or later: one due in the past (or before the
    incident happened, a mistyped year) would be overdue from the start."""
    if due_on < timezone.localdate():
        raise DomainError("The due date cannot be in the past.", field="due_on")
    follow_up = FollowUpAction.objects.create(
        incident=incident,
        title=title.strip(),
        owner_organisation=owner_organisation,
        due_on=due_on,
        created_by=by,
    )
    incident_services.log_change(
        incident=incident, by=by, text=f"Follow-up action after the review: {follow_up}."
    )
    history.audit(incident, by, AuditAction.CREATE, follow_up, request)
    return follow_up


@transaction.atomic
def complete_follow_up(*, follow_up, by, request=None) -> FollowUpAction:
    """Mark a follow-up action done; locked, so of two at once the second is told it is done already."""
    follow_up = (
        FollowUpAction.objects.select_for_update(of=("self",)).select_related("incident").get(pk=follow_up.pk)
    )
    if follow_up.status == FollowUpStatus.DONE:
        raise DomainError("That follow-up action is already done.")
    follow_up.status = FollowUpStatus.DONE
    follow_up.done_on = timezone.localdate()
    follow_up.save(update_fields=["status", "done_on"])
    incident_services.log_change(
        incident=follow_up.incident, by=by, text=f"Follow-up action done: {follow_up}."
    )
    history.audit(follow_up.incident, by, AuditAction.UPDATE, follow_up, request, status=follow_up.status)
    return follow_up


@transaction.atomic
def record_lesson(
    *, incident, by, title, detail, item_key="", proposed_action="", proposed_guidance="", request=None
) -> Lesson:
    """Note a lesson from an incident. With a checklist item and new wording, it proposes a change."""
    if item_key and not (proposed_action.strip() or proposed_guidance.strip()):
        raise DomainError(
            "Give the new wording or guidance the lesson proposes for the checklist item.",
            field="proposed_action",
        )
    partnership = incident.partnership
    # Locked so two lessons recorded at once cannot take the same number.
    take_turns_in(partnership)
    number = (Lesson.objects.filter(partnership=partnership).aggregate(Max("number"))["number__max"] or 0) + 1
    lesson = Lesson.objects.create(
        partnership=partnership,
        incident=incident,
        number=number,
        title=title.strip(),
        detail=detail.strip(),
        item_key=item_key,
        proposed_action=proposed_action.strip() if item_key else "",
        proposed_guidance=proposed_guidance.strip() if item_key else "",
        status=LessonStatus.PROPOSED if item_key else LessonStatus.NOTED,
        created_by=by,
    )
    incident_services.log_change(
        incident=incident, by=by, text=f"Lesson {lesson.number} recorded: {lesson.title}."
    )
    history.audit(incident, by, AuditAction.CREATE, lesson, request)
    return lesson


RETIRED_ITEM = (
    "The checklist item this lesson would change is retired in the checklist, so it goes into no incident's "
    "plan. Bring the item back in the checklist's draft to accept the lesson, or decline the change."
)


@transaction.atomic
def accept_lesson(
    *, lesson, by, note="", action=None, guidance=None, item_as_shown: int | None = None, request=None
) -> Lesson:
    """Put the change into the next checklist draft (started if need be), marked with the lesson: the item's
    ``action`` and ``guidance`` as the coordinator edited them, by default as ``lesson_proposal`` has them
    (the lesson's guidance added to the item's, never in place of it). ``item_as_shown``
    (``selectors.item_as_shown``) is the item the page based them on: if the draft's item has changed since,
    nothing is saved (EditConflict), so nobody's edit of the draft is overwritten unseen."""
    lesson = _awaiting_decision(
        lesson, otherwise="Only a lesson that proposes a checklist change can be accepted."
    )
    playbook = playbook_selectors.playbook_of(lesson.partnership)
    if playbook is None:
        raise DomainError("The partnership has no checklist to change.")
    draft = playbook_services.start_draft(playbook=playbook, by=by, request=request)
    item = draft.items.filter(key=lesson.item_key).first()
    if item is None:
        raise DomainError("The checklist item this lesson would change is no longer in the checklist.")
    if item.retired:
        # A retired item goes into no incident's plan: the change would be published to no one.
        raise DomainError(RETIRED_ITEM, field="decision")
    if item_as_shown is not None and selectors.item_as_shown(item) != item_as_shown:
        raise EditConflict(
            "Someone changed this checklist item in the draft since this page was opened.",
            current_revision=selectors.item_as_shown(item),
        )
    proposal = selectors.lesson_proposal(lesson)
    changes = {field: getattr(item, field) for field in playbook_services.ITEM_FIELDS}
    changes["action"] = (action if action is not None else proposal.action).strip()
    changes["guidance"] = (guidance if guidance is not None else proposal.guidance).strip()
    if not changes["action"]:
        raise DomainError("Enter the item's wording.", field="action")
    try:
        playbook_services.update_item(
            item=item, by=by, expected_revision=item.revision, request=request, **changes
        )
    except DomainError as error:
        raise DomainError(f"The checklist draft could not take the change: {error.message}") from error
    reference = f"Lesson {lesson.number}"
    if lesson.incident_id:
        reference += f" from {lesson.incident.reference}"
    reference += f": {lesson.title}"
    if item.lesson_reference:
        # An item changed by two lessons in one draft names both; the later wording is the one kept.
        reference = f"{item.lesson_reference}; then {reference}"
    playbook_services.mark_item_changed_by_lesson(item=item, reference=reference)
    lesson.status = LessonStatus.ACCEPTED
    lesson.accepted_into = draft
    lesson.decided_by = by
    lesson.decided_at = timezone.now()
    lesson.decision_note = note.strip()
    lesson.save(update_fields=["status", "accepted_into", "decided_by", "decided_at", "decision_note"])
    record_updated(by=by, target=lesson, request=request, status=lesson.status, draft=draft.number)
    return lesson


@transaction.atomic
def decline_lesson(*, lesson, by, note, request=None) -> Lesson:
    """Decline the change a lesson proposes, saying why: a proposed lesson, or one accepted into a draft that
    was later discarded (decided again, as ``accept_lesson`` allows)."""
    lesson = _awaiting_decision(lesson, otherwise="Only a proposed change can be declined.")
    if not note.strip():
        raise DomainError("Say why the change is declined.", field="note")
    lesson.status = LessonStatus.DECLINED
    lesson.decided_by = by
    lesson.decided_at = timezone.now()
    lesson.decision_note = note.strip()
    lesson.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record_updated(by=by, target=lesson, request=request, status=lesson.status)
    return lesson


def _awaiting_decision(lesson, *, otherwise: str) -> Lesson:
    """The lesson's row, locked, while it awaits a decision; else refused, saying who decided it since (or
    ``otherwise``, for a lesson that proposes no change)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not selectors.awaiting_decision(lesson):
        raise DomainError(_decided_already(lesson) if lesson.decided_at else otherwise)
    return lesson


def _decided_already(lesson) -> str:
    """What someone deciding a lesson after a colleague decided it is told: who decided, how and when."""
    how = "accepted" if lesson.status == LessonStatus.ACCEPTED else "declined"
    when = clock_time(lesson.decided_at, relative_to=timezone.now())
    return (
        f"This lesson was already {how} by {lesson.decided_by or 'someone else'} at {when}. "
        "Nothing you entered was saved."
    )


# --- Closing and re-opening ------------------------------------------------------------------------------


def close_incident(*, incident, by, request=None):
    """Close once the review is complete and no action is left open (the incidents service checks actions)."""
    debrief = Debrief.objects.filter(incident=incident).first()
    if debrief is None or not debrief.is_complete:
        raise DomainError("Complete the review of the response before closing the incident.")
    return incident_services.close(incident=incident, by=by, request=request)


def set_aside_open_actions(*, incident, by, status, reason, expected_revisions, request=None) -> int:
    return incident_services.set_aside_open_actions(
        incident=incident,
        by=by,
        status=status,
        reason=reason,
        expected_revisions=expected_revisions,
        request=request,
    )


def reopen_incident(*, incident, by, reason, request=None):
    return incident_services.reopen(incident=incident, by=by, reason=reason, request=request)
