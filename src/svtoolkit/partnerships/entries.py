"""Writing a new directory entry with its audit entry: the one way the directory's services and the contact
import (which sits below them) create one."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_created_each


def audit_value(value):
    """A value as it can be kept in the audit log's JSON detail."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _audited_detail(details: dict) -> dict:
    return {field: audit_value(value) for field, value in details.items()}


def create_audited(model, *, partnership, details, by, request, **links):
    """A new entry, audited; it belongs to the partnership unless ``links`` say what else it belongs to."""
    entry = model.objects.create(**(links or {"partnership": partnership}), **details)
    record(
        action=AuditAction.CREATE,
        actor=by,
        partnership=partnership,
        target=entry,
        detail=_audited_detail(details),
        request=request,
    )
    return entry


def create_many_audited(model, *, partnership, entries: list[tuple[dict, dict]], by, request) -> list:
    """``create_audited`` for each ``(details, links)`` of ``entries``: the entries in batched inserts and
    their audit entries in one more, for a large import's thousands of rows (two inserts a row otherwise,
    each a round trip to PostgreSQL)."""
    made = model.objects.bulk_create(
        [model(**(links or {"partnership": partnership}), **details) for details, links in entries],
        batch_size=500,
    )
    record_created_each(
        by=by,
        partnership=partnership,
        created=[
            (entry, _audited_detail(details)) for entry, (details, _) in zip(made, entries, strict=True)
        ],
        request=request,
    )
    return made
