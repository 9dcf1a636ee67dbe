"""Changing incidents: recording, categorising, leading, informing partners, planning, acting, deciding.

Every function writes the incident's timeline and the audit log, in one transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import save_if_unchanged
from svtoolkit.incidents import events, history
from svtoolkit.incidents.categorisation import suggest
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Categorisation,
    Decision,
    Incident,
    IncidentShare,
    IncidentStatus,
    LeadAssignment,
    Participation,
    PlanAction,
    PlanReview,
    Scene,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.incidents.people.services import record_disclosure
from svtoolkit.incidents.signals import incident_categorised
from svtoolkit.incidents.tokens import issue_acknowledgement_token
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships.models import Partnership
from svtoolkit.playbooks.selectors import published_version


@transaction.atomic
def record_incident(
    *,
    partnership,
    by,
    title,
    incident_types,
    occurred_at,
    notified_at,
    notification_source,
    notified_by,
    summary,
    scenes,
    is_exercise=False,
    exercise=None,
    status=IncidentStatus.REPORTED,
    request=None,
) -> Incident:
    """Record a new incident with its scenes; it gets the next reference of its partnership and year.

    An incident alert (svtoolkit.alerts) starts as ``alerted``; anything else as ``reported``.
    """
    if status not in {IncidentStatus.REPORTED, IncidentStatus.ALERTED}:
        raise DomainError("A new incident is either reported or alerted.")
    if notified_at < occurred_at:
        raise DomainError(
            "The partnership cannot have been told before the incident happened.", field="notified_at"
        )
    # Lock the partnership row so two incidents recorded at once never get the same number.
    Partnership.objects.select_for_update().get(pk=partnership.pk)
    year = timezone.localtime(occurred_at).year
    sequence = (
        Incident.objects.filter(partnership=partnership, year=year).aggregate(Max("sequence"))[
            "sequence__max"
        ]
        or 0
    ) + 1
    incident = Incident.objects.create(
        partnership=partnership,
        reference=f"{partnership.reference_prefix}-{year}-{sequence:04d}",
        year=year,
        sequence=sequence,
        title=title.strip(),
        incident_types=sorted(incident_types),
        occurred_at=occurred_at,
        notified_at=notified_at,
        notification_source=notification_source,
        notified_by=notified_by.strip(),
        summary=summary.strip(),
        is_exercise=is_exercise or exercise is not None,
        exercise=exercise,
        status=status,
        created_by=by,
    )
    Scene.objects.bulk_create(Scene(incident=incident, **scene) for scene in scenes)
    history.note(incident, by, f"Incident recorded: {incident.title}.")
    history.audit(incident, by, AuditAction.CREATE, incident, request)
    return incident


@transaction.atomic
def categorise(
    *,
    incident,
    by,
    factors,
    other_factors,
    serious_violence,
    meeting_needed,
    cross_borough,
    rationale,
    request=None,
) -> Categorisation:
    """Record an assessment and the decision on it; the plan gains any items that now apply."""
    suggestion = suggest(set(factors))
    categorisation = Categorisation.objects.create(
        incident=incident,
        factors={code: True for code in factors},
        other_factors=other_factors.strip(),
        suggested_serious_violence=suggestion.serious_violence,
        suggested_meeting=suggestion.meeting,
        suggested_cross_borough=suggestion.cross_borough,
        serious_violence=serious_violence,
        meeting_needed=meeting_needed,
        cross_borough=cross_borough,
        rationale=rationale.strip(),
        decided_by=by,
    )
    if incident.status in {IncidentStatus.ALERTED, IncidentStatus.REPORTED}:
        incident.status = IncidentStatus.ASSESSING
        incident.save(update_fields=["status"])
    verdict = "a serious violence incident" if serious_violence else "not a serious violence incident"
    extras = [
        text
        for flag, text in [(meeting_needed, "a meeting is needed"), (cross_borough, "cross-borough")]
        if flag
    ]
    history.note(
        incident,
        by,
        f"Categorised as {verdict}"
        + (f" ({', '.join(extras)})" if extras else "")
        + f". {categorisation.rationale}",
    )
    history.audit(
        incident, by, AuditAction.CREATE, categorisation, request, serious_violence=serious_violence
    )
    if incident.playbook_version_id:
        _add_applicable_actions(
            incident=incident, by=by, categories=categorisation.categories, reason="re-categorisation"
        )
    events.publish_categorised(categorisation=categorisation)
    # Apps above this one act on a categorisation (the alerts app's launch protocol), in this transaction.
    incident_categorised.send(
        sender=Categorisation, incident=incident, categorisation=categorisation, by=by, request=request
    )
    return categorisation


@transaction.atomic
def assign_lead(*, incident, organisation, officer, by, handover_note="", request=None) -> LeadAssignment:
    """Name the lead organisation and officer; a later assignment is a handover and keeps the history."""
    lead = LeadAssignment.objects.create(
        incident=incident,
        organisation=organisation,
        officer=officer,
        assigned_by=by,
        handover_note=handover_note.strip(),
    )
    Participation.objects.get_or_create(
        incident=incident, organisation=organisation, defaults={"added_by": by}
    )
    history.note(
        incident,
        by,
        f"Lead: {officer} ({organisation})."
        + (f" Handover: {lead.handover_note}" if lead.handover_note else ""),
    )
    history.audit(incident, by, AuditAction.CREATE, lead, request)
    return lead


@transaction.atomic
def add_participant(*, incident, organisation, contact, by, request=None) -> Participation:
    if contact is not None and contact.organisation_id != organisation.pk:
        raise DomainError("The contact must work for the organisation taking part.", field="contact")
    participation, created = Participation.objects.get_or_create(
        incident=incident, organisation=organisation, defaults={"contact": contact, "added_by": by}
    )
    if not created and contact is not None and participation.contact_id != contact.pk:
        participation.contact = contact
        participation.save(update_fields=["contact"])
    history.note(
        incident, by, f"{organisation} is taking part" + (f", through {contact.name}." if contact else ".")
    )
    history.audit(incident, by, AuditAction.CREATE if created else AuditAction.UPDATE, participation, request)
    return participation


# The kind of message a partner's notice is, in the delivery layer.
PARTNER_NOTICE = "partner_notice"


@transaction.atomic
def inform_partners(*, incident, by, request=None) -> list[Participation]:
    """Send each partner taking part who has not been told yet a notice with a link to acknowledge, and send
    again each notice that reached no one (every delivery failed). Returns the partners told.

    The notice is queued in this transaction, so it is never lost between the click and the worker. Each
    partner is claimed first with a conditional update, so a double click or two people at once tell each
    partner once. Partners whose contact has no email address cannot be told this way; the caller lists them.
    """
    candidates = list(
        incident.participations.filter(contact__email__gt="")
        .filter(
            Q(informed_at__isnull=True) | Q(notice__in=messaging_selectors.reached_no_one(PARTNER_NOTICE))
        )
        .select_related("organisation", "contact", "incident__partnership")
    )
    told, told_again = [], []
    for participation in candidates:
        earlier_notice_id = participation.notice_id
        if earlier_notice_id is None and participation.informed_at is not None:
            continue
        if not _claim_for_notice(participation):
            continue  # another request has just told this partner
        _send_partner_notice(participation, round_key=earlier_notice_id or "first")
        (told_again if earlier_notice_id else told).append(participation)
    if told:
        history.note(incident, by, f"Partners informed: {', '.join(str(p.organisation) for p in told)}.")
    if told_again:
        names = ", ".join(str(p.organisation) for p in told_again)
        history.note(incident, by, f"Notice sent again (the last one reached no one): {names}.")
    if told or told_again:
        history.audit(
            incident,
            by,
            AuditAction.UPDATE,
            incident,
            request,
            informed=[p.organisation_id for p in told],
            informed_again=[p.organisation_id for p in told_again],
        )
    return told + told_again


def _claim_for_notice(participation) -> bool:
    """Mark the partner as told before the notice is written: of two requests at once, only the first
    update matches (the second finds it told, or its failed notice already replaced)."""
    unclaimed = Participation.objects.filter(pk=participation.pk)
    if participation.notice_id is None:
        unclaimed = unclaimed.filter(informed_at__isnull=True, notice__isnull=True)
    else:
        unclaimed = unclaimed.filter(notice_id=participation.notice_id)
    now = timezone.now()
    if unclaimed.update(informed_at=now, notice=None) != 1:
        return False
    participation.informed_at, participation.notice = now, None
    return True


def _send_partner_notice(participation, *, round_key) -> None:
    """Queue the notice: the reference and a link to acknowledge, nothing about the people affected. The
    link's secret is kept in the message only until it has gone; the partner's record keeps its hash."""
    incident = participation.incident
    token = issue_acknowledgement_token(participation=participation)
    context = {
        "participation": participation,
        "incident": incident,
        "acknowledge_link": settings.SITE_URL + reverse("incidents:acknowledge", args=[token]),
        "incident_link": settings.SITE_URL + reverse("incidents:incident", args=[incident.pk]),
    }
    participation.notice = messaging.send(
        kind=PARTNER_NOTICE,
        subject=f"{incident.reference}: {incident.partnership} asks for help",
        body=render_to_string("incidents/email/partner_notice.txt", context),
        recipients=[messaging.recipient_for_contact(participation.contact)],
        incident=incident,
        dedupe_key=f"partner-notice:{participation.pk}:{round_key}",
        secret=token,
    )
    participation.save(update_fields=["notice"])


@transaction.atomic
def send_notice_again(*, participation, by, request=None) -> int:
    """Queue again each delivery of the partner's notice that failed (the address is fixed, or the mail
    server is back); returns how many."""
    if participation.notice is None:
        raise DomainError(f"{participation.organisation} has not been sent a notice yet.")
    failed = messaging_selectors.failed_deliveries(participation.notice)
    if not failed:
        raise DomainError(
            f"The notice to {participation.organisation} has not failed, so there is nothing to send again."
        )
    for delivery in failed:
        messaging.resend(delivery=delivery, by=by, request=request)
    history.note(participation.incident, by, f"Notice to {participation.organisation} sent again.")
    return len(failed)


@transaction.atomic
def acknowledge(*, participation, by_label: str, by=None, request=None) -> Participation:
    if participation.acknowledged_at:
        return participation
    participation.acknowledged_at = timezone.now()
    participation.acknowledged_by = by_label
    participation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    history.note(participation.incident, by, f"{participation.organisation} acknowledged ({by_label}).")
    history.audit(participation.incident, by, AuditAction.UPDATE, participation, request, acknowledged=True)
    return participation


def _current_categories(incident) -> set[str]:
    latest = incident.categorisations.order_by("-decided_at", "-id").first()
    return latest.categories if latest else set()


def _add_applicable_actions(*, incident, by, categories, reason) -> int:
    """Add an action for each item of the incident's checklist version that applies and is not planned yet."""
    # One drawing at a time per incident, so a double submission cannot plan the same item twice.
    Incident.objects.select_for_update().get(pk=incident.pk)
    version = incident.playbook_version
    timings = version.vocabularies["timings"]
    planned = set(incident.actions.exclude(item=None).values_list("item_id", flat=True))
    participating = {
        p.organisation.kind: p.organisation
        for p in incident.participations.select_related("organisation").order_by("-added_at")
    }
    new_actions = [
        PlanAction(
            incident=incident,
            item=item,
            area_title=item.area.title,
            area_position=item.area.position,
            title=item.action,
            guidance=item.guidance,
            essential=item.essential,
            owner_organisation=item.default_organisation or participating.get(item.owner_kind),
            owner=None,
            due_at=incident.occurred_at + timedelta(hours=timings[item.timing]["hours"]),
            created_by=by,
        )
        for item in version.items.select_related("area", "default_organisation").exclude(area__phase="before")
        if item.pk not in planned
        and item.applies_to(incident_types=set(incident.incident_types), categories=categories)
    ]
    PlanAction.objects.bulk_create(new_actions)
    if new_actions:
        history.note(
            incident,
            by,
            f"{len(new_actions)} action{pluralize(len(new_actions))} added to the plan after {reason}.",
        )
    return len(new_actions)


