"""What every change to an incident leaves behind: a line on its timeline and an entry in the audit log."""

from svtoolkit.audit.services import record
from svtoolkit.incidents.models import TimelineEntry, TimelineKind


def note(incident, by, text, *, kind=TimelineKind.CHANGE, action=None) -> TimelineEntry:
    return TimelineEntry.objects.create(incident=incident, by=by, kind=kind, text=text, action=action)


def audit(incident, by, action, target, request, **detail):
    record(
        action=action,
        actor=by,
        partnership=incident.partnership,
        target=target,
        detail=detail,
        request=request,
    )
