"""Escalation of overdue actions: the owner, then their organisation's single point of contact, then the lead.

Each partnership sets when each step is taken, in hours after an action fell due (the default: the owner at
once, the single point of contact after 4 hours, the incident lead after 24). A step with nobody to tell (no
person named on the action, or one who may no longer be told about its incident; no single point of contact;
no lead) is passed over and the next one taken at once, so an action that nobody owns goes straight to the
lead. A run that finds several steps due (the worker was stopped for a day) takes only the furthest: one
message, not three at once.

Each step is claimed before anyone is told: a conditional update moves the action's step forward, in the same
transaction as the message (svtoolkit.messaging), the timeline entry and the event for other systems; a second
run at the same moment finds the step taken and tells nobody. The claim locks the incident first, as every
change to its actions does (locks.py), and holds only while the action is due when the run found it due. A
done, handed-over or not-needed action, or a closed incident, is no longer escalated.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.services import record_updated
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import events
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    EscalationStep,
    EscalationTimetable,
    IncidentStatus,
    PlanAction,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.incidents.selectors import lead_officer_or_coordinators
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships.models import Contact, IncidentRole

MESSAGE_KIND = "overdue_escalation"
STEPS = (EscalationStep.OWNER, EscalationStep.SPOC, EscalationStep.LEAD)
# More than a month: a longer wait is not an escalation.
LONGEST_WAIT_HOURS = 24 * 31


def timetable_for(partnership) -> EscalationTimetable:
    """The partnership's timetable, or the default one (not saved) when it has not set its own."""
    return EscalationTimetable.objects.filter(partnership=partnership).first() or EscalationTimetable(
        partnership=partnership
    )


@transaction.atomic
def set_timetable(
    *,
    partnership,
    owner_after_hours: int,
    spoc_after_hours: int,
    lead_after_hours: int,
    by,
    expected_revision: int | None = 1,
    request=None,
) -> EscalationTimetable:
    """Change when the partnership's overdue actions step up; each step no sooner than the one before.
    Compare-and-set on the timetable's revision (the unsaved default's is 1; the first save moves it on, as
    every save does), so two coordinators saving at once never overwrite each other."""
    hours = {
        "owner_after_hours": owner_after_hours,
        "spoc_after_hours": spoc_after_hours,
        "lead_after_hours": lead_after_hours,
    }
    for field, value in hours.items():
        if not 0 <= value <= LONGEST_WAIT_HOURS:
            raise DomainError(f"Enter a number of hours from 0 to {LONGEST_WAIT_HOURS}.", field=field)
    if spoc_after_hours < owner_after_hours:
        raise DomainError(
            "The single point of contact cannot be told before the owner is reminded.",
            field="spoc_after_hours",
        )
    if lead_after_hours < spoc_after_hours:
        raise DomainError(
            "The lead cannot be told before the single point of contact.", field="lead_after_hours"
        )
    timetable, created = EscalationTimetable.objects.get_or_create(
        partnership=partnership, defaults={**hours, "updated_by": by, "revision": 2}
    )
    if not created:
        update_if_unchanged(timetable, expected_revision=expected_revision, updated_by=by, **hours)
    record_updated(by=by, partnership=partnership, target=timetable, request=request, **hours)
    return timetable


def escalate_overdue_actions(*, now: datetime | None = None) -> int:
    """Take every escalation step that has come due; returns how many steps this run took."""
    now = now or timezone.now()
    return sum(
        take_step(action=action, step=step, recipients=recipients, now=now)
        for action, step, recipients in due_escalations(now=now)
    )


