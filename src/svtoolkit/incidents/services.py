"""Changing incidents: recording, categorising, leading, informing partners, planning, acting, deciding.

Every function writes the incident's timeline and the audit log, in one transaction.
"""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Role
from svtoolkit.audit.models import AuditAction
from svtoolkit.core.datetimes import CLOCK_SKEW
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import (
    refuse_if_any_changed,
    refuse_if_changed,
    save_if_unchanged,
    update_and_move_revision,
    update_if_unchanged,
)
from svtoolkit.incidents import conditions, events, history, tallies
from svtoolkit.incidents.categorisation import suggest
from svtoolkit.incidents.deadlines import due_after
from svtoolkit.incidents.disclosures import (
    NO_REASON_TO_SHARE,
    check_basis,
    holds_health_information,
    record_disclosure,
)
from svtoolkit.incidents.locks import lock_incident, lock_incidents, locked_incidents
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Categorisation,
    Decision,
    EscalationStep,
    Incident,
    IncidentShare,
    IncidentStatus,
    LeadAssignment,
    Participation,
    PlanAction,
    PlanReview,
    PoliceDeclaration,
    Scene,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.incidents.places import check_coordinates
from svtoolkit.incidents.selectors import (
    PARTNER_NOTICE,
    answering_lead,
    current_categorisation,
    current_lead,
    earliest_done_before,
    lift_before_closing,
    notice_reached_no_one,
    people_visible_to,
)
from svtoolkit.incidents.signals import (
    facts_changed,
    incident_categorised,
    incident_closed,
    lead_named,
    stopped_taking_part,
)
from svtoolkit.incidents.tokens import issue_acknowledgement_token
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships import selectors as partnership_selectors
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import OrganisationKind, Partnership
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.playbooks.conditions import types_in
from svtoolkit.playbooks.models import CompletingEvent
from svtoolkit.playbooks.selectors import published_version

# Higher apps name the events they record, and lock incidents, through this module.
__all__ = ["CompletingEvent", "locked_incidents"]

NO_DECLARING_OFFICER = "Enter the officer who declared it."

NO_ACTIONS_SELECTED = "Select at least one action."

ACTION_CHANGED = "Someone else changed this action while you were editing it."

NO_ACTIONS_STILL_OPEN = "The actions selected were completed or set aside by someone else meanwhile."
# The page lists only open actions: one ticked there that has since closed is no longer on its list.
AN_ACTION_NO_LONGER_OPEN = (
    "An action selected was completed or set aside by someone else meanwhile: choose again from the actions "
    "still open."
)


def _move_status_on(incident, from_statuses, to) -> None:
    """Move the incident on to ``to`` only if it stands now, in the database, at one of ``from_statuses``: a
    conditional update, so a status someone changed meanwhile (responding, say) is never written back."""
    if Incident.objects.filter(pk=incident.pk, status__in=from_statuses).update(status=to):
        incident.status = to
    else:
        incident.refresh_from_db(fields=["status"])


def refuse_if_closed_meanwhile(incident, *, lock=True) -> None:
    """Lock the incident (first: locks.py) and refuse the change if it was closed since its page checked it
    open: a closed incident is kept as it was closed. ``lock=False`` only reads it, for a change that must
    not wait on a status change or a recount holding the incident (an update: ``locked_incidents``)."""
    incidents = locked_incidents() if lock else Incident.objects
    stored = incidents.only("status", "personal_data_erased_at").get(pk=incident.pk)
    if stored.status == IncidentStatus.CLOSED:
        raise DomainError(
            f"{incident.reference} was closed meanwhile, so it cannot be changed. "
            f"{access.how_to_change_closed(stored)}"
        )


def check_not_before_incident(*, occurred_at, at, field: str, message: str) -> None:
    """Something done about an incident (it was told, declared, referred, a discharge is expected) is not
    before the incident happened; a date is compared with the day it happened. ``at`` None: nothing to
    check."""
    if at is None:
        return
    happened = occurred_at if isinstance(at, datetime) else timezone.localdate(occurred_at)
    if at < happened:
        raise DomainError(message, field=field)


def check_time_told(
    *, occurred_at, at, field: str, what: str = "", future_message: str = "", before_message: str = ""
) -> None:
    """A time something was done about an incident (the partnership told, the police's declaration, a
    school's lead told, a referral) is in the past, with a few minutes' grace for clocks, and not before the
    incident happened. The messages name ``what``, or are ``future_message`` and ``before_message`` where
    given."""
    if at is None:
        return
    if at > timezone.now() + CLOCK_SKEW:
        raise DomainError(
            future_message or f"{what} cannot be in the future: check the date and the time.", field=field
        )
    check_not_before_incident(
        occurred_at=occurred_at,
        at=at,
        field=field,
        message=before_message or f"{what} cannot be before the incident happened.",
    )


def check_incident_times(*, occurred_at, notified_at) -> None:
    """An incident happened, and the partnership was told of it, in the past, and in that order."""
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise DomainError(
            "When it happened must be in the past: check the date, and the time of day (24-hour clock).",
            field="occurred_at",
        )
    check_time_told(
        occurred_at=occurred_at,
        at=notified_at,
        field="notified_at",
        future_message="When the partnership was told must be in the past: check the date and the time.",
        before_message="The partnership cannot have been told before the incident happened.",
    )


RECORDED_FIELDS = (
    "title incident_types occurred_at notified_at notification_source notified_by summary is_exercise"
)


