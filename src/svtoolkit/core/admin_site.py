from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from svtoolkit import access


class SvtoolkitAdminSite(admin.AdminSite):
    """Django admin behind svtoolkit's own sign-in, for active superusers who have passed two-factor.

    Anyone else who is signed in is refused (403, audited) rather than shown the admin's own login.
    """

    site_header = "svtoolkit administration"
    site_title = "svtoolkit administration"

    def has_permission(self, request):
        return access.can_use_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                if request.path != reverse("admin:logout", current_app=self.name):
                    access.deny(request, reason="can_use_admin")
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            access.deny(request, reason="can_use_admin")
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
