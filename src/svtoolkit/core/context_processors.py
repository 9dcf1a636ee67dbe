from django.conf import settings
from django.utils import timezone

from svtoolkit import access


def service(request):
    """Values every page's layout needs: service name, marking, the user's partnerships and navigation."""
    user = getattr(request, "user", None)
    partnership = getattr(request, "partnership", None)
    navigation = []
    if user is not None and user.is_authenticated and partnership is not None:
        navigation.append(("core:home", "Home"))
        navigation.append(("incidents:list", "Incidents"))
        navigation.append(("alerts:rota", "Duty rota"))
        navigation.append(("recovery:calendar", "Calendar"))
        navigation.append(("partnerships:organisations", "Directory"))
        navigation.append(("playbooks:playbook", "Checklist"))
        navigation.append(("playbooks:readiness", "Readiness"))
        navigation.append(("recovery:lessons", "Lessons"))
        if access.can_view_reports(user, partnership):
            navigation.append(("reports:dashboard", "Reports"))
        if access.can_manage_members(user, partnership):
            navigation.append(("accounts:members", "Members"))
        navigation.append(("messaging:mine", "Messages"))
        if access.can_view_audit_log(user, partnership):
            navigation.append(("audit:log", "Audit log"))
    return {
        "service_name": settings.SERVICE_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
        "current_partnership": partnership,
        "current_membership": getattr(request, "membership", None),
        "my_memberships": getattr(request, "memberships", []),
        "navigation": navigation,
        "now": timezone.now(),
        "current_url_name": request.resolver_match.view_name
        if getattr(request, "resolver_match", None)
        else "",
    }