def as_recorded(data: dict) -> dict:
    """``record_incident``'s arguments from what was typed (the web form's or the API's fields), with the one
    scene given as ``scene_description``, ``scene_area`` and, if given, ``scene_latitude`` and
    ``scene_longitude``."""
    scene = {
        "description": data["scene_description"].strip(),
        "area": data["scene_area"].strip(),
        "place": data.get("scene_place") or "",
        "latitude": data.get("scene_latitude"),
        "longitude": data.get("scene_longitude"),
    }
    return {**{name: data[name] for name in RECORDED_FIELDS.split()}, "scenes": [scene]}


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
    check_incident_times(occurred_at=occurred_at, notified_at=notified_at)
    if exercise is not None:
        playbook_services.exercise_held(exercise=exercise, by=by, request=request)
    for scene in scenes:
        check_coordinates(
            latitude=scene.get("latitude"), longitude=scene.get("longitude"), field="scene_longitude"
        )
    # Two incidents recorded at once never get the same number.
    partnership_services.take_turns_in(partnership)
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
    lead_organisation = partnership_selectors.lead_organisation(partnership)
    if lead_organisation is not None:
        # The partnership's own team takes part from the start, so its actions have an owner at once.
        Participation.objects.create(incident=incident, organisation=lead_organisation, added_by=by)
        history.note(
            incident, by, f"{lead_organisation} is taking part (the partnership's lead organisation)."
        )
    history.audit(incident, by, AuditAction.CREATE, incident, request)
    _recorded(incident, by, CompletingEvent.INCIDENT_RECORDED, "incidents:edit_record")
    tallies.recount(incident)
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
    categorisation_seen: int | None = None,
    announce: bool = True,
    request=None,
) -> Categorisation:
    """Record an assessment and the decision on it; the plan gains any items that now apply.

    ``categorisation_seen`` is the id of the categorisation the page showed as current (0: none): one a
    colleague recorded since is refused (EditConflict, naming who decided what), so nobody replaces a
    decision they never saw. None compares nothing (the app categorising itself: the demo data).
    ``announce=False`` tells no one (the region's duty contacts, webhooks, the alerts' launch protocol): the
    demo's back-dated history, whose incidents are months past."""
    refuse_if_closed_meanwhile(incident)
    # Read under the incident's lock, which every categorisation takes first.
    _refuse_if_categorised_meanwhile(incident, categorisation_seen)
    suggestion = suggest(set(factors), declared=conditions.police_facts(incident))
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
    _move_status_on(incident, {IncidentStatus.ALERTED, IncidentStatus.REPORTED}, IncidentStatus.ASSESSING)
    verdict = _verdict(serious_violence)
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
            incident=incident, by=by, categories=_current_categories(incident), reason="re-categorisation"
        )
    _recorded(incident, by, CompletingEvent.CATEGORISED, "incidents:categorise")
    if announce:
        events.publish_categorised(categorisation=categorisation)
        # Apps above this one act on a categorisation (the alerts app's launch protocol), in this transaction.
        incident_categorised.send(
            sender=Categorisation, incident=incident, categorisation=categorisation, by=by, request=request
        )
    tallies.recount(incident)
    return categorisation


def _verdict(serious_violence: bool) -> str:
    return "a serious violence incident" if serious_violence else "not a serious violence incident"


def _refuse_if_not_the_one_seen(incident, seen: int | None, *, current_of, said) -> None:
    """Refuse a change made from a page that showed another record as current (by id, 0 for none) than the
    one ``current_of(incident)`` reads now (a categorisation, a lead): EditConflict with ``said(current)``,
    and the id now as its revision, which the refused page carries so that sent again it goes through.
    ``seen`` None compares nothing."""
    if seen is None:
        return
    current = current_of(incident)
    if (current.pk if current else 0) != seen:
        raise EditConflict(said(current), current_revision=current.pk if current else 0)


def _refuse_if_categorised_meanwhile(incident, seen: int | None) -> None:
    """Refuse a categorisation decided from a page that showed another as current than the one now."""

    def said(current) -> str:
        if current is None:
            return f"The categorisation of {incident.reference} was changed meanwhile: none is recorded now."
        who = current.decided_by.full_name if current.decided_by else "Someone else"
        return (
            f"{who} categorised {incident.reference} meanwhile, as {_verdict(current.serious_violence)}. "
            f"Their reason: {current.rationale}"
        )

    _refuse_if_not_the_one_seen(incident, seen, current_of=current_categorisation, said=said)


@transaction.atomic
def assign_lead(
    *, incident, organisation, officer, by, handover_note="", lead_seen: int | None = None, request=None
) -> LeadAssignment:
    """Name the lead organisation and officer; a later assignment is a handover and keeps the history.

    The officer must work for the lead organisation and may not be a viewer (who cannot act on it). The
    actions given to the lead because their organisation is not taking part go to the new lead, but for those
    of the lead's organisation, which takes part by leading: they are its own.
    ``lead_seen`` is the id of the lead assignment the page showed as current (0: none): a lead a colleague
    named since is refused (EditConflict, naming them), so nobody hands over from a lead they never saw. None
    compares nothing (the app naming the lead itself: the alerts' "I will lead").
    """
    # First: the actions waiting for a partner move to the new lead (locks.py).
    refuse_if_closed_meanwhile(incident)
    # Read under the incident's lock, which every lead named takes first.
    _refuse_if_lead_named_meanwhile(incident, lead_seen)
    membership = access.memberships_of(officer).get(incident.partnership_id)
    if membership is None or membership.organisation_id != organisation.pk:
        raise DomainError(
            f"{officer} does not work for {organisation}, so cannot lead for it.", field="officer"
        )
    if membership.role == Role.VIEWER:
        raise DomainError(f"{officer} is a viewer, so cannot lead a response.", field="officer")
    lead = LeadAssignment.objects.create(
        incident=incident,
        organisation=organisation,
        officer=officer,
        assigned_by=by,
        handover_note=handover_note.strip(),
    )
    _, joined = Participation.objects.get_or_create(
        incident=incident, organisation=organisation, defaults={"added_by": by}
    )
    history.note(
        incident,
        by,
        f"Lead: {officer} ({organisation})."
        + (f" Handover: {lead.handover_note}" if lead.handover_note else ""),
    )
    history.audit(incident, by, AuditAction.CREATE, lead, request)
    if joined:
        _hand_waiting_actions_to(incident, organisation, by=by)
    waiting = list(incident.actions.filter(status__in=OPEN_ACTION_STATUSES).exclude(owner_reason=""))
    for action in waiting:
        because = action.owner_reason.partition(" because ")[2].removesuffix(" and no lead is named")
        update_and_move_revision(
            PlanAction.objects.filter(pk=action.pk),
            owner_organisation=organisation,
            owner=officer,
            owner_reason=f"Assigned to the incident lead because {because}",
        )
    moved = len(waiting)
    if moved:
        history.note(
            incident, by, f"{moved} action{pluralize(moved)} waiting for a partner now with {officer}."
        )
    _recorded(incident, by, CompletingEvent.LEAD_NAMED, "incidents:lead")
    # Apps above this one act on a lead named (the alerts app's launch protocol), in this transaction.
    lead_named.send(sender=LeadAssignment, incident=incident, lead=lead, by=by, request=request)
    return lead


def _refuse_if_lead_named_meanwhile(incident, seen: int | None) -> None:
    """Refuse a lead named from a page that showed another lead as current than the one now."""

    def said(current) -> str:
        now = f"it is now {current.officer} ({current.organisation})" if current else "no lead is named now"
        return f"Someone else named the lead of {incident.reference} meanwhile: {now}."

    _refuse_if_not_the_one_seen(incident, seen, current_of=current_lead, said=said)