def due_escalations(*, now: datetime) -> list[tuple[PlanAction, int, list]]:
    """The steps due now, as this run sees them: each action with the step to take and whom it tells.
    Another run may take a step first; ``take_step`` then finds it taken."""
    timetables = {t.partnership_id: t for t in EscalationTimetable.objects.all()}
    candidates = (
        PlanAction.objects.filter(
            status__in=OPEN_ACTION_STATUSES, due_at__lt=now, escalation_step__lt=EscalationStep.LEAD
        )
        .exclude(incident__status=IncidentStatus.CLOSED)
        .select_related("incident__partnership", "owner", "owner_organisation")
        .order_by("due_at", "pk")
    )
    due_now = []
    # Read in full before taking any step: no cursor is left open on the table the steps update.
    for action in list(candidates):
        timetable = timetables.get(action.incident.partnership_id) or EscalationTimetable()
        due = [step for step in STEPS if now - action.due_at >= timedelta(hours=timetable.hours_for(step))]
        if not due or due[-1] <= action.escalation_step:
            continue
        step, recipients = _first_step_with_someone(action, due[-1])
        if step > action.escalation_step:
            due_now.append((action, step, recipients))
    return due_now


def _first_step_with_someone(action, step) -> tuple[int, list]:
    """The step to take: the one due, or the next that has somebody to tell (the lead in the end)."""
    while True:
        recipients = recipients_for(action, step)
        if recipients or step == EscalationStep.LEAD:
            return step, recipients
        step = EscalationStep(step + 1)


def recipients_for(action, step) -> list:
    """Who a step tells: the person named on the action, while they may be told about its incident
    (access.may_be_told_about: active, and a member of its partnership or of one it is shared with); the
    active single points of contact of the owning organisation; the incident's current lead officer, or,
    while it has none, the coordinators."""
    if step == EscalationStep.OWNER:
        owner = action.owner
        told = owner is not None and access.may_be_told_about(owner, action.incident)
        return [messaging.recipient_for_user(owner)] if told else []
    if step == EscalationStep.SPOC:
        if action.owner_organisation_id is None:
            return []
        contacts = Contact.objects.filter(
            organisation_id=action.owner_organisation_id,
            incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
            is_active=True,
        ).select_related("organisation")
        return [
            messaging.recipient_for_contact(contact)
            for contact in contacts
            if contact.email or contact.mobile_number
        ]
    return [messaging.recipient_for_user(person) for person in lead_officer_or_coordinators(action.incident)]


WHO = {
    EscalationStep.OWNER: "the owner",
    EscalationStep.SPOC: "the single point of contact",
    EscalationStep.LEAD: "the incident lead",
}


def take_step(*, action, step, recipients, now) -> int:
    """Claim the step, then tell its people, note it on the timeline and announce it, all in one transaction;
    returns 1, or 0 when another run took the step (or the action was done) first."""
    with transaction.atomic():
        # The incident first, before its action (locks.py): a service changing the incident's actions holds
        # the incident, and what it saved is read once it has.
        lock_incident(action.incident_id)
        claimed = PlanAction.objects.filter(
            pk=action.pk,
            escalation_step__lt=step,
            status__in=OPEN_ACTION_STATUSES,
            # Still due when the run found the step due: a corrected due time has started its steps again.
            due_at=action.due_at,
        ).update(escalation_step=step, escalated_at=now)
        if not claimed:
            return 0
        action.escalation_step, action.escalated_at = step, now
        incident = action.incident
        names = ", ".join(recipient.label for recipient in recipients)
        context = {
            "action": action,
            "incident": incident,
            "step": step,
            "steps": EscalationStep,
            "overdue_hours": int((now - action.due_at).total_seconds() // 3600),
            "link": settings.SITE_URL + reverse("incidents:action", args=[incident.pk, action.pk]),
        }
        messaging.send(
            kind=MESSAGE_KIND,
            subject=incident.headed(f"overdue action “{action.title}”")[:200],
            body=render_to_string("incidents/email/overdue_escalation.txt", context),
            sms_text=incident.headed(f"action overdue. {context['link']}"),
            recipients=recipients,
            incident=incident,
            # Once a step for each time the action is due: a corrected due time starts the steps again.
            dedupe_key=f"overdue:{action.pk}:{int(step)}:{action.due_at.timestamp():.0f}",
        )
        TimelineEntry.objects.create(
            incident=incident,
            by=None,
            kind=TimelineKind.CHANGE,
            action=action,
            text=f"Overdue action “{action.title}” escalated to {WHO[step]}"
            + (f": {names}." if names else ", but nobody could be reached."),
        )
        events.publish_escalated(action=action, step=step)
    return 1