@transaction.atomic
def draw_plan(*, incident, by, request=None) -> int:
    """Draw the response plan from the partnership's published checklist; later calls add what now applies."""
    if incident.playbook_version_id is None:
        version = published_version(incident.partnership)
        if version is None:
            raise DomainError("Publish the partnership's checklist before drawing a plan from it.")
        incident.playbook_version = version
        incident.save(update_fields=["playbook_version"])
    added = _add_applicable_actions(
        incident=incident, by=by, categories=_current_categories(incident), reason="drawing the plan"
    )
    if incident.status in {IncidentStatus.ALERTED, IncidentStatus.REPORTED, IncidentStatus.ASSESSING}:
        incident.status = IncidentStatus.RESPONDING
        incident.save(update_fields=["status"])
    history.audit(incident, by, AuditAction.UPDATE, incident, request, plan_actions_added=added)
    return added


@transaction.atomic
def add_action(
    *, incident, by, title, guidance, owner_organisation, owner, due_at, request=None
) -> PlanAction:
    action = PlanAction.objects.create(
        incident=incident,
        area_title="Added by the response team",
        title=title.strip(),
        guidance=guidance.strip(),
        owner_organisation=owner_organisation,
        owner=owner,
        due_at=due_at,
        created_by=by,
    )
    history.note(incident, by, f"Action added: {action.title}.", action=action)
    history.audit(incident, by, AuditAction.CREATE, action, request)
    return action


