"""Writing to the audit log. Every entry is made here."""

import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.cache import OUTAGE_ERRORS


def client_ip(request) -> str | None:
    """The client's address, for the audit log and for sign-in lockouts (``AXES_CLIENT_IP_CALLABLE``).

    Behind ``SVTOOLKIT_PROXY_COUNT`` trusted proxies, each appending the address it was reached from to
    ``X-Forwarded-For``, the client's is the Nth from the right: whatever stands left of it the client wrote
    itself, so is not believed. With no proxy, or a request that did not come through them all (too few
    addresses), it is the connection's address (``REMOTE_ADDR``); the header is then ignored. Anything that is
    not an IP address is recorded as none.
    """
    if request is None:
        return None
    proxies = settings.SVTOOLKIT_PROXY_COUNT
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [address.strip() for address in header.split(",") if address.strip()]
        if len(forwarded) >= proxies:
            return _ip_or_none(forwarded[-proxies])
    return _ip_or_none(request.META.get("REMOTE_ADDR", ""))


def _ip_or_none(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _entry(
    *, action, actor, partnership, detail, request, target=None, actor_label="", counting_until=None
) -> AuditEntry:
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry(
        action=action,
        actor=actor,
        actor_label=actor.email if actor is not None else actor_label,
        actor_name=actor.get_full_name() if actor is not None else "",
        counting_until=counting_until,
        partnership=partnership,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        detail=detail or {},
        ip_address=client_ip(request),
        path=request.get_full_path()[:500] if request is not None else "",
    )


def record(
    *,
    action: AuditAction,
    actor=None,
    partnership=None,
    target: models.Model | None = None,
    detail: dict | None = None,
    request=None,
    actor_label: str = "",
    counting_until=None,
) -> AuditEntry:
    """Append one entry. ``target`` names the object acted on; ``detail`` holds what changed. The entry goes
    in the log of ``partnership``, by default the target's own. The actor's address and name are copied into
    the entry, so it still names them once their account is deleted."""
    if partnership is None:
        partnership = getattr(target, "partnership", None)
    entry = _entry(**locals())  # the arguments, exactly as named: _entry takes the same
    entry.save()
    return entry


def record_action(
    action: AuditAction, /, *, by, target: models.Model, partnership=None, request=None, **detail
) -> AuditEntry:
    """Append the entry for ``action`` taken by ``by`` on ``target`` (made, changed, deleted, read), with the
    detail worth keeping given as keyword arguments: the shorthand for ``record`` that services use. In the
    log of ``partnership``, by default the target's own."""
    return record(
        action=action, actor=by, partnership=partnership, target=target, detail=detail, request=request
    )


def record_each(
    action: AuditAction, /, *, by, targets: list[models.Model], partnership, request=None, **detail
) -> list[AuditEntry]:
    """``record_action`` for each of ``targets`` at once, in one statement: a page showing several records of
    people affected writes an entry naming each, so each person's views are found by that person."""
    return AuditEntry.objects.bulk_create(
        [
            _entry(
                action=action, actor=by, partnership=partnership, detail=detail, request=request, target=each
            )
            for each in targets
        ]
    )


def record_created_each(*, by, created: list[tuple[models.Model, dict]], partnership, request=None):
    """``record_created`` for each ``(target, detail)`` of ``created``, in one statement: a file of thousands
    of contacts imported is thousands of entries, one insert each otherwise."""
    return AuditEntry.objects.bulk_create(
        [
            _entry(
                action=AuditAction.CREATE,
                actor=by,
                partnership=partnership,
                detail=detail,
                request=request,
                target=target,
            )
            for target, detail in created
        ]
    )


def record_created(*, by, target: models.Model, partnership=None, request=None, **detail) -> AuditEntry:
    """The entry for ``by`` making ``target``: ``record_action`` with ``AuditAction.CREATE``."""
    return record_action(
        AuditAction.CREATE, by=by, target=target, partnership=partnership, request=request, **detail
    )


def record_updated(*, by, target: models.Model, partnership=None, request=None, **changes) -> AuditEntry:
    """The entry for ``by`` changing ``target``, what changed as keyword arguments."""
    return record_action(
        AuditAction.UPDATE, by=by, target=target, partnership=partnership, request=request, **changes
    )


def record_deleted(*, by, target: models.Model, partnership=None, request=None, **detail) -> AuditEntry:
    """The entry for ``by`` deleting (or retiring) ``target``, written before it goes."""
    return record_action(
        AuditAction.DELETE, by=by, target=target, partnership=partnership, request=request, **detail
    )


def record_settings_changed(*, partnership, by, request=None, **changes) -> AuditEntry:
    """The entry for a change to ``partnership``'s own settings (how its members sign in, how long it keeps
    personal data), in its own log, what changed as keyword arguments."""
    return record_updated(by=by, partnership=partnership, target=partnership, request=request, **changes)


def record_in_each(
    *, partnerships, action: AuditAction, actor=None, detail: dict | None = None, request=None
):
    """The same entry appended to the log of each of ``partnerships``, in one statement (a region reading
    figures counted from every borough's incidents writes to every borough's log)."""
    return AuditEntry.objects.bulk_create(
        [
            _entry(action=action, actor=actor, partnership=each, detail=detail, request=request)
            for each in partnerships
        ]
    )


def record_many(
    *, action: AuditAction, actor=None, details: list[tuple], target: models.Model | None = None, request=None
) -> list[AuditEntry]:
    """Entries of one action, each ``(partnership, detail)`` of ``details`` its own entry in its partnership's
    log, each naming ``target`` if given, in one statement (a regional page reading the incidents of many
    boroughs)."""
    return AuditEntry.objects.bulk_create(
        [
            _entry(
                action=action,
                actor=actor,
                partnership=partnership,
                detail=detail,
                request=request,
                target=target,
            )
            for partnership, detail in details
        ]
    )


def record_permission_denied(*, request, reason: str) -> AuditEntry:
    return record(
        action=AuditAction.PERMISSION_DENIED,
        actor=request.user,
        partnership=getattr(request, "partnership", None),
        detail={"reason": reason},
        request=request,
    )


def record_counted(*, action: AuditAction, request, actor=None, partnership=None, detail: dict | None = None):
    """Record something that may come in floods (a failed API token, an incident id not found, a request
    refused by a rate limit) once per client per window (SVTOOLKIT_AUDIT_COUNT_MINUTES): the first time
    appends an entry, and each repeat from the same client (its address, and its account when signed in)
    until the window closes adds one to that entry's count. The entry's id waits in the cache; without a
    shared cache each server process keeps its own entry for the window."""
    now = timezone.now()
    if actor is not None and not actor.is_authenticated:
        actor = None
    client = f"{action}|{client_ip(request)}|{actor.pk if actor is not None else ''}"
    waiting = "audit-counted:" + hashlib.sha256(client.encode()).hexdigest()
    try:
        entry_id = cache.get(waiting)
    except OUTAGE_ERRORS:  # Redis is down: each time gets its own entry until it is back
        entry_id = None
    if entry_id is not None and AuditEntry.objects.filter(pk=entry_id).count_once_more(now):
        return
    window = timedelta(minutes=settings.SVTOOLKIT_AUDIT_COUNT_MINUTES)
    entry = record(
        action=action,
        actor=actor,
        partnership=partnership,
        detail=detail,
        request=request,
        counting_until=now + window,
    )
    try:
        cache.set(waiting, entry.pk, timeout=window.total_seconds())
    except OUTAGE_ERRORS:
        pass
