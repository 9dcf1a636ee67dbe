"""Reading the audit log."""

from collections.abc import Callable
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from svtoolkit.accounts.models import Membership
from svtoolkit.audit.models import AuditAction, AuditEntry


def audit_entries_for_partnership(
    partnership,
    *,
    action: str = "",
    actor: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """A partnership's entries, newest first, narrowed by the filters that are given.

    A person's own account events (signing in and out, failed sign-ins, their two-factor devices and contact
    preferences) belong to no partnership; they are shown to each partnership the person belongs to. A change
    made in the Django admin to a record of no partnership (someone's account) is not theirs: no partnership's
    log shows it, whoever made it.
    """
    member_emails = Membership.objects.filter(partnership=partnership).values("user__email")
    # has_key first: negated alone, the lookup would drop every entry whose detail has no "via" at all.
    made_in_the_admin = Q(detail__has_key="via", detail__via="admin")
    own_account_events = Q(partnership__isnull=True, actor_label__in=member_emails) & ~made_in_the_admin
    entries = AuditEntry.objects.filter(Q(partnership=partnership) | own_account_events)
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(
            Q(actor_label__icontains=actor.strip()) | Q(actor_name__icontains=actor.strip())
        )
    if date_from:
        entries = entries.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time.min)))
    if date_to:
        entries = entries.filter(at__lte=timezone.make_aware(datetime.combine(date_to, time.max)))
    return entries


def entries_about(target) -> QuerySet[AuditEntry]:
    """Every entry naming this object, oldest first: its history, and who has looked at it."""
    return AuditEntry.objects.filter(target_type=target._meta.label, target_id=str(target.pk)).order_by(
        "at", "id"
    )


def sensitive_views_of(target) -> QuerySet[AuditEntry]:
    """The views of sensitive data recorded against this object (an incident's support summary, as it was
    audited before it named each person it shows)."""
    return entries_about(target).filter(action=AuditAction.VIEW_SENSITIVE)


# How the log page shows the detail of entries about one kind of record (its ``target_type``): registered by
# the app that owns the record, as the audit app imports none.
_detail_shown: dict[str, Callable[[dict], list[tuple[str, str]]]] = {}


def register_detail_shown(target_type: str, shown: Callable[[dict], list[tuple[str, str]]]) -> None:
    """Show the detail of entries about ``target_type`` records on the log page: ``shown(detail)`` gives each
    line as (what it is, its value), in words a coordinator reads."""
    _detail_shown[target_type] = shown


def with_details_shown(entries) -> list[AuditEntry]:
    """``entries`` (a page of the log), each with ``details``: the lines of its detail the log page shows
    (none unless its kind of record registered how: ``register_detail_shown``)."""
    entries = list(entries)
    for entry in entries:
        shown = _detail_shown.get(entry.target_type)
        entry.details = shown(entry.detail) if shown else []
    return entries