@transaction.atomic
def add_participant(
    *, incident, organisation, contact, by, contact_seen: int | None = None, request=None
) -> Participation:
    """``organisation`` takes part through ``contact`` (None: chosen later); one taking part already has its
    contact changed to ``contact``. ``contact_seen`` is the id of the contact the page showed for it (0: none,
    or not taking part): a contact someone else chose since is refused (EditConflict, naming them), so nobody
    replaces a colleague's choice unseen. None compares nothing (the app adding a partner itself)."""
    if contact is not None and contact.organisation_id != organisation.pk:
        raise DomainError("The contact must work for the organisation taking part.", field="contact")
    # First: the actions waiting for this organisation are handed to it (locks.py).
    refuse_if_closed_meanwhile(incident)
    participation, created = Participation.objects.get_or_create(
        incident=incident, organisation=organisation, defaults={"contact": contact, "added_by": by}
    )
    if not created and (contact is None or participation.contact_id == contact.pk):
        return participation  # taking part already, through the same contact: nothing to log
    # Read under the incident's lock, which every change of a partner's contact takes first.
    if not created and contact_seen is not None and (participation.contact_id or 0) != contact_seen:
        now = f"it is now {participation.contact.name}" if participation.contact_id else "none is chosen now"
        raise EditConflict(
            f"Someone else changed {organisation}'s contact for this incident meanwhile: {now}."
        )
    if not created:
        told_before = participation.contact if participation.acknowledged_at is None else None
        notice_id, was_informed = participation.notice_id, participation.informed_at is not None
        participation.contact = contact
        changed = ["contact"]
        if participation.acknowledged_at is None:
            # The notice went to the contact before, who has not answered: their link no longer speaks for
            # the partner, and informing partners tells the new contact.
            changed += _forget_notice(participation)
        participation.save(update_fields=changed)
        if told_before is not None and was_informed:
            _notice_no_longer_stands(
                incident,
                notice_id,
                why=f"{organisation}'s contact for this incident is now {contact.name}, so the link sent to "
                f"{told_before.name} no longer acknowledges for {organisation}",
            )
    history.note(
        incident, by, f"{organisation} is taking part" + (f", through {contact.name}." if contact else ".")
    )
    history.audit(incident, by, AuditAction.CREATE if created else AuditAction.UPDATE, participation, request)
    _hand_waiting_actions_to(incident, organisation, by=by)
    return participation


def _hand_waiting_actions_to(incident, organisation, *, by) -> None:
    """The actions given to the lead while no organisation of this kind took part are ``organisation``'s,
    now that it takes part (added as a partner, or named to lead)."""
    waiting = (
        incident.actions.filter(status__in=OPEN_ACTION_STATUSES)
        .exclude(owner_reason="")
        .filter(
            Q(item__default_organisation=organisation)
            | Q(item__default_organisation=None, item__owner_kind=organisation.kind)
        )
    )
    handed = update_and_move_revision(
        PlanAction.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))),
        owner_organisation=organisation,
        owner=None,
        owner_reason="",
    )
    if handed:
        history.note(incident, by, f"{handed} action{pluralize(handed)} handed to {organisation}.")


@transaction.atomic
def stop_taking_part(*, participation, by, request=None) -> None:
    """An organisation added by mistake, or no longer involved, stops taking part: its members no longer see
    the incident nor are told about it, and those who no longer see it come off its need-to-know lists (the
    incident's and each record's). Refused while the incident is closed, while the organisation leads
    the response, or while it owns open actions (they would be left with someone who cannot see them)."""
    incident, organisation = participation.incident, participation.organisation
    refuse_if_closed_meanwhile(incident)  # and locks it first, as adding a partner does (locks.py)
    lead = current_lead(incident)
    if lead is not None and lead.organisation_id == organisation.pk:
        raise DomainError(f"{organisation} leads the response, so it takes part. Name another lead first.")
    still_open = incident.actions.filter(
        owner_organisation=organisation, status__in=OPEN_ACTION_STATUSES
    ).count()
    if still_open:
        raise DomainError(
            f"{organisation} owns {still_open} open action{pluralize(still_open)}: give "
            f"{pluralize(still_open, 'it,them')} to another organisation, or complete or mark "
            f"{pluralize(still_open, 'it,them')} not needed, first."
        )
    history.note(incident, by, f"{organisation} no longer takes part.")
    history.audit(incident, by, AuditAction.DELETE, participation, request, organisation=organisation.name)
    participation.delete()
    # Its members who no longer see the incident come off its need-to-know lists (incidents.receivers): were
    # it added back, they would read the people affected again without anyone deciding they should.
    stopped_taking_part.send(
        sender=Participation, incident=incident, organisation=organisation, by=by, request=request
    )
    tallies.recount(incident)


def _forget_notice(participation) -> list[str]:
    """The partner's notice no longer stands: its link stops acknowledging and the partner shows as not
    told. Returns the fields changed, to save (then ``_notice_no_longer_stands``)."""
    participation.informed_at = participation.notice = None
    participation.acknowledgement_token_hash = ""
    return ["informed_at", "notice", "acknowledgement_token_hash"]


def _notice_no_longer_stands(incident, notice_id: int | None, *, why: str) -> None:
    """After ``_forget_notice`` is saved: the notice, if still waiting to go, is not sent (the messages log
    says ``why``), and the figures no longer count the partner as informed."""
    if notice_id is not None:
        messaging.withdraw(notification_ids=[notice_id], because=why)
    tallies.recount(incident)


@transaction.atomic
def forget_notices_to_contact(*, contact, reason: str, note: str, by, request=None) -> list[Participation]:
    """A link sent to ``contact`` no longer speaks for their organisation (they were taken out of the
    directory, or their email address changed: the audit's ``reason``): in each open incident where they
    were told and have not acknowledged, the link stops working and the partner shows as not told, so
    informing partners tells them again (at the new address, or asks for a new contact), and the notice, if it
    is still waiting to go, is not sent. The timeline and the messages log say ``note``, given ``contact`` and
    ``organisation``. Returns the partners concerned."""
    waiting = Participation.objects.filter(
        contact=contact, informed_at__isnull=False, acknowledged_at__isnull=True
    ).exclude(incident__status=IncidentStatus.CLOSED)
    lock_incidents(list(waiting.values_list("incident_id", flat=True)))  # first, as informing partners does
    forgotten = []
    for participation in waiting.select_related("incident__partnership", "organisation"):
        notice_id = participation.notice_id
        forget = {field: getattr(participation, field) for field in _forget_notice(participation)}
        # Only while still unacknowledged: a partner answering meanwhile keeps their notice.
        unanswered = Participation.objects.filter(pk=participation.pk, acknowledged_at__isnull=True)
        if not unanswered.update(**forget):
            continue
        incident = participation.incident
        why = note.format(contact=contact.name, organisation=participation.organisation)
        _notice_no_longer_stands(incident, notice_id, why=why)
        history.note(incident, by, why)
        history.audit(incident, by, AuditAction.UPDATE, participation, request, reason=reason)
        forgotten.append(participation)
    return forgotten


