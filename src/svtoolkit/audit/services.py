"""Writing to the audit log. Every entry is made here."""

from django.db import models

from svtoolkit.audit.models import AuditAction, AuditEntry


def client_ip(request) -> str | None:
    """The client address as seen by the server (a trusted proxy count is handled by django-axes' ipware)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) if request is not None else None


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