@transaction.atomic
def update_action(
    *, action, by, expected_revision, status, owner_organisation, owner, not_needed_reason, note, request=None
) -> PlanAction:
    """Change an action's status or owner and add a note; refused if someone else saved it meanwhile."""
    if status == ActionStatus.NOT_NEEDED and not not_needed_reason.strip():
        raise DomainError("Say why the action is not needed.", field="not_needed_reason")
    if status == ActionStatus.HANDED_OVER and not note.strip():
        raise DomainError("Say who the action was handed over to.", field="note")
    before = (action.status, action.owner_organisation_id, action.owner_id)
    save_if_unchanged(
        PlanAction,
        action.pk,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this action while you were editing it.",
        status=status,
        owner_organisation=owner_organisation,
        owner=owner,
        not_needed_reason=not_needed_reason.strip() if status == ActionStatus.NOT_NEEDED else "",
        # Done keeps the time it was first done; leaving done clears it.
        completed_at=(action.completed_at or timezone.now()) if status == ActionStatus.DONE else None,
    )
    action.refresh_from_db()
    changes = []
    if before[0] != action.status:
        changes.append(f"now {action.get_status_display().lower()}")
    if before[1:] != (action.owner_organisation_id, action.owner_id):
        owner_text = action.owner or action.owner_organisation or "nobody"
        changes.append(f"owner {owner_text}")
    text = f"“{action.title}”: {', '.join(changes) or 'note added'}."
    if action.status == ActionStatus.NOT_NEEDED and "now not needed" in changes:
        text += f" Reason: {action.not_needed_reason}"
    if note.strip():
        text += f" {note.strip()}"
    history.note(
        action.incident,
        by,
        text,
        kind=TimelineKind.UPDATE if note.strip() else TimelineKind.CHANGE,
        action=action,
    )
    history.audit(action.incident, by, AuditAction.UPDATE, action, request, status=action.status)
    return action