@transaction.atomic
def inform_partners(*, incident, by, request=None) -> list[Participation]:
    """Send each partner taking part who has not been told yet a notice with a link to acknowledge, and send
    again each notice that reached no one (every delivery failed). Returns the partners told.

    The notice is queued in this transaction, so it is never lost between the click and the worker. Each
    partner is claimed first with a conditional update, so a double click or two people at once tell each
    partner once. Partners whose contact has no email address, or has been taken out of the directory (they
    left), cannot be told this way; the caller lists them.
    """
    # First, before the partners' rows, as adding a partner does (locks.py).
    refuse_if_closed_meanwhile(incident)
    candidates = list(
        incident.participations.filter(contact__email__gt="", contact__is_active=True)
        .filter(Q(informed_at__isnull=True) | notice_reached_no_one())
        .select_related("organisation", "contact", "incident__partnership")
    )
    told, told_again = [], []
    for participation in candidates:
        earlier_notice_id = participation.notice_id
        if earlier_notice_id is None and participation.informed_at is not None:
            continue
        if not _claim_for_notice(participation):
            continue  # another request has just told this partner
        # A first notice is one per claim: a new contact is told, and so is one changed back to, whose
        # earlier link stopped working when the contact changed.
        _send_partner_notice(
            participation,
            round_key=earlier_notice_id or f"first:{participation.informed_at.isoformat()}",
        )
        (told_again if earlier_notice_id else told).append(participation)
    if told:
        history.note(incident, by, f"Partners informed: {', '.join(str(p.organisation) for p in told)}.")
        _recorded(incident, by, CompletingEvent.PARTNERS_INFORMED, "incidents:partners")
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
        tallies.recount(incident)
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
        subject=incident.headed(f"{incident.partnership} asks for help"),
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
    refuse_if_closed_meanwhile(participation.incident)  # first, before the deliveries (locks.py)
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
    """Record that the partner has the notice. The first acknowledgement stands: the row is written only while
    it has none, so of two at once (a double tap on the link, two people of one partner) one records it, and
    the other is given the one stored."""
    now = timezone.now()
    recorded = Participation.objects.filter(pk=participation.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by_label
    )
    if not recorded:
        participation.refresh_from_db(fields=["acknowledged_at", "acknowledged_by"])
        return participation
    participation.acknowledged_at, participation.acknowledged_by = now, by_label
    history.note(participation.incident, by, f"{participation.organisation} acknowledged ({by_label}).")
    history.audit(participation.incident, by, AuditAction.UPDATE, participation, request, acknowledged=True)
    return participation


def _current_categories(incident) -> set[str]:
    """The conditions an item may name (playbooks/data/conditions.toml) that hold for the incident today."""
    return conditions.met_for(incident)


def _owner_for(item, *, taking_part, lead, fallback, of_kind) -> tuple:
    """Who owns an item's action, and why when it is not the item's own organisation: the organisation the
    item names, else the one of its kind, when it takes part; if it does not, the incident lead (or, before
    a lead is named, the partnership's lead organisation), saying so; nobody, saying so, only when neither
    exists. ``taking_part`` maps the organisations taking part by id and by kind."""
    own = item.default_organisation or taking_part.get(item.owner_kind)
    if own is not None and own.pk in taking_part:
        return own, None, ""
    missing = item.default_organisation or of_kind.get(item.owner_kind)
    kind = OrganisationKind(item.owner_kind).label.lower()
    because = (
        f"because {missing} is not taking part" if missing else f"because no {kind} organisation takes part"
    )
    if lead is not None:
        return lead.organisation, lead.officer, f"Assigned to the incident lead {because}"
    if fallback is not None:
        return (
            fallback,
            None,
            f"Assigned to the partnership's lead organisation {because} and no lead is named",
        )
    return None, None, f"No owner {because} and no lead is named"


def _add_applicable_actions(*, incident, by, categories, reason) -> int:
    """Add an action for each item of the incident's checklist version that applies and is not planned yet.

    Each is due counted from when the partnership was told (a late report does not start overdue), has an
    owner (``_owner_for``), and is done already if the app has recorded what completes it.
    """
    # One drawing at a time per incident, so a double submission cannot plan the same item twice.
    locked = locked_incidents().only("recorded_events").get(pk=incident.pk)
    version = incident.playbook_version
    timings = version.vocabularies["timings"]
    planned = set(incident.actions.exclude(item=None).values_list("item_id", flat=True))
    taking_part = {}
    for participation in incident.participations.select_related("organisation").order_by("-added_at"):
        taking_part[participation.organisation.kind] = participation.organisation
        taking_part[participation.organisation_id] = participation.organisation
    # The organisation of each kind the partnership lists, named when it is the one not taking part.
    of_kind = {
        organisation.kind: organisation
        for organisation in partnership_selectors.active_organisations(incident.partnership).order_by("-name")
    }
    lead = answering_lead(incident)  # one who has left the partnership is given nothing
    fallback = partnership_selectors.lead_organisation(incident.partnership)
    if fallback is not None and fallback.pk not in taking_part:
        fallback = None
    now = timezone.now()
    new_actions = []
    for item in version.items.select_related("area", "default_organisation").exclude(area__phase="before"):
        if item.pk in planned or not item.applies_to(
            incident_types=types_in(categories), categories=categories
        ):
            continue
        owner_organisation, owner, owner_reason = _owner_for(
            item, taking_part=taking_part, lead=lead, fallback=fallback, of_kind=of_kind
        )
        done_by = locked.recorded_events.get(item.completed_by) if item.completed_by else None
        new_actions.append(
            PlanAction(
                incident=incident,
                item=item,
                area_title=item.area.title,
                area_position=item.area.position,
                title=item.action,
                guidance=item.guidance,
                essential=item.essential,
                owner_organisation=owner_organisation,
                owner=owner,
                owner_reason=owner_reason,
                due_at=due_after(timings[item.timing], incident.notified_at),
                status=ActionStatus.DONE if done_by else ActionStatus.TO_DO,
                completed_at=now if done_by else None,
                completed_record=done_by or "",
                created_by=by,
            )
        )
    PlanAction.objects.bulk_create(new_actions)
    if new_actions:
        history.note(
            incident,
            by,
            f"{len(new_actions)} action{pluralize(len(new_actions))} added to the plan after {reason}.",
        )
    return len(new_actions)


def redraw_plan(*, incident, by, reason) -> int:
    """Add to a drawn plan the items a new fact (a victim's age, a scene, the police tier) makes apply. A
    closed incident's plan was finished when it closed: a record put right since (a person's age, a death)
    adds nothing to it. The apps above hear of the fact (``signals.facts_changed``)."""
    if incident.status == IncidentStatus.CLOSED:
        return 0
    facts_changed.send(sender=Incident, incident=incident, by=by)
    if incident.playbook_version_id is None:
        return 0
    added = _add_applicable_actions(
        incident=incident, by=by, categories=_current_categories(incident), reason=reason
    )
    tallies.recount(incident)
    return added


