from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from svtoolkit import access


def service(request):
    """Values every page's layout needs: service name, marking, the user's partnerships and navigation."""
    user = getattr(request, "user", None)
    partnership = getattr(request, "partnership", None)
    return {
        "service_name": settings.SERVICE_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
        "current_partnership": partnership,
        "current_membership": getattr(request, "membership", None),
        "my_memberships": getattr(request, "memberships", []),
        # Asked for only by the layout's header: a part of a page drawn on its own (an htmx swap) skips it.
        "navigation": SimpleLazyObject(lambda: navigation(user, partnership)),
        "now": timezone.now(),
        "current_url_name": request.resolver_match.view_name
        if getattr(request, "resolver_match", None)
        else "",
    }


def navigation(user, partnership) -> list[tuple[str, str]]:
    """The service navigation's links (view names and labels) the person is shown in the partnership."""
    links = []
    if user is not None and user.is_authenticated and partnership is not None:
        links.append(("core:home", "Home"))
        links.append(("incidents:list", "Incidents"))
        links.append(("alerts:rota", "Duty rota"))
        links.append(("recovery:calendar", "Calendar"))
        links.append(("partnerships:organisations", "Directory"))
        links.append(("playbooks:playbook", "Checklist"))
        links.append(("playbooks:readiness", "Readiness"))
        links.append(("recovery:lessons", "Lessons"))
        if access.can_view_reports(user, partnership):
            links.append(("reports:dashboard", "Reports"))
        if access.can_manage_members(user, partnership):
            links.append(("accounts:members", "Members"))
        links.append(("messaging:mine", "Messages"))
        if access.can_view_audit_log(user, partnership):
            links.append(("audit:log", "Audit log"))
    return links