def log_change(*, incident, by, text) -> TimelineEntry:
    """A timeline entry for a change made in another app (a meeting scheduled, say)."""
    return history.note(incident, by, text)


@transaction.atomic
def add_update(*, incident, by, text, request=None) -> TimelineEntry:
    entry = history.note(incident, by, text.strip(), kind=TimelineKind.UPDATE)
    history.audit(incident, by, AuditAction.CREATE, entry, request)
    return entry


@transaction.atomic
def record_decision(*, incident, by, what, why, supersedes=None, request=None) -> Decision:
    """Log a decision. Decisions are never edited: a changed mind is a new decision superseding the old."""
    if supersedes is not None:
        # Locked, so two people superseding the same decision at once cannot both succeed.
        supersedes = Decision.objects.select_for_update().get(pk=supersedes.pk)
    if supersedes is not None and (
        supersedes.incident_id != incident.pk or hasattr(supersedes, "superseded_by")
    ):
        raise DomainError("Only a current decision of this incident can be superseded.", field="supersedes")
    decision = Decision.objects.create(
        incident=incident, what=what.strip(), why=why.strip(), decided_by=by, supersedes=supersedes
    )
    text = f"Decision: {decision.what} Why: {decision.why}"
    if supersedes:
        text += f" (supersedes the decision of {timezone.localtime(supersedes.decided_at):%d %b %Y %H:%M})"
    history.note(incident, by, text, kind=TimelineKind.DECISION)
    history.audit(incident, by, AuditAction.CREATE, decision, request)
    return decision


