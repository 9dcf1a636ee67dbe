"""Reading an incident's communications."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from svtoolkit.audit.models import AuditAction
from svtoolkit.communications.models import CommunicationsPlan, Message, SignOff
from svtoolkit.incidents import history


def plan_of(incident) -> CommunicationsPlan | None:
    return (
        CommunicationsPlan.objects.filter(incident=incident)
        .select_related("lead_organisation", "updates_owner")
        .first()
    )


def updates_owner_reminded(plan, incident) -> bool:
    """Whether the plan's updates owner is reminded when an update falls due: only while they may be told
    about the incident (``access.may_be_told_about``, the rule the reminders' task filters by), so the page
    never says someone is reminded who is not."""
    from svtoolkit import access

    owner = plan.updates_owner
    return owner is not None and access.may_be_told_about(owner, incident)


def messages_of(incident) -> QuerySet[Message]:
    return incident.messages.annotate(
        pending_sign_offs=Count("sign_offs", filter=Q(sign_offs__signed_at__isnull=True))
    ).order_by("planned_for", "id")


# What stands for the title of a message naming or showing someone affected, until it is published, for anyone
# who may not read it: the title may name them as much as the text does.
RESTRICTED_TITLE = "A message naming someone affected (restricted)"


def is_restricted(message) -> bool:
    """A message naming or showing someone affected, not yet published: its title, text, audience, the
    family's agreement note and its approvers' comments are for those who may read it
    (``access.can_read_message``)."""
    from svtoolkit.communications.models import MessageStatus

    return message.names_or_images and message.status != MessageStatus.PUBLISHED


def title_shown(message, *, readable: bool) -> str:
    """The title to show of ``message``: its own when the reader may read it (``access.can_read_message``), or
    when it is not restricted; otherwise RESTRICTED_TITLE. The one place pages, the timeline, the API and the
    situation report get a message's title from; the timeline, read by everyone who sees the incident, passes
    ``readable=False``."""
    if readable or not is_restricted(message):
        return message.title
    return RESTRICTED_TITLE


def read_message(
    message, *, incident, user, partnership, request, what="message naming someone affected"
) -> bool:
    """Whether this person may read all of ``message`` (``access.can_read_message``). Each time someone does
    read a restricted one, it is written to the audit log, as every reading of a record of people affected is;
    ``what`` says how it was read."""
    return message.pk in read_messages(
        [message], incident=incident, user=user, partnership=partnership, request=request, what=what
    )


def read_message_notes(message, *, incident, user, partnership, request) -> bool:
    """Whether this person may read the family's agreement note and the approvers' comments of ``message``
    (``access.can_read_message_notes``): publishing a message naming someone publishes neither. Each reading
    of those of a published one is written to the audit log, as ``read_message`` writes one before."""
    from svtoolkit import access

    if not access.can_read_message_notes(user, partnership, message):
        return False
    if message.names_or_images and not is_restricted(message):
        history.audit(
            incident,
            user,
            AuditAction.VIEW_SENSITIVE,
            message,
            request,
            what="family's agreement note and approvers' comments of a published message naming someone",
            incident=incident.reference,
        )
    return True


def read_messages(
    messages, *, incident, user, partnership, request, what="message naming someone affected"
) -> set[int]:
    """The ids of those of ``messages`` (``incident``'s) this person may read all of: ``read_message`` for a
    list, whether they are on the incident's list asked once (``access.message_reader``), and their readings
    of the restricted ones written to the audit log at once, one entry each in one statement."""
    from svtoolkit import access

    reads = access.message_reader(user, partnership)
    readable = [message for message in messages if reads(message)]
    restricted = [message for message in readable if is_restricted(message)]
    if restricted:
        history.audit_each(
            incident,
            user,
            AuditAction.VIEW_SENSITIVE,
            restricted,
            request,
            what=what,
            incident=incident.reference,
        )
    return {message.pk for message in readable}


def messages_with_titles(incident, user, partnership, request) -> list[tuple[Message, str]]:
    """The incident's messages in planned order, each with the title this person may see; a restricted one
    shown in full is a reading, written to the audit log as the API's list writes it."""
    messages = list(messages_of(incident).select_related("incident").prefetch_related("sign_offs"))
    readable = read_messages(
        messages,
        incident=incident,
        user=user,
        partnership=partnership,
        request=request,
        what="message naming someone affected, listed on the communications page",
    )
    return [(message, title_shown(message, readable=message.pk in readable)) for message in messages]


def messages_in(incident) -> QuerySet[Message]:
    """The incident's messages with their authors and sign-offs, as a message's page shows them."""
    sign_offs = SignOff.objects.select_related("organisation", "signed_by")
    return (
        Message.objects.select_related("created_by", "published_by")
        .prefetch_related(Prefetch("sign_offs", queryset=sign_offs))
        .filter(incident=incident)
    )


def message_in(incident, message_id) -> Message:
    return get_object_or_404(messages_in(incident), pk=message_id)


def sign_offs_of(message) -> QuerySet[SignOff]:
    return message.sign_offs.select_related("organisation", "message__incident")


def monitoring_notes(incident):
    return incident.monitoring_notes.select_related("noted_by")


def signable_by(message, user, partnership) -> list[SignOff]:
    """The sign-offs this person can give now: pending ones for an organisation they represent."""
    from svtoolkit import access
    from svtoolkit.communications.models import MessageStatus

    if message.status != MessageStatus.AWAITING_SIGNOFF:
        return []
    return [
        pending
        for pending in message.sign_offs.all()
        if not pending.signed_at and access.can_sign_off(user, partnership, pending)
    ]


def messages_naming_someone() -> QuerySet[Message]:
    """Messages that name, or show images of, someone affected: what the retention job erases."""
    return Message.objects.filter(names_or_images=True)


def sign_offs_home_section(*, user, partnership) -> dict | None:
    """Home page: the statements awaiting this person's organisation's sign-off on incidents they may see and
    that are open (a closed incident takes no sign-off until it is re-opened)."""
    from svtoolkit import access
    from svtoolkit.communications.models import MessageStatus

    organisation = access.organisation_signing_for(user, partnership)
    if organisation is None:
        return None
    # Their organisation's own, picked in the query: the first twenty of everyone's could hold none of them.
    waiting = list(
        SignOff.objects.filter(
            organisation_id=organisation,
            signed_at__isnull=True,
            message__status=MessageStatus.AWAITING_SIGNOFF,
            message__incident__in=access.visible_incidents(user, partnership).values("pk"),
        )
        .exclude(message__incident__status="closed")
        .select_related("message__incident", "organisation")
        .prefetch_related("message__sign_offs")
        .order_by("message__planned_for", "id")[:20]
    )
    if not waiting:
        return None
    # The home page is a glance, often on a shared screen: a title naming someone affected waits behind the
    # link, on the message's page, where reading it is audited.
    return {"sign_offs": [(sign_off, title_shown(sign_off.message, readable=False)) for sign_off in waiting]}