@transaction.atomic
def record_police_declaration(
    *, incident, by, critical_incident, tier, declared_by, declared_at, request=None
) -> PoliceDeclaration:
    """Record what the police declared (a critical incident or not, gold group or below); the plan gains any
    items that now apply. A later declaration supersedes it."""
    refuse_if_closed_meanwhile(incident)
    check_time_told(
        occurred_at=incident.occurred_at,
        at=declared_at,
        field="declared_at",
        future_message="The time the police declared it cannot be in the future.",
        before_message="The police cannot have declared it before the incident happened.",
    )
    if not declared_by.strip():
        raise DomainError(NO_DECLARING_OFFICER, field="declared_by")
    declaration = PoliceDeclaration.objects.create(
        incident=incident,
        critical_incident=critical_incident,
        tier=tier,
        declared_by=declared_by.strip(),
        declared_at=declared_at,
        recorded_by=by,
    )
    history.note(incident, by, f"Police: {declaration} (declared by {declaration.declared_by}).")
    history.audit(incident, by, AuditAction.CREATE, declaration, request, tier=tier)
    redraw_plan(incident=incident, by=by, reason="the police declaration")
    return declaration


def _recorded(incident, by, event, page) -> int:
    """``record_event`` for an event recorded on one of the incident's own pages (the link)."""
    return record_event(incident=incident, event=event, by=by, link=reverse(page, args=[incident.pk]))


@transaction.atomic
def record_event(*, incident, event, by, link) -> int:
    """The app has recorded something that completes checklist items (the incident categorised, the lead
    named...): each open action of such an item is done, with a link to the record, and a plan drawn later
    starts with them done. Returns how many actions it completed."""
    locked = locked_incidents().only("recorded_events").get(pk=incident.pk)
    if event not in locked.recorded_events:
        locked.recorded_events = {**locked.recorded_events, event: link}
        Incident.objects.filter(pk=incident.pk).update(recorded_events=locked.recorded_events)
        incident.recorded_events = locked.recorded_events
    # Locked as they are read, so each is still open when it is completed: one someone is marking not needed
    # or done at this moment is read once they have saved it, and is left as they left it.
    completed = list(
        incident.actions.select_for_update(no_key=True, of=("self",))
        .filter(item__completed_by=event, status__in=OPEN_ACTION_STATUSES)
        .order_by("pk")
    )
    if not completed:
        return 0
    update_and_move_revision(
        PlanAction.objects.filter(pk__in=[action.pk for action in completed]),
        status=ActionStatus.DONE,
        completed_at=timezone.now(),
        completed_record=link,
    )
    label = CompletingEvent(event).label.lower()
    for action in completed:
        history.note(incident, by, f"“{action.title}”: now done ({label}).", action=action)
    tallies.recount(incident)
    return len(completed)


@transaction.atomic
def draw_plan(*, incident, by, request=None) -> int:
    """Draw the response plan from the partnership's published checklist (an exercise's incident: from the
    version the exercise was planned on, as its run sheet is); later calls add what now applies."""
    refuse_if_closed_meanwhile(incident)
    # Read again under the lock: one drawn meanwhile from another page keeps the version it was drawn from.
    incident.playbook_version_id = Incident.objects.values_list("playbook_version_id", flat=True).get(
        pk=incident.pk
    )
    if incident.playbook_version_id is None:
        version = (
            incident.exercise.version if incident.exercise_id else published_version(incident.partnership)
        )
        if version is None:
            raise DomainError("Publish the partnership's checklist before drawing a plan from it.")
        incident.playbook_version = version
        incident.save(update_fields=["playbook_version"])
    added = _add_applicable_actions(
        incident=incident, by=by, categories=_current_categories(incident), reason="drawing the plan"
    )
    _move_status_on(
        incident,
        {IncidentStatus.ALERTED, IncidentStatus.REPORTED, IncidentStatus.ASSESSING},
        IncidentStatus.RESPONDING,
    )
    history.audit(incident, by, AuditAction.UPDATE, incident, request, plan_actions_added=added)
    _recorded(incident, by, CompletingEvent.PLAN_DRAWN, "incidents:plan")
    tallies.recount(incident)
    return added


def check_action_due(*, incident, due_at) -> None:
    """An action added by hand cannot fall due before the incident happened (a mistyped year, say)."""
    check_not_before_incident(
        occurred_at=incident.occurred_at,
        at=due_at,
        field="due_at",
        message="An action cannot be due before the incident happened: check the date.",
    )


@transaction.atomic
def add_action(
    *, incident, by, title, guidance, owner_organisation, owner, due_at, request=None
) -> PlanAction:
    """Add an action by hand; it cannot fall due before the incident happened (``check_action_due``)."""
    refuse_if_closed_meanwhile(incident)
    check_action_due(incident=incident, due_at=due_at)
    check_owner(incident=incident, owner_organisation=owner_organisation, owner=owner)
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
    tallies.recount(incident)
    return action


@transaction.atomic
def update_action(
    *, action, by, expected_revision, status, owner_organisation, owner, not_needed_reason, note, request=None
) -> PlanAction:
    """Change an action's status or owner and add a note; refused if someone else saved it meanwhile."""
    # A change since the form was read is answered before the owner is judged: the owner it sends back may be
    # the one it was shown, since replaced (and since gone), and the person needs the action as it is now.
    refuse_if_changed(action, expected_revision=expected_revision, conflict_message=ACTION_CHANGED)
    new_owner = (_pk(owner_organisation), _pk(owner)) != (action.owner_organisation_id, action.owner_id)
    before = (action.status, action.owner_organisation_id, action.owner_id)
    # A change that moves a count recounts, and locks the incident (first, before the action: locks.py); so
    # does a new owner, checked under the lock a partner stopping taking part takes too (else each would pass
    # its check before the other saved, and the action be left with a partner that no longer sees the
    # incident). The people working a major incident update its open actions (in progress, a note) many times
    # a minute, and those changes take the action's row alone. They need not check the incident is still
    # open: it cannot be closed while the action is open, and the revision saved below proves it is. An
    # action done or set aside may belong to an incident closed since: it is checked under the lock.
    moves_a_count = tallies.action_counted_as(before[0]) != tallies.action_counted_as(status)
    if new_owner or moves_a_count or before[0] not in OPEN_ACTION_STATUSES:
        refuse_if_closed_meanwhile(action.incident)
    if new_owner:
        # Only a new owner is checked: one who has since left keeps the action until it is given to another.
        check_owner(incident=action.incident, owner_organisation=owner_organisation, owner=owner)
    if status == ActionStatus.NOT_NEEDED and not not_needed_reason.strip():
        raise DomainError("Say why the action is not needed.", field="not_needed_reason")
    if status == ActionStatus.HANDED_OVER and not note.strip():
        raise DomainError("Say who the action was handed over to.", field="note")
    saved = {
        "status": status,
        "owner_organisation": owner_organisation,
        "owner": owner,
        # A new owner chosen by hand needs no explanation; the same one keeps it.
        "owner_reason": action.owner_reason if before[1:] == (_pk(owner_organisation), _pk(owner)) else "",
        "not_needed_reason": not_needed_reason.strip() if status == ActionStatus.NOT_NEEDED else "",
        # Done keeps the time it was first done; leaving done clears it.
        "completed_at": (action.completed_at or timezone.now()) if status == ActionStatus.DONE else None,
        # The record that did it stays only while it stays done: moved back to open, or marked done by hand,
        # no record did it.
        "completed_record": action.completed_record if status == before[0] == ActionStatus.DONE else "",
    }
    save_if_unchanged(
        PlanAction,
        action.pk,
        expected_revision=expected_revision,
        conflict_message=ACTION_CHANGED,
        **saved,
    )
    # The row matched the expected revision and now holds exactly this: the action is not read again (nor,
    # through it, its incident and partnership).
    for name, value in {**saved, "revision": expected_revision + 1}.items():
        setattr(action, name, value)
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
    if moves_a_count:
        tallies.recount(action.incident)
    return action