@transaction.atomic
def review_plan(*, incident, by, changes, request=None) -> PlanReview:
    review = PlanReview.objects.create(incident=incident, reviewed_by=by, changes=changes.strip())
    history.note(incident, by, f"Plan reviewed. {review.changes}")
    history.audit(incident, by, AuditAction.CREATE, review, request)
    return review


ALLOWED_STATUS_CHANGES = {
    IncidentStatus.ALERTED: {IncidentStatus.REPORTED, IncidentStatus.ASSESSING, IncidentStatus.RESPONDING},
    IncidentStatus.REPORTED: {IncidentStatus.ASSESSING, IncidentStatus.RESPONDING},
    IncidentStatus.ASSESSING: {IncidentStatus.RESPONDING},
    IncidentStatus.RESPONDING: {IncidentStatus.RECOVERY},
    IncidentStatus.RECOVERY: {IncidentStatus.RESPONDING},
}


@transaction.atomic
def change_status(*, incident, by, status, request=None) -> Incident:
    """Move the incident along its lifecycle (closing comes with the review, in the 'after' work).

    Locked and read again first: of two identical changes at once the second finds it done and writes nothing.
    """
    incident.status = (
        Incident.objects.select_for_update().values_list("status", flat=True).get(pk=incident.pk)
    )
    if incident.status == status:
        return incident
    if status not in ALLOWED_STATUS_CHANGES.get(incident.status, set()):
        raise DomainError(
            f"An incident that is {incident.get_status_display().lower()} "
            f"cannot move to {IncidentStatus(status).label.lower()}.",
            field="status",
        )
    before = incident.get_status_display()
    incident.status = status
    incident.save(update_fields=["status"])
    history.note(incident, by, f"Status: {before} → {incident.get_status_display()}.")
    history.audit(incident, by, AuditAction.UPDATE, incident, request, status=status)
    return incident


@transaction.atomic
def set_aside_open_actions(*, incident, by, status, reason: str, request=None) -> int:
    """Mark every action still open not needed, or handed over, for one reason: the last step before closing.

    Returns how many actions were set aside.
    """
    if incident.status != IncidentStatus.RECOVERY:
        raise DomainError("Actions are set aside together only when the incident is in recovery.")
    if status not in {ActionStatus.NOT_NEEDED, ActionStatus.HANDED_OVER}:
        raise DomainError("Open actions can be marked not needed or handed over.", field="status")
    if not reason.strip():
        raise DomainError(
            "Say who the actions were handed over to."
            if status == ActionStatus.HANDED_OVER
            else "Say why the actions are not needed.",
            field="reason",
        )
    open_actions = incident.actions.select_for_update().filter(status__in=OPEN_ACTION_STATUSES)
    count = open_actions.update(
        status=status,
        not_needed_reason=reason.strip() if status == ActionStatus.NOT_NEEDED else "",
        revision=F("revision") + 1,
    )
    if count:
        label = ActionStatus(status).label.lower()
        history.note(incident, by, f"{count} open action{pluralize(count)} marked {label}: {reason.strip()}")
        history.audit(
            incident, by, AuditAction.UPDATE, incident, request, actions_set_aside=count, status=status
        )
    return count


