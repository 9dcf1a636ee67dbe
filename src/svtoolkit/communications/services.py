"""Speaking with one voice: the communications plan, messages and their sign-off, monitoring notes.

A message moves draft → awaiting sign-off → approved → published (or is withdrawn). Nothing is published
until every approver organisation has signed it off, nor, when it names or shows someone, before the family
has agreed.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.selectors import people_acting_for
from svtoolkit.audit.models import AuditAction
from svtoolkit.communications.models import (
    CommunicationsPlan,
    Message,
    MessageStatus,
    MonitoringNote,
    SignOff,
)
from svtoolkit.communications.selectors import title_shown
from svtoolkit.core.datetimes import days_later_on_the_clock
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import save_if_unchanged, update_and_move_revision, update_if_unchanged
from svtoolkit.incidents import services as incident_services
from svtoolkit.messaging import services as messaging


def _trail(message, by, text, request, **detail):
    # The timeline is read by everyone who sees the incident: a restricted title stays hidden until published.
    title = title_shown(message, readable=False)
    incident_services.log_change(incident=message.incident, by=by, text=f"“{title}”: {text}")
    incident_services.audit(
        incident=message.incident,
        by=by,
        action=AuditAction.UPDATE,
        target=message,
        request=request,
        status=message.status,
        **detail,
    )


@transaction.atomic
def set_plan(
    *,
    incident,
    by,
    lead_organisation,
    main_channel,
    update_every_days,
    updates_owner,
    expected_revision: int | None = 1,
    request=None,
):
    """Save the incident's communications plan; refused (EditConflict) if someone saved it since the page
    was opened. Before the first save the page shows no plan, at revision 1: the first save moves it on, as
    every save does, so a second page opened before it meets the conflict too. The next update is due a
    rhythm from now when the rhythm is set or changed, and stays when it was otherwise."""
    # The incident first, before the plan (locks.py): recording the lead agreed locks it too.
    incident_services.refuse_if_closed_meanwhile(incident)
    stored_owner = (
        CommunicationsPlan.objects.filter(incident=incident)
        .values_list("updates_owner_id", flat=True)
        .first()
    )
    if updates_owner is not None and updates_owner.pk != stored_owner:
        # One chosen before and kept as it is (core.forms.keep_stored_choice) is not refused: the page says
        # nobody is reminded (selectors.updates_owner_reminded).
        check_updates_owner(incident=incident, updates_owner=updates_owner)
    fields = {
        "lead_organisation": lead_organisation,
        "main_channel": main_channel.strip(),
        "update_every_days": update_every_days,
        "updates_owner": updates_owner,
        "next_update_due": days_later_on_the_clock(timezone.now(), update_every_days)
        if update_every_days
        else None,
    }
    plan, created = CommunicationsPlan.objects.get_or_create(
        incident=incident, defaults={**fields, "revision": 2}
    )
    if not created:
        if plan.update_every_days == update_every_days:
            # The same rhythm: the update due (overdue, or moved on by a publication) stays due when it was.
            del fields["next_update_due"]
        update_if_unchanged(plan, expected_revision=expected_revision, **fields)
    incident_services.log_change(incident=incident, by=by, text=f"Communications led by {lead_organisation}.")
    incident_services.record_event(
        incident=incident,
        event=incident_services.CompletingEvent.COMMUNICATIONS_LEAD_AGREED,
        by=by,
        link=reverse("communications:plan", args=[incident.pk]),
    )
    incident_services.audit(incident=incident, by=by, action=AuditAction.UPDATE, target=plan, request=request)
    return plan


def check_updates_owner(*, incident, updates_owner) -> None:
    """Whoever is newly named to be reminded of the regular update can be told about the incident
    (``access.may_be_told_about``, the reminders' own rule): someone who cannot see it would never be."""
    if not access.may_be_told_about(updates_owner, incident):
        raise DomainError(
            f"{updates_owner.full_name} cannot see this incident, so would never be reminded of its updates:"
            " choose someone who can.",
            field="updates_owner",
        )


def _distinct(approvers) -> list:
    """The approvers named, each organisation once: naming one twice (an API list, as the page's tick boxes
    cannot) asks it once."""
    return list({organisation.pk: organisation for organisation in approvers}.values())


def _require_approvers_taking_part(incident, approvers):
    taking_part = set(incident.participations.values_list("organisation_id", flat=True))
    outsiders = [str(organisation) for organisation in approvers if organisation.pk not in taking_part]
    if outsiders:
        raise DomainError(
            f"Approvers must take part in the incident: add {', '.join(outsiders)} as a partner first.",
            field="approvers",
        )


MESSAGE_FIELDS = ("kind", "title", "body", "audience", "channel", "planned_for", "names_or_images")
# What a family agrees to of a message naming or showing someone: what it says, shows, to whom and where.
AGREED_FIELDS = ("title", "body", "audience", "channel", "names_or_images")
_TRIMMED_FIELDS = {"title", "body", "audience", "channel"}


def _message_fields(fields: dict) -> dict:
    """A message's own fields as they are kept (texts trimmed); every one of MESSAGE_FIELDS, or TypeError."""
    if set(fields) != set(MESSAGE_FIELDS):
        raise TypeError(f"A message needs exactly these fields: {', '.join(MESSAGE_FIELDS)}")
    return {name: value.strip() if name in _TRIMMED_FIELDS else value for name, value in fields.items()}


def _name_approvers(message, approvers) -> None:
    """The approvers' organisations sign the message off; each is asked once."""
    named = set(message.sign_offs.values_list("organisation_id", flat=True))
    SignOff.objects.bulk_create(
        SignOff(message=message, organisation=organisation)
        for organisation in approvers
        if organisation.pk not in named
    )


@transaction.atomic
def draft_message(*, incident, by, approvers, request=None, **fields) -> Message:
    """Draft a message (its MESSAGE_FIELDS as keywords), naming the organisations that must sign it off."""
    incident_services.refuse_if_closed_meanwhile(incident)
    approvers = _distinct(approvers)
    _require_approvers_taking_part(incident, approvers)
    message = Message.objects.create(incident=incident, created_by=by, **_message_fields(fields))
    _name_approvers(message, approvers)
    _trail(message, by, f"{message.get_kind_display()} drafted.", request)
    return message


# What became of a message that is no longer a draft, as the refusal to change it says.
BECAME = {
    MessageStatus.AWAITING_SIGNOFF: "has been sent for sign-off",
    MessageStatus.APPROVED: "has been signed off",
    MessageStatus.PUBLISHED: "has been published",
    MessageStatus.WITHDRAWN: "has been withdrawn",
}


def no_longer_a_draft(message) -> str:
    """Why ``message`` (no longer a draft) cannot be changed: what became of it. Said by a save refused and
    by the change page opened on it."""
    return f"Only a draft can be changed: this one {BECAME[message.status]}."


@transaction.atomic
def revise_draft(*, message, by, expected_revision: int, approvers, request=None, **fields) -> Message:
    """Change a draft before it goes for sign-off; refused if someone changed it since the form opened. A
    family's agreement recorded for the draft is set aside when what it says, shows, or to whom, changes:
    they agreed to the draft they were read, not to this one."""
    incident_services.refuse_if_closed_meanwhile(message.incident)  # first, before the message (locks.py)
    approvers = _distinct(approvers)
    _require_approvers_taking_part(message.incident, approvers)
    changes = _message_fields(fields)
    agreed_to = Message.objects.filter(pk=message.pk).values(*AGREED_FIELDS, "family_agreed_at").get()
    agreement_set_aside = agreed_to.pop("family_agreed_at") is not None and any(
        changes[name] != value for name, value in agreed_to.items()
    )
    if agreement_set_aside:
        changes.update(family_agreed_at=None, family_agreement_note="")
    try:
        save_if_unchanged(
            Message.objects.filter(status=MessageStatus.DRAFT),
            message.pk,
            expected_revision=expected_revision,
            conflict_message="Someone else changed this draft while you were editing it.",
            **changes,
        )
    except EditConflict:
        message.refresh_from_db()
        if message.status != MessageStatus.DRAFT:
            raise DomainError(no_longer_a_draft(message)) from None
        raise
    # Nobody signs a draft, so the approvers are simply the ones now named.
    message.sign_offs.exclude(organisation__in=approvers).delete()
    _name_approvers(message, approvers)
    message.refresh_from_db()
    _trail(
        message,
        by,
        "draft changed; the family's agreement is needed again." if agreement_set_aside else "draft changed.",
        request,
    )
    return message


def _as_it_is_now(message) -> Message:
    """``message`` read again as stored now, its row locked until the change commits: a step (send, publish,
    withdraw) checks the status it moves on from there, not on the page's copy, so two steps at once cannot
    both pass."""
    Message.objects.select_for_update().filter(pk=message.pk).values_list("pk", flat=True).get()
    message.refresh_from_db()
    return message


def _to_move_on(message) -> Message:
    """``message`` about to move on a step (sent for sign-off, signed off, published, withdrawn): refused if
    its incident was closed meanwhile, checked first, before the message is locked (locks.py); then the
    message as it is now (``_as_it_is_now``)."""
    incident_services.refuse_if_closed_meanwhile(message.incident)
    return _as_it_is_now(message)


@transaction.atomic
def submit_for_sign_off(*, message, by, request=None) -> Message:
    message = _to_move_on(message)
    if message.status != MessageStatus.DRAFT:
        raise DomainError("Only a draft can be sent for sign-off.")
    if not message.sign_offs.exists():
        raise DomainError("Name at least one approver before sending it for sign-off.", field="approvers")
    message.status = MessageStatus.AWAITING_SIGNOFF
    message.save(update_fields=["status"])
    _trail(message, by, "sent for sign-off.", request)
    _ask_approvers(message)
    return message


# The kind of message asking approvers to sign off a statement, in the delivery layer.
SIGN_OFF_REQUEST = "sign_off_request"


def _ask_approvers(message) -> None:
    """Tell the people who act for each approver organisation that the statement awaits their sign-off,
    queued in the caller's transaction."""
    approvers = people_acting_for(message.sign_offs.values("organisation_id"))
    _tell_approvers(
        message,
        approvers,
        kind=SIGN_OFF_REQUEST,
        subject="a statement awaits your sign-off",
        dedupe_key=f"{_sign_off_requests_of(message)}{message.revision}",
    )


def _sign_off_requests_of(message) -> str:
    """The start of the once-only key of every request to sign ``message`` off (one per revision sent)."""
    return f"sign-off-request:{message.pk}:"


def _tell_approvers(message, people, *, kind: str, subject: str, dedupe_key: str, **context) -> None:
    """Send ``people`` the ``kind`` of notice about ``message``, its text from the template named after the
    kind; the notice carries the link, never the statement itself."""
    incident = message.incident
    link = settings.SITE_URL + reverse("communications:message", args=[incident.pk, message.pk])
    subject = incident.headed(subject)
    messaging.send(
        kind=kind,
        subject=subject,
        body=render_to_string(
            f"communications/email/{kind}.txt", {"incident": incident, "link": link, **context}
        ),
        sms_text=f"{subject}: {link}",
        recipients=[messaging.recipient_for_user(person) for person in people],
        partnership=incident.partnership,
        incident=incident,
        dedupe_key=dedupe_key,
    )


@transaction.atomic
def sign_off(*, sign_off, by, comment="", request=None) -> SignOff:
    """One approver organisation signs; when the last has signed, the message is approved."""
    message = _to_move_on(sign_off.message)
    if message.status != MessageStatus.AWAITING_SIGNOFF:
        raise DomainError("This message is not awaiting sign-off.")
    # Checked on the row as it is now, under the message's lock: two people of one organisation signing at
    # once would otherwise both pass, the second overwriting the first's comment.
    signed = SignOff.objects.filter(pk=sign_off.pk, signed_at__isnull=True).update(
        signed_by=by, signed_at=timezone.now(), comment=comment.strip()
    )
    if not signed:
        raise DomainError(f"{sign_off.organisation} has already signed this off.")
    sign_off.refresh_from_db()
    if not message.sign_offs.filter(signed_at__isnull=True).exists():
        message.status = MessageStatus.APPROVED
        message.save(update_fields=["status"])
    _trail(message, by, f"signed off for {sign_off.organisation}.", request)
    return sign_off


@transaction.atomic
def withdraw_sign_offs_of(*, incident, organisation, by, request=None) -> list[Message]:
    """An organisation that no longer takes part in the incident is no longer asked to sign its messages off:
    its sign-offs not yet given, on drafts and on messages awaiting sign-off, are withdrawn, each noted on the
    message's trail (one it gave stays). A message then signed off by every approver left is approved; one
    left with no approver goes back to being a draft, to name one taking part and send it again. Returns the
    messages changed."""
    awaited = SignOff.objects.filter(
        message__incident=incident,
        message__status__in=[MessageStatus.DRAFT, MessageStatus.AWAITING_SIGNOFF],
        organisation=organisation,
        signed_at__isnull=True,
    )
    changed = []
    for message in Message.objects.filter(pk__in=awaited.values("message_id")).order_by("pk"):
        message = _as_it_is_now(message)
        text = f"{organisation} no longer takes part, so is no longer asked to sign it off"
        status = message.status
        if status == MessageStatus.AWAITING_SIGNOFF:
            left = message.sign_offs.exclude(organisation=organisation)
            if not left.exists():
                status = MessageStatus.DRAFT
                text += "; it is a draft again: name an approver taking part, then send it for sign-off"
            elif not left.filter(signed_at__isnull=True).exists():
                status = MessageStatus.APPROVED
                text += "; every other approver has signed it off"
        message.sign_offs.filter(organisation=organisation, signed_at__isnull=True).delete()
        # Its people's requests still waiting to go (held for their quiet hours, say) are not sent.
        for person in people_acting_for([organisation.pk]):
            messaging.withdraw_deliveries_to(
                recipient=person,
                among=Q(notification__dedupe_key__startswith=_sign_off_requests_of(message)),
                because=f"Not sent: {organisation} no longer takes part in the incident.",
            )
        # A page opened on the draft must not name it again; a draft sent again asks its approvers afresh
        # (the request's dedupe key holds the revision).
        update_and_move_revision(Message.objects.filter(pk=message.pk), status=status)
        message.refresh_from_db()
        _trail(message, by, f"{text}.", request, organisation=organisation.name)
        changed.append(message)
    return changed


@transaction.atomic
def record_family_agreement(
    *, message, by, note, expected_revision: int | None = None, request=None
) -> Message:
    """The family's agreement to a message naming or showing someone, recorded once: a second page opened
    before it was recorded cannot replace the note. Given the revision the family was read
    (``expected_revision``, the page's), it is refused if the draft changed since: they agreed to that
    text."""
    incident_services.refuse_if_closed_meanwhile(message.incident)  # first, before the message (locks.py)
    as_read = {} if expected_revision is None else {"revision": expected_revision}
    recorded = Message.objects.filter(
        pk=message.pk,
        family_agreed_at__isnull=True,
        names_or_images=True,
        status__in=[MessageStatus.DRAFT, MessageStatus.AWAITING_SIGNOFF, MessageStatus.APPROVED],
        **as_read,
    ).update(family_agreed_at=timezone.now(), family_agreement_note=note.strip())
    message.refresh_from_db()
    if not recorded:
        if message.status in (MessageStatus.PUBLISHED, MessageStatus.WITHDRAWN):
            raise DomainError(
                f"This message was {message.get_status_display().lower()}: nothing can be added."
            )
        if not message.names_or_images:
            raise DomainError("This message names and shows no one: it needs no family's agreement.")
        if message.family_agreed_at is not None:
            raise DomainError("The family's agreement was recorded already: it is shown on the message.")
        raise _changed_since_read(message)
    _trail(message, by, "the family's agreement was recorded.", request)
    return message


def refuse_if_changed_since_read(*, message, expected_revision: int | None) -> None:
    """Refuse (EditConflict) the family's agreement sent from a page showing another revision of ``message``
    than the one stored: said even when the note is refused too, so that the page sent again, which shows the
    text as it is now, is never moved onto it in silence."""
    if expected_revision is not None and expected_revision != message.revision:
        raise _changed_since_read(message)


def _changed_since_read(message) -> EditConflict:
    return EditConflict(
        "The message was changed since you opened it: read the family the text as it is now (below), then"
        " record their agreement.",
        current_revision=message.revision,
    )


def publish_refused_because(message) -> str:
    """Why the message cannot be published yet (approvers still to sign, the family's agreement not recorded),
    or "" if it can: publish's refusal, and what the message's page says instead of offering it. One published
    or withdrawn meanwhile, from another page, says so."""
    if message.status == MessageStatus.PUBLISHED:
        return "It has already been published."
    if message.status == MessageStatus.WITHDRAWN:
        return "It has been withdrawn: it can no longer be published."
    if message.status != MessageStatus.APPROVED:
        pending = ", ".join(str(s.organisation) for s in message.sign_offs.filter(signed_at__isnull=True))
        return "It cannot be published until every approver has signed it off" + (
            f" (still waiting for: {pending})." if pending else "."
        )
    if message.names_or_images and message.family_agreed_at is None:
        return "It names or shows someone: record the family's agreement before publishing."
    return ""


@transaction.atomic
def publish(*, message, by, request=None) -> Message:
    """Mark a message published: only once approved and, if it names or shows someone, the family agreed."""
    message = _to_move_on(message)
    refused = publish_refused_because(message)
    if refused:
        raise DomainError(refused)
    message.status = MessageStatus.PUBLISHED
    message.published_at = timezone.now()
    message.published_by = by
    message.save(update_fields=["status", "published_at", "published_by"])
    plan = CommunicationsPlan.objects.filter(incident=message.incident).first()
    if plan and plan.update_every_days:
        plan.next_update_due = days_later_on_the_clock(message.published_at, plan.update_every_days)
        plan.save(update_fields=["next_update_due"])
    _trail(message, by, "published.", request)
    return message


@transaction.atomic
def withdraw(*, message, by, request=None) -> Message:
    """Withdraw a message not yet published; if it was awaiting sign-off, the approvers still asked are
    told."""
    message = _to_move_on(message)
    if message.status in {MessageStatus.PUBLISHED, MessageStatus.WITHDRAWN}:
        raise DomainError("A published or withdrawn message cannot be withdrawn.")
    was_awaiting_sign_off = message.status == MessageStatus.AWAITING_SIGNOFF
    message.status = MessageStatus.WITHDRAWN
    message.save(update_fields=["status"])
    _trail(message, by, "withdrawn.", request)
    if was_awaiting_sign_off:
        _tell_approvers_still_asked(message, by)
    return message


# The kind of message telling approvers a statement they were asked to sign off was withdrawn.
SIGN_OFF_WITHDRAWN = "sign_off_withdrawn"


def _tell_approvers_still_asked(message, by) -> None:
    """Tell the people acting for each approver organisation that has not yet signed that the statement they
    were asked to sign off was withdrawn: their request is void, so they need not open it to find nothing to
    do. Those whose organisation signed already had nothing outstanding (the timeline shows the withdrawal),
    and the person who withdrew it knows. Like the request, it carries the link, never the statement."""
    still_asked = people_acting_for(
        message.sign_offs.filter(signed_at__isnull=True).values("organisation_id")
    ).exclude(pk=by.pk)
    _tell_approvers(
        message,
        still_asked,
        kind=SIGN_OFF_WITHDRAWN,
        subject="a statement awaiting your sign-off was withdrawn",
        dedupe_key=f"sign-off-withdrawn:{message.pk}",
        by=by,
    )


@transaction.atomic
def add_monitoring_note(
    *, incident, by, source, summary, is_rumour, response, request=None
) -> MonitoringNote:
    incident_services.refuse_if_closed_meanwhile(incident)
    note = MonitoringNote.objects.create(
        incident=incident,
        noted_by=by,
        source=source.strip(),
        summary=summary.strip(),
        is_rumour=is_rumour,
        response=response.strip(),
    )
    kind = "Rumour to counter" if is_rumour else "Monitoring note"
    incident_services.log_change(incident=incident, by=by, text=f"{kind} ({note.source}): {note.summary}")
    incident_services.audit(incident=incident, by=by, action=AuditAction.CREATE, target=note, request=request)
    return note


ERASED = "[Erased under the partnership's retention period]"
ERASED_TITLE = "Message naming someone affected (erased)"


def erase_names_and_images(*, incident) -> int:
    """Blank what could name someone in the messages that named or showed them: title, text, audience, the
    family's agreement note and approvers' comments. Returns how many messages were erased.

    Called by the retention job inside its transaction; the job writes the audit entries.
    """
    naming = incident.messages.filter(names_or_images=True)
    SignOff.objects.filter(message__in=naming).update(comment="")
    # The timeline names a message by its title once it is published.
    for title in naming.values_list("title", flat=True):
        incident.timeline.filter(text__contains=f"“{title}”").update(
            text=Replace("text", Value(f"“{title}”"), Value(f"“{ERASED_TITLE}”"))
        )
    return naming.update(title=ERASED_TITLE, body=ERASED, audience="", family_agreement_note="")