def _pk(instance):
    return instance.pk if instance is not None else None


def check_owner(*, incident, owner_organisation, owner) -> None:
    """An action's owner must be able to edit it: not a viewer, not someone outside the partnerships working
    the incident (its own and those it is shared with), and a partner only for their own organisation's
    actions, once it takes part (before, they cannot see the incident). An owning organisation, with or
    without a person named, must take part: its members could not see the action otherwise, nor should its
    single point of contact be chased about an incident it is not working on."""
    if (
        owner_organisation is not None
        and not incident.participations.filter(organisation=owner_organisation).exists()
    ):
        raise DomainError(
            f"{owner_organisation} is not taking part in this incident, so cannot own its actions: add it as "
            "a partner first.",
            field="owner_organisation",
        )
    if owner is None:
        return
    candidate = PlanAction(incident=incident, owner_organisation=owner_organisation)
    shared_with = Partnership.objects.filter(pk__in=incident.shares.values("partnership"))
    working = [incident.partnership, *shared_with]
    may_update = [p for p in working if access.can_update_action(owner, p, candidate)]
    if not may_update:
        where = f"{owner_organisation}'s actions" if owner_organisation else "actions without an organisation"
        raise DomainError(f"{owner} cannot update {where}, so cannot own this action.", field="owner")
    # A partner sees only the incidents their organisation takes part in.
    if not any(access.visible_incidents(owner, p).filter(pk=incident.pk).exists() for p in may_update):
        raise DomainError(
            f"{owner} cannot see this incident, as their organisation is not taking part: add it as a "
            "partner first.",
            field="owner",
        )


def _titles(actions) -> str:
    return "; ".join(f"“{action.title}”" for action in actions)


@transaction.atomic
def update_actions(
    *,
    incident,
    actions,
    by,
    expected_revisions: dict,
    status="",
    owner_organisation=None,
    owner=None,
    note="",
    request=None,
) -> int:
    """Complete or reassign several actions of one incident at once, with one note (the plan's bulk update).

    ``status`` empty keeps each action's status; an owner organisation (with or without a person) given
    reassigns them all. Only those still open change, and only if none of them changed since the plan showed
    them (``expected_revisions``: each action's revision by id): else none does (EditConflict, naming those
    changed). Returns how many actions changed.
    """
    if not status and owner_organisation is None and owner is None:
        raise DomainError("Choose what to do with the selected actions.", field="status")
    if status and status not in {ActionStatus.DONE, ActionStatus.IN_PROGRESS, ActionStatus.TO_DO}:
        raise DomainError("Selected actions can be marked done, in progress or to do.", field="status")
    if owner is not None and owner_organisation is None:
        raise DomainError("Choose the organisation the new owner works for.", field="owner_organisation")
    refuse_if_closed_meanwhile(incident)  # first, before the actions (locks.py)
    # Under the incident's lock, which a partner stopping taking part takes too.
    check_owner(incident=incident, owner_organisation=owner_organisation, owner=owner)
    chosen = list(
        # Lock the actions only: PostgreSQL refuses FOR UPDATE on the nullable side of the owners' outer join.
        incident.actions.select_for_update(of=("self",))
        # Open ones only, as the form lists them: one done or set aside by someone else since the page was
        # opened keeps what they decided (and their reason).
        .filter(pk__in=[action.pk for action in actions], status__in=OPEN_ACTION_STATUSES)
        .select_related("owner_organisation", "owner")
        .order_by("pk")
    )
    if not chosen:
        raise DomainError(NO_ACTIONS_STILL_OPEN if actions else NO_ACTIONS_SELECTED, field="actions")
    refuse_if_any_changed(
        chosen,
        expected_revisions=expected_revisions,
        conflict_message=lambda changed: (
            f"Someone else changed {pluralize(len(changed), 'this action,these actions')} since the plan was "
            f"opened, so none was updated: {_titles(changed)}."
        ),
    )
    now = timezone.now()
    for action in chosen:
        changes = {}
        if status:
            # Open, no record did it; marked done by hand, none did either (update_action).
            changes |= {"status": status, "not_needed_reason": "", "completed_record": ""}
            changes["completed_at"] = (action.completed_at or now) if status == ActionStatus.DONE else None
        if owner_organisation is not None:
            changes |= {"owner_organisation": owner_organisation, "owner": owner, "owner_reason": ""}
        update_and_move_revision(PlanAction.objects.filter(pk=action.pk), **changes)
    said = []
    if status:
        said.append(f"now {ActionStatus(status).label.lower()}")
    if owner_organisation is not None:
        said.append(f"owner {owner or owner_organisation}")
    history.note(
        incident,
        by,
        f"{len(chosen)} action{pluralize(len(chosen))} {', '.join(said)}: {_titles(chosen)}."
        + (f" {note.strip()}" if note.strip() else ""),
        kind=TimelineKind.UPDATE if note.strip() else TimelineKind.CHANGE,
    )
    history.audit(
        incident,
        by,
        AuditAction.UPDATE,
        incident,
        request,
        actions=[action.pk for action in chosen],
        status=status,
        owner_organisation=_pk(owner_organisation),
        owner=_pk(owner),
    )
    tallies.recount(incident)
    return len(chosen)


def log_change(*, incident, by, text) -> TimelineEntry:
    """A timeline entry for a change made in another app (a meeting scheduled, say)."""
    return history.note(incident, by, text)


def audit(*, incident, by, action, target, request=None, **detail) -> None:
    """An entry in the audit log of the incident's partnership, for something another app did to (or read
    of) the incident's records: ``detail`` as given."""
    history.audit(incident, by, action, target, request, **detail)


@transaction.atomic
def add_update(*, incident, by, text, request=None) -> TimelineEntry:
    refuse_if_closed_meanwhile(incident, lock=False)
    entry = history.note(incident, by, text.strip(), kind=TimelineKind.UPDATE)
    history.audit(incident, by, AuditAction.CREATE, entry, request)
    return entry


