"""Changing incidents: recording, categorising, leading, informing partners, planning, acting, deciding.

Every function writes the incident's timeline and the audit log, in one transaction.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import save_if_unchanged
from svtoolkit.incidents import events
from svtoolkit.incidents.categorisation import suggest
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    PERSON_AFFECTED_FIELDS,
    ActionStatus,
    Categorisation,
    Decision,
    Incident,
    IncidentShare,
    IncidentStatus,
    LeadAssignment,
    MeasureKind,
    MeasureState,
    NeedToKnow,
    Participation,
    PersonAffected,
    PersonAffectedCorrection,
    PlanAction,
    PlanReview,
    Scene,
    SceneMeasure,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.incidents.selectors import clock_time
from svtoolkit.incidents.signals import incident_categorised, measure_changed
from svtoolkit.incidents.tokens import issue_acknowledgement_token
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships.models import Partnership
from svtoolkit.playbooks.selectors import published_version


def _log(incident, by, text, *, kind=TimelineKind.CHANGE, action=None) -> TimelineEntry:
    return TimelineEntry.objects.create(incident=incident, by=by, kind=kind, text=text, action=action)


def _audit(incident, by, action, target, request, **detail):
    record(
        action=action,
        actor=by,
        partnership=incident.partnership,
        target=target,
        detail=detail,
        request=request,
    )


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
    _log(incident, by, f"Incident recorded: {incident.title}.")
    _audit(incident, by, AuditAction.CREATE, incident, request)
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
    _log(
        incident,
        by,
        f"Categorised as {verdict}"
        + (f" ({', '.join(extras)})" if extras else "")
        + f". {categorisation.rationale}",
    )
    _audit(incident, by, AuditAction.CREATE, categorisation, request, serious_violence=serious_violence)
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
    _log(
        incident,
        by,
        f"Lead: {officer} ({organisation})."
        + (f" Handover: {lead.handover_note}" if lead.handover_note else ""),
    )
    _audit(incident, by, AuditAction.CREATE, lead, request)
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
    _log(incident, by, f"{organisation} is taking part" + (f", through {contact.name}." if contact else "."))
    _audit(incident, by, AuditAction.CREATE if created else AuditAction.UPDATE, participation, request)
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
        _log(incident, by, f"Partners informed: {', '.join(str(p.organisation) for p in told)}.")
    if told_again:
        names = ", ".join(str(p.organisation) for p in told_again)
        _log(incident, by, f"Notice sent again (the last one reached no one): {names}.")
    if told or told_again:
        _audit(
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
    _log(participation.incident, by, f"Notice to {participation.organisation} sent again.")
    return len(failed)


@transaction.atomic
def acknowledge(*, participation, by_label: str, by=None, request=None) -> Participation:
    if participation.acknowledged_at:
        return participation
    participation.acknowledged_at = timezone.now()
    participation.acknowledged_by = by_label
    participation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    _log(participation.incident, by, f"{participation.organisation} acknowledged ({by_label}).")
    _audit(participation.incident, by, AuditAction.UPDATE, participation, request, acknowledged=True)
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
        _log(
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
    _audit(incident, by, AuditAction.UPDATE, incident, request, plan_actions_added=added)
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
    _log(incident, by, f"Action added: {action.title}.", action=action)
    _audit(incident, by, AuditAction.CREATE, action, request)
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
    _log(
        action.incident,
        by,
        text,
        kind=TimelineKind.UPDATE if note.strip() else TimelineKind.CHANGE,
        action=action,
    )
    _audit(action.incident, by, AuditAction.UPDATE, action, request, status=action.status)
    return action


def log_change(*, incident, by, text) -> TimelineEntry:
    """A timeline entry for a change made in another app (a meeting scheduled, say)."""
    return _log(incident, by, text)


@transaction.atomic
def add_update(*, incident, by, text, request=None) -> TimelineEntry:
    entry = _log(incident, by, text.strip(), kind=TimelineKind.UPDATE)
    _audit(incident, by, AuditAction.CREATE, entry, request)
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
    _log(incident, by, text, kind=TimelineKind.DECISION)
    _audit(incident, by, AuditAction.CREATE, decision, request)
    return decision


@transaction.atomic
def review_plan(*, incident, by, changes, request=None) -> PlanReview:
    review = PlanReview.objects.create(incident=incident, reviewed_by=by, changes=changes.strip())
    _log(incident, by, f"Plan reviewed. {review.changes}")
    _audit(incident, by, AuditAction.CREATE, review, request)
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
    _log(incident, by, f"Status: {before} → {incident.get_status_display()}.")
    _audit(incident, by, AuditAction.UPDATE, incident, request, status=status)
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
        _log(incident, by, f"{count} open action{pluralize(count)} marked {label}: {reason.strip()}")
        _audit(incident, by, AuditAction.UPDATE, incident, request, actions_set_aside=count, status=status)
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
    _log(incident, by, "The incident was closed.")
    _audit(incident, by, AuditAction.UPDATE, incident, request, status=incident.status)
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
    _log(incident, by, f"The incident was re-opened. Reason: {reason.strip()}")
    _audit(incident, by, AuditAction.UPDATE, incident, request, status=incident.status, reason=reason.strip())
    return incident


ERASED_NAME = "Erased"


def erase_people_details(*, incident) -> list[PersonAffected]:
    """Remove what identifies each person affected, keeping role and age band for anonymised statistics.

    Called by the retention job inside its transaction; the job writes the audit entries.
    """
    people = list(incident.people.all())
    incident.people.update(
        name=ERASED_NAME,
        relation="",
        support_needs="",
        consent_scope="",
        referrals="",
        single_point_of_contact=None,
    )
    incident.personal_data_erased_at = timezone.now()
    incident.save(update_fields=["personal_data_erased_at"])
    return people


@transaction.atomic
def share_incident(*, incident, partnership, by, request=None) -> IncidentShare:
    """Share a cross-borough incident with another partnership, so its coordinators and responders see it."""
    if partnership.pk == incident.partnership_id:
        raise DomainError("The incident already belongs to this partnership.", field="partnership")
    share, _ = IncidentShare.objects.get_or_create(
        incident=incident, partnership=partnership, defaults={"shared_by": by}
    )
    _log(incident, by, f"Shared with {partnership}.")
    _audit(incident, by, AuditAction.CREATE, share, request)
    return share


# --- People affected (sensitive) ---------------------------------------------------------------------------


@transaction.atomic
def add_person_affected(*, incident, by, request=None, **fields) -> PersonAffected:
    """Record someone affected. Whoever records them is on the need-to-know list from then on."""
    person = PersonAffected.objects.create(incident=incident, created_by=by, **fields)
    NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    _log(incident, by, f"A person affected was recorded ({person.get_role_display().lower()}).")
    _audit(incident, by, AuditAction.CREATE, person, request)
    return person


@transaction.atomic
def correct_person_affected(*, person, by, expected_revision, request=None, **fields) -> PersonAffected:
    """Correct someone's record (any field, consent and lawful basis too); refused if someone else corrected
    it meanwhile. What each changed field said before is kept in the record's corrections; the audit log
    names the fields, never their contents."""
    unknown = set(fields) - set(PERSON_AFFECTED_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    stored = PersonAffected.objects.select_for_update().get(pk=person.pk)
    if stored.revision != expected_revision:
        raise EditConflict(
            "Someone else corrected this record while you were editing it.", current_revision=stored.revision
        )
    changed = [name for name, value in fields.items() if getattr(stored, name) != value]
    if not changed:
        return stored
    before = {name: _person_value_shown(stored, name) for name in changed}
    save_if_unchanged(PersonAffected, stored.pk, expected_revision=expected_revision, **fields)
    stored.refresh_from_db()
    PersonAffectedCorrection.objects.create(
        person=stored,
        by=by,
        changes=[
            {
                "field": str(PersonAffected._meta.get_field(name).verbose_name).capitalize(),
                "before": before[name],
                "after": _person_value_shown(stored, name),
            }
            for name in changed
        ],
    )
    _log(
        stored.incident,
        by,
        f"A person affected's record was corrected ({stored.get_role_display().lower()}).",
    )
    _audit(stored.incident, by, AuditAction.UPDATE, stored, request, fields=changed)
    return stored


def _person_value_shown(person, name) -> str:
    display = getattr(person, f"get_{name}_display", None)
    value = display() if display else getattr(person, name)
    if name == "single_point_of_contact":
        return value.full_name if value else "Nobody"
    return str(value or "")


@transaction.atomic
def add_to_need_to_know(*, incident, user, by, request=None) -> NeedToKnow:
    entry, _ = NeedToKnow.objects.get_or_create(incident=incident, user=user, defaults={"added_by": by})
    _log(incident, by, f"{user} was added to the need-to-know list.")
    _audit(incident, by, AuditAction.CREATE, entry, request, user=user.email)
    return entry


@transaction.atomic
def recover_need_to_know(*, incident, by, reason: str, request=None) -> NeedToKnow:
    """A coordinator puts themselves on a list no active member is left on; the reason is kept."""
    if not reason.strip():
        raise DomainError("Give the reason you need to be on the list.", field="reason")
    entry, _ = NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    _log(incident, by, f"{by} joined the need-to-know list, as no active member was left on it.")
    _audit(
        incident, by, AuditAction.CREATE, entry, request, user=by.email, reason=reason.strip(), recovered=True
    )
    return entry


@transaction.atomic
def remove_from_need_to_know(*, entry, by, request=None) -> None:
    # Locked, so two people taking each other off at once cannot empty the list.
    Incident.objects.select_for_update().get(pk=entry.incident_id)
    if entry.incident.need_to_know.count() == 1:
        raise DomainError("Someone must stay on the need-to-know list.")
    _log(entry.incident, by, f"{entry.user} was taken off the need-to-know list.")
    _audit(entry.incident, by, AuditAction.DELETE, entry, request, user=entry.user.email)
    entry.delete()


@transaction.atomic
def remove_former_member_from_need_to_know(*, user, partnership, by, request=None) -> list[str]:
    """Take someone leaving ``partnership`` off the need-to-know list of every incident they would no longer
    see through another membership (the incident's lead partnership or one it is shared with). Each entry
    removed is audited and noted on the incident's timeline; the references are returned. A list left
    empty is recovered by a coordinator (``recover_need_to_know``)."""
    other_partnerships = list(
        user.memberships.exclude(partnership=partnership).values_list("partnership_id", flat=True)
    )
    entries = (
        NeedToKnow.objects.filter(user=user)
        .filter(Q(incident__partnership=partnership) | Q(incident__shares__partnership=partnership))
        .exclude(incident__partnership__in=other_partnerships)
        .exclude(incident__shares__partnership__in=other_partnerships)
        .select_related("incident__partnership")
        .distinct()
    )
    removed = []
    for entry in entries:
        _log(entry.incident, by, f"{user} was taken off the need-to-know list on leaving {partnership}.")
        reason = "left the partnership"
        _audit(entry.incident, by, AuditAction.DELETE, entry, request, user=user.email, reason=reason)
        removed.append(entry.incident.reference)
        entry.delete()
    return removed


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
    _log(incident, by, "The incident's record was corrected.")
    _audit(incident, by, AuditAction.UPDATE, incident, request)
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
    _log(incident, by, f"Scene added: {scene.description}.")
    _audit(incident, by, AuditAction.CREATE, scene, request)
    return scene


# --- Police measures at a scene ----------------------------------------------------------------------------

# How long the law lets an authorisation last. Section 35's dispersal power is authorised for at most 48
# hours (Anti-social Behaviour, Crime and Policing Act 2014, s.34(1)); a section 60 stop and search
# authorisation for at most 24 hours at first (Criminal Justice and Public Order Act 1994, s.60(1)), which a
# superintendent may extend by 24 hours more (s.60(3)): the extension is recorded as a further authorisation.
LEGAL_MAXIMUM = {
    MeasureKind.DISPERSAL_ORDER: timedelta(hours=48),
    MeasureKind.STOP_AND_SEARCH: timedelta(hours=24),
}
_AUTHORISATION_NAMES = {
    MeasureKind.DISPERSAL_ORDER: "A dispersal order (section 35)",
    MeasureKind.STOP_AND_SEARCH: "A section 60 authorisation",
}
_ADDED = {
    MeasureKind.CORDON: "Cordon in place",
    MeasureKind.RENDEZVOUS_POINT: "Rendezvous point set up",
    MeasureKind.DISPERSAL_ORDER: "Section 35 dispersal order authorised",
    MeasureKind.STOP_AND_SEARCH: "Section 60 stop and search authorised",
    MeasureKind.ROAD_CLOSURE: "Road closed",
}
_LIFTED = {
    MeasureKind.CORDON: "Cordon lifted",
    MeasureKind.RENDEZVOUS_POINT: "Rendezvous point stood down",
    MeasureKind.DISPERSAL_ORDER: "Section 35 dispersal order withdrawn",
    MeasureKind.STOP_AND_SEARCH: "Section 60 stop and search authorisation withdrawn",
    MeasureKind.ROAD_CLOSURE: "Road reopened",
}


def measure_problems(
    *, kind, description, latitude, longitude, starts_at, ends_at, authorised_by
) -> list[tuple[str, str]]:
    """What stops a measure being recorded as given, as (field, message) pairs: the form shows them all at
    once, and ``add_measure`` refuses the first."""
    problems = []
    if kind not in MeasureKind.values:
        problems.append(("kind", "Choose what kind of measure it is."))
    if not description.strip():
        problems.append(("description", "Describe the measure and exactly where it is."))
    if (latitude is None) != (longitude is None):
        problems.append(("longitude", "Give both the latitude and the longitude, or neither."))
    if ends_at is not None and ends_at <= starts_at:
        problems.append(("ends_at", "The end must be after the start."))
    maximum = LEGAL_MAXIMUM.get(kind)
    if maximum is None:
        return problems
    name, hours = _AUTHORISATION_NAMES[kind], int(maximum.total_seconds() // 3600)
    lasts = f"{name} lasts at most {hours} hours"
    if not authorised_by.strip():
        problems.append(
            ("authorised_by", "Say who gave the authorisation (an inspector or above), like Supt A. Khan.")
        )
    if ends_at is None:
        problems.append(("ends_at", f"Say when the authorisation ends: {lasts[0].lower()}{lasts[1:]}."))
    elif ends_at - starts_at > maximum:
        latest = clock_time(starts_at + maximum, relative_to=starts_at)
        extension = (
            " An extension by a superintendent, of up to 24 hours more, is recorded as a new authorisation."
            if kind == MeasureKind.STOP_AND_SEARCH
            else ""
        )
        problems.append(("ends_at", f"{lasts}: make it end by {latest}.{extension}"))
    return problems


def _measure_changed_after_commit(*, incident, measure, change: str, by) -> None:
    transaction.on_commit(
        lambda: measure_changed.send(
            sender=SceneMeasure, incident=incident, measure=measure, change=change, by=by
        )
    )


@transaction.atomic
def add_measure(
    *,
    scene,
    by,
    kind,
    description,
    area,
    latitude,
    longitude,
    starts_at: datetime,
    ends_at: datetime | None,
    authorised_by,
    request=None,
) -> SceneMeasure:
    """Record a police measure at a scene (a cordon, a rendezvous point, a s.35 or s.60 authorisation, a
    road closure); refused beyond its legal maximum. Alert recipients hear of it by ``measure_changed``."""
    problems = measure_problems(
        kind=kind,
        description=description,
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        authorised_by=authorised_by,
    )
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)
    incident = scene.incident
    measure = SceneMeasure.objects.create(
        scene=scene,
        kind=kind,
        description=description.strip(),
        area=area.strip(),
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        authorised_by=authorised_by.strip(),
        added_by=by,
    )
    now = timezone.now()
    text = _ADDED[measure.kind]
    if measure.starts_at > now:
        text += f" from {clock_time(measure.starts_at, relative_to=now)}"
    if measure.ends_at:
        text += f" until {clock_time(measure.ends_at, relative_to=now)}"
    if measure.area:
        text += f" in {measure.area}"
    if measure.authorised_by:
        text += f" by {measure.authorised_by}"
    _log(incident, by, f"{text}. {measure.description}")
    _audit(incident, by, AuditAction.CREATE, measure, request, kind=measure.kind, scene=scene.pk)
    _measure_changed_after_commit(incident=incident, measure=measure, change="added", by=by)
    return measure


@transaction.atomic
def lift_measure(*, measure, by, request=None) -> SceneMeasure:
    """End a measure before its time (the cordon comes down, the authorisation is withdrawn)."""
    # Locked, so two people lifting it at once write one timeline entry between them.
    measure = (
        SceneMeasure.objects.select_for_update(of=("self",))
        .select_related("scene__incident")
        .get(pk=measure.pk)
    )
    now = timezone.now()
    state = measure.state_at(now)
    if state == MeasureState.LIFTED:
        lifted = clock_time(measure.lifted_at, relative_to=now)
        raise DomainError(f"This measure was already lifted at {lifted}.")
    if state == MeasureState.EXPIRED:
        raise DomainError(
            f"This measure ended at {clock_time(measure.ends_at, relative_to=now)}: there is nothing to lift."
        )
    measure.lifted_at = now
    measure.lifted_by = by
    measure.save(update_fields=["lifted_at", "lifted_by"])
    incident = measure.scene.incident
    text = _LIFTED[measure.kind] + (f" in {measure.area}" if measure.area else "")
    if measure.ends_at:
        text += f" (it was to end at {clock_time(measure.ends_at, relative_to=now)})"
    _log(incident, by, f"{text}. {measure.description}")
    _audit(incident, by, AuditAction.UPDATE, measure, request, lifted=True)
    _measure_changed_after_commit(incident=incident, measure=measure, change="lifted", by=by)
    return measure
