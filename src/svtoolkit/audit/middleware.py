"""Auditing answers that, repeated, show someone probing: incident ids that were not found."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_counted


class IncidentNotFoundMiddleware:
    """A 404 for an address naming an incident (``incident_id`` in the web pages' and the API's routes) is
    either a stale link or someone trying ids they may not see: counted in the audit log, one entry per
    client per window (``record_counted``), so a probe shows as one line with its count."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if response.status_code == 404 and match is not None and "incident_id" in match.kwargs:
            record_counted(
                action=AuditAction.NOT_FOUND,
                request=request,
                actor=getattr(request, "user", None),
                partnership=getattr(request, "partnership", None),
                detail={"first_asked_for": match.kwargs["incident_id"]},
            )
        return response