@transaction.atomic
def record_decision(
    *, incident, by, what, why, who_decided: str = "", supersedes=None, request=None
) -> Decision:
    """Log a decision, made by ``who_decided`` (by default the person logging it). Decisions are never edited:
    a changed mind is a new decision superseding the old."""
    # First (locks.py): of two people superseding one decision at once, the second reads it once the first
    # has saved, and is told it was superseded.
    refuse_if_closed_meanwhile(incident)
    if supersedes is not None:
        supersedes = Decision.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.incident_id != incident.pk:
            raise DomainError(
                "Only a current decision of this incident can be superseded.", field="supersedes"
            )
        later = Decision.objects.filter(supersedes=supersedes).first()
        if later is not None:
            raise DomainError(
                "This decision has already been superseded, by the decision of "
                f"{timezone.localtime(later.decided_at):%d %b %Y %H:%M} (“{later.what}”). Supersede that "
                "one if it needs changing.",
                field="supersedes",
            )
    decision = Decision.objects.create(
        incident=incident,
        what=what.strip(),
        why=why.strip(),
        who_decided=" ".join(who_decided.split()) or by.full_name,
        decided_by=by,
        supersedes=supersedes,
    )
    text = f"Decision: {decision.what} Why: {decision.why} Decided by: {decision.who_decided}."
    if supersedes:
        text += f" (supersedes the decision of {timezone.localtime(supersedes.decided_at):%d %b %Y %H:%M})"
    history.note(incident, by, text, kind=TimelineKind.DECISION)
    history.audit(incident, by, AuditAction.CREATE, decision, request)
    return decision


@transaction.atomic
def review_plan(*, incident, by, changes, request=None) -> PlanReview:
    refuse_if_closed_meanwhile(incident)
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
def change_status(*, incident, by, status, status_seen, request=None) -> Incident:
    """Move the incident along its lifecycle (closing comes with the review, in the 'after' work), from
    ``status_seen``, the status the person saw.

    Locked and read again first: of two identical changes at once the second finds it done and writes nothing;
    a status moved on since it was seen is refused (EditConflict), so nobody undoes a colleague's move unseen.
    """
    incident.status, revision = locked_incidents().values_list("status", "revision").get(pk=incident.pk)
    if incident.status == status:
        return incident
    if incident.status != status_seen:
        raise EditConflict(
            f"Someone else changed the status of {incident.reference} meanwhile: it is now "
            f"{incident.get_status_display().lower()}, not {IncidentStatus(status_seen).label.lower()}.",
            current_revision=revision,
        )
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
    tallies.recount(incident)
    return incident


@transaction.atomic
def set_aside_open_actions(
    *, incident, by, status, reason: str, expected_revisions: dict, request=None
) -> int:
    """Mark every action still open not needed, or handed over, for one reason: the last step before closing.

    ``expected_revisions`` is what the page listed, each open action's revision by id: one added or changed
    since refuses them all (EditConflict, naming them), so no action is set aside unseen. Returns how many
    actions were set aside.
    """
    if status not in {ActionStatus.NOT_NEEDED, ActionStatus.HANDED_OVER}:
        raise DomainError("Open actions can be marked not needed or handed over.", field="status")
    if not reason.strip():
        raise DomainError(
            "Say who the actions were handed over to."
            if status == ActionStatus.HANDED_OVER
            else "Say why the actions are not needed.",
            field="reason",
        )
    lock_incident(incident)  # first, before the actions (locks.py)
    # Read under the lock: a colleague may have moved it back to responding since the page read it.
    if Incident.objects.values_list("status", flat=True).get(pk=incident.pk) != IncidentStatus.RECOVERY:
        raise DomainError("Actions are set aside together only when the incident is in recovery.")
    open_actions = incident.actions.select_for_update().filter(status__in=OPEN_ACTION_STATUSES).order_by("pk")
    refuse_if_any_changed(
        list(open_actions),
        expected_revisions=expected_revisions,
        conflict_message=lambda changed: (
            f"Someone else added or changed {pluralize(len(changed), 'this action,these actions')} since the "
            f"page was opened, so none was set aside: {_titles(changed)}. Check the list below, then send it "
            "again."
        ),
    )
    count = update_and_move_revision(
        open_actions,
        status=status,
        not_needed_reason=reason.strip() if status == ActionStatus.NOT_NEEDED else "",
    )
    if count:
        label = ActionStatus(status).label.lower()
        history.note(incident, by, f"{count} open action{pluralize(count)} marked {label}: {reason.strip()}")
        history.audit(
            incident, by, AuditAction.UPDATE, incident, request, actions_set_aside=count, status=status
        )
    tallies.recount(incident)
    return count


@transaction.atomic
def close(*, incident, by, request=None) -> Incident:
    """Close an incident in recovery whose actions are all done, handed over or not needed, and whose police
    measures are all lifted or ended (a closed incident refuses changes, lifting one too).

    The review comes first too; the recovery app checks it before calling this.
    """
    incident = locked_incidents().get(pk=incident.pk)
    if incident.status != IncidentStatus.RECOVERY:
        raise DomainError("Only an incident in recovery can be closed.")
    still_open = incident.actions.filter(status__in=OPEN_ACTION_STATUSES).count()
    if still_open:
        raise DomainError(
            f"{still_open} action{pluralize(still_open)} still open: complete, hand over or mark "
            "each one not needed first."
        )
    if measures_in_force := lift_before_closing(incident):
        raise DomainError(measures_in_force)
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    history.note(incident, by, "The incident was closed.")
    history.audit(incident, by, AuditAction.UPDATE, incident, request, status=incident.status)
    tallies.recount(incident)
    incident_closed.send(sender=Incident, incident=incident, by=by)
    return incident


