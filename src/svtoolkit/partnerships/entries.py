"""Writing a new directory entry with its audit entry: the one way the directory's services and the contact
import (which sits below them) create one."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record


def audit_value(value):
    """A value as it can be kept in the audit log's JSON detail."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def create_audited(model, *, partnership, details, by, request, **links):
    """A new entry, audited; it belongs to the partnership unless ``links`` say what else it belongs to."""
    entry = model.objects.create(**(links or {"partnership": partnership}), **details)
    record(
        action=AuditAction.CREATE,
        actor=by,
        partnership=partnership,
        target=entry,
        detail={field: audit_value(value) for field, value in details.items()},
        request=request,
    )
    return entry
