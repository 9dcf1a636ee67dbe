"""What every change to an incident leaves behind: a line on its timeline and an entry in the audit log."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_action, record_each
from svtoolkit.incidents.models import TimelineEntry, TimelineKind


def note(incident, by, text, *, kind=TimelineKind.CHANGE, action=None) -> TimelineEntry:
    return TimelineEntry.objects.create(incident=incident, by=by, kind=kind, text=text, action=action)


def audit(incident, by, action, target, request, /, **detail):
    record_action(action, by=by, partnership=incident.partnership, target=target, request=request, **detail)


def audit_each(incident, by, action, targets, request, /, **detail):
    """``audit`` of each of ``targets`` at once (one statement): one entry naming each record shown."""
    record_each(action, by=by, targets=targets, partnership=incident.partnership, request=request, **detail)


def opened(incident, by, target, request, *, reason: str, action=AuditAction.VIEW_SENSITIVE, **detail):
    """A sensitive record of the incident opened (read, or exported) with the reason given: the audit entry
    names the reason and the incident, and ``detail`` besides."""
    opened_each(incident, by, [target], request, reason=reason, action=action, **detail)


def opened_each(incident, by, targets, request, *, reason: str, action=AuditAction.VIEW_SENSITIVE, **detail):
    """``opened`` for each of ``targets`` at once (one statement): a page showing several records."""
    audit_each(incident, by, action, targets, request, reason=reason, incident=incident.reference, **detail)