@transaction.atomic
def close(*, incident, by, request=None) -> Incident:
    """Close an incident in recovery whose actions are all done, handed over or not needed.

    The review comes first too; the recovery app checks it before calling this.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != IncidentStatus.RECOVERY:
        raise DomainError("Only an incident in recovery can be closed.")
    still_open = incident.actions.filter(status__in=OPEN_ACTION_STATUSES).count()
    if still_open:
        raise DomainError(
            f"{still_open} action{pluralize(still_open)} still open: complete, hand over or mark "
            "each one not needed first."
        )
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    history.note(incident, by, "The incident was closed.")
    history.audit(incident, by, AuditAction.UPDATE, incident, request, status=incident.status)
    return incident


@transaction.atomic
def reopen(*, incident, by, reason: str, request=None) -> Incident:
    """Re-open a closed incident into recovery; the reason goes on the timeline."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != IncidentStatus.CLOSED:
        raise DomainError("Only a closed incident can be re-opened.")
    if not reason.strip():
        raise DomainError("Say why the incident is being re-opened.", field="reason")
    if incident.personal_data_erased_at:
        raise DomainError("The people-affected details of this incident were erased: it cannot be re-opened.")
    incident.status = IncidentStatus.RECOVERY
    incident.closed_at = None
    incident.save(update_fields=["status", "closed_at"])
    history.note(incident, by, f"The incident was re-opened. Reason: {reason.strip()}")
    history.audit(
        incident, by, AuditAction.UPDATE, incident, request, status=incident.status, reason=reason.strip()
    )
    return incident


@transaction.atomic
def share_incident(
    *,
    incident,
    partnership,
    by,
    purpose: str,
    article6_basis: str,
    article9_condition: str = "",
    gateway: str = "",
    agreement=None,
    request=None,
) -> IncidentShare:
    """Share a cross-borough incident with another partnership, so its coordinators and responders see it.

    Its people affected go with it, so the share is a disclosure (``record_disclosure``): refused without a
    UK GDPR Article 6 basis."""
    if partnership.pk == incident.partnership_id:
        raise DomainError("The incident already belongs to this partnership.", field="partnership")
    record_disclosure(
        incident=incident,
        people=list(incident.people.all()),
        what="The incident and its people affected, shared with another partnership",
        recipient=str(partnership),
        purpose=purpose,
        article6_basis=article6_basis,
        article9_condition=article9_condition,
        gateway=gateway,
        agreement=agreement,
        by=by,
        request=request,
    )
    share, _ = IncidentShare.objects.get_or_create(
        incident=incident, partnership=partnership, defaults={"shared_by": by}
    )
    history.note(incident, by, f"Shared with {partnership}.")
    history.audit(incident, by, AuditAction.CREATE, share, request)
    return share


@transaction.atomic
def edit_record(
    *, incident, by, expected_revision, title, incident_types, occurred_at, notified_at, summary, request=None
) -> Incident:
    """Correct the incident's record; refused if anyone changed the incident since the form was opened."""
    if notified_at < occurred_at:
        raise DomainError(
            "The partnership cannot have been told before the incident happened.", field="notified_at"
        )
    save_if_unchanged(
        Incident,
        incident.pk,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this incident while you were editing it.",
        title=title.strip(),
        incident_types=sorted(incident_types),
        occurred_at=occurred_at,
        notified_at=notified_at,
        summary=summary.strip(),
    )
    incident.refresh_from_db()
    history.note(incident, by, "The incident's record was corrected.")
    history.audit(incident, by, AuditAction.UPDATE, incident, request)
    return incident


@transaction.atomic
def add_scene(*, incident, by, description, area, latitude, longitude, request=None) -> Scene:
    scene = Scene.objects.create(
        incident=incident,
        description=description.strip(),
        area=area.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    history.note(incident, by, f"Scene added: {scene.description}.")
    history.audit(incident, by, AuditAction.CREATE, scene, request)
    return scene