@transaction.atomic
def reopen(*, incident, by, reason: str, request=None) -> Incident:
    """Re-open a closed incident into recovery; the reason goes on the timeline."""
    incident = locked_incidents().get(pk=incident.pk)
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
    tallies.recount(incident)
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

    Its people affected that ``by`` may read go with it (nobody discloses a record they may not read: the
    others stay with the lead partnership until someone on their lists shares the incident again), so the
    share is then a disclosure (``record_disclosure``). Every share, carrying records or none, is refused
    without a reason and a UK GDPR Article 6 basis; one carrying records also without an Article 9 condition
    when their records hold health information. The other partnership's people read
    only the records a share's disclosure names (those on their lists): a record made later goes with the
    incident when it is shared with that partnership again. A share that carries no record discloses nothing
    personal, so it logs no disclosure (as a situation report without people): the timeline and the audit log
    say it was the incident only. The share's audit entry keeps why and the lawful basis given either way.

    The share returned says what it recorded, for its confirmation: ``disclosure``, the disclosure it wrote
    (None when it carried no record), and ``left_out``, how many records it left out, counted with them (the
    incident is locked, so a record made meanwhile waits and is in neither)."""
    refuse_if_closed_meanwhile(incident)
    if partnership.pk == incident.partnership_id:
        raise DomainError("The incident already belongs to this partnership.", field="partnership")
    # Asked of every share, records or none, in the share's words (its disclosure asks again, of health).
    if not purpose.strip():
        raise DomainError(f"{NO_REASON_TO_SHARE}.", field="purpose")
    if not article6_basis:
        raise DomainError(
            "Choose the UK GDPR Article 6 basis for sharing it: without one it cannot be shared.",
            field="article6_basis",
        )
    check_basis(
        incident=incident,
        purpose=purpose,
        article6_basis=article6_basis,
        special_category=False,
        article9_condition=article9_condition,
        gateway=gateway,
        agreement=agreement,
    )
    people = list(people_visible_to(by, incident))
    recorded = incident.people.count()
    share, _ = IncidentShare.objects.get_or_create(
        incident=incident, partnership=partnership, defaults={"shared_by": by}
    )
    what = _what_a_share_carries(len(people), recorded)
    share.disclosure, share.left_out = None, recorded - len(people)
    if people:
        share.disclosure = record_disclosure(
            incident=incident,
            people=people,
            what=f"{what}, shared with another partnership",
            recipient=str(partnership),
            purpose=purpose,
            article6_basis=article6_basis,
            special_category=holds_health_information(people),
            article9_condition=article9_condition,
            gateway=gateway,
            agreement=agreement,
            share=share,
            by=by,
            request=request,
        )
        history.note(incident, by, f"Shared with {partnership}.")
    else:
        history.note(
            incident, by, f"Shared with {partnership}: the incident only, with no records of people affected."
        )
    history.audit(
        incident,
        by,
        AuditAction.CREATE,
        share,
        request,
        what=what,
        **_why_shared(purpose, article6_basis, article9_condition, gateway, agreement),
    )
    return share


def _why_shared(purpose, article6_basis, article9_condition, gateway, agreement) -> dict:
    """The why and the lawful basis given for a share, for its audit entry: kept whether or not records went
    with it, as a share carrying none logs no disclosure to keep them. Those not given are left out."""
    given = {
        "article9_condition": article9_condition,
        "gateway": gateway,
        "agreement": str(agreement) if agreement else "",
    }
    return {
        "purpose": purpose.strip(),
        "article6_basis": article6_basis,
        **{key: value for key, value in given.items() if value},
    }


def _what_a_share_carries(carried: int, recorded: int) -> str:
    """What a share carrying ``carried`` of the incident's ``recorded`` records of people affected (those the
    sharer may read) gives."""
    if not carried:
        return "The incident only"
    if carried == recorded:
        return "The incident and its people affected"
    return f"The incident and {carried} of its {recorded} records of people affected"


@transaction.atomic
def edit_record(
    *, incident, by, expected_revision, title, incident_types, occurred_at, notified_at, summary, request=None
) -> Incident:
    """Correct the incident's record; refused if anyone changed the incident since the form was opened. The
    plan follows the correction: new types add the items they make apply, and a new time the partnership was
    told re-dates the open actions drawn from the checklist."""
    refuse_if_closed_meanwhile(incident)
    check_incident_times(occurred_at=occurred_at, notified_at=notified_at)
    if occurred_at > incident.occurred_at:
        check_nothing_done_before(incident=incident, occurred_at=occurred_at)
    types_before, notified_before = set(incident.incident_types), incident.notified_at
    update_if_unchanged(
        incident,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this incident while you were editing it.",
        title=title.strip(),
        incident_types=sorted(incident_types),
        occurred_at=occurred_at,
        notified_at=notified_at,
        summary=summary.strip(),
    )
    history.note(incident, by, "The incident's record was corrected.")
    history.audit(incident, by, AuditAction.UPDATE, incident, request)
    if incident.notified_at != notified_before:
        _redate_drawn_actions(incident, by)
    if set(incident.incident_types) != types_before:
        redraw_plan(incident=incident, by=by, reason="the incident's types were corrected")
    tallies.recount(incident)
    return incident


def check_nothing_done_before(*, incident, occurred_at) -> None:
    """An incident is not moved to have happened after something recorded as done about it (the police's
    declaration, a partner told, an action's due time...); the message names the earliest, and its time
    unless it is a record about someone affected."""
    earliest = earliest_done_before(incident, occurred_at)
    if earliest is None:
        return
    done, at = earliest
    if isinstance(at, datetime):
        local = timezone.localtime(at)
        when = f"{local:%H:%M} on {local.day} {local:%b %Y}, before this time"
    else:
        when = f"{at.day} {at:%b %Y}, before this day"
    raise DomainError(
        f"{done.format(when)}. Nothing done about an incident can come before it happened: check the date, "
        "and the time of day (24-hour clock).",
        field="occurred_at",
    )


def _redate_drawn_actions(incident, by) -> int:
    """Each open action drawn from the checklist falls due again counted from the corrected time the
    partnership was told, as a plan drawn now would (working days counted again, not shifted). An action
    added by hand keeps the due time a person gave it; one done or set aside, the time it was judged by.

    An action now due later starts its escalation and reminders again: it is overdue from its new time, not
    its old one, and its owner hears of it when that comes. One now due earlier keeps the steps taken: it has
    been overdue at least as long as they said, and their people were told already."""
    if incident.playbook_version_id is None:
        return 0
    timings = incident.playbook_version.vocabularies["timings"]
    open_by_timing = defaultdict(list)
    drawn = incident.actions.filter(status__in=OPEN_ACTION_STATUSES, item__isnull=False)
    for action_id, timing in drawn.values_list("pk", "item__timing"):
        open_by_timing[timing].append(action_id)
    moved = 0
    for timing, action_ids in open_by_timing.items():
        due_at = due_after(timings[timing], incident.notified_at)
        # Still open when updated: one done or set aside since it was read keeps the time it was judged by.
        actions = PlanAction.objects.filter(pk__in=action_ids, status__in=OPEN_ACTION_STATUSES)
        # Those moving earlier (or not at all) first: once moved, the second update no longer takes them.
        moved += update_and_move_revision(actions.filter(due_at__gte=due_at), due_at=due_at)
        moved += update_and_move_revision(
            actions.filter(due_at__lt=due_at),
            due_at=due_at,
            escalation_step=EscalationStep.NONE,
            escalated_at=None,
            last_reminded_at=None,
        )
    if moved:
        history.note(
            incident,
            by,
            f"{moved} open action{pluralize(moved)} from the checklist now due from the corrected time the "
            "partnership was told.",
        )
    return moved


@transaction.atomic
def add_scene(*, incident, by, description, area, latitude, longitude, place="", request=None) -> Scene:
    refuse_if_closed_meanwhile(incident)
    check_coordinates(latitude=latitude, longitude=longitude)
    scene = Scene.objects.create(
        incident=incident,
        description=description.strip(),
        area=area.strip(),
        latitude=latitude,
        longitude=longitude,
        place=place,
    )
    history.note(incident, by, f"Scene added: {scene.description}.")
    history.audit(incident, by, AuditAction.CREATE, scene, request)
    redraw_plan(incident=incident, by=by, reason="a scene was added")
    return scene
