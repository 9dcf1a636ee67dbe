"""Writing to the audit log. Every entry is made here."""

import ipaddress

from django.conf import settings
from django.db import models

from svtoolkit.audit.models import AuditAction, AuditEntry


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


def record(
    *,
    action: AuditAction,
    actor=None,
    partnership=None,
    target: models.Model | None = None,
    detail: dict | None = None,
    request=None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry. ``target`` names the object acted on; ``detail`` holds what changed."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor.email if actor is not None else actor_label,
        partnership=partnership,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        detail=detail or {},
        ip_address=client_ip(request),
        path=request.get_full_path()[:500] if request is not None else "",
    )


def record_permission_denied(*, request, reason: str) -> AuditEntry:
    return record(
        action=AuditAction.PERMISSION_DENIED,
        actor=request.user,
        partnership=getattr(request, "partnership", None),
        detail={"reason": reason},
        request=request,
    )
