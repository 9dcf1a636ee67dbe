from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from svtoolkit import access


class SvtoolkitAdminSite(admin.AdminSite):
    """Django admin behind svtoolkit's own sign-in, for active superusers who have passed two-factor."""

    site_header = "svtoolkit administration"
    site_title = "svtoolkit administration"

    def has_permission(self, request):
        return access.can_use_admin(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            access.deny(request, reason="can_use_admin")
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
