from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from svtoolkit import access


class LogsEachDeletion:
    """Mixin the site gives every admin registered on it: the "Delete selected" action logs each record on its
    own, as its delete page does. Django logs two or more in one bulk insert, which sends no ``post_save``, so
    the audit log (``audit.signals``) would never hear of them, and no partnership's log would show them.
    """

    def log_deletions(self, request, queryset):
        log_one = super().log_deletions  # bound here: super() cannot be called inside a comprehension
        return [entry for each in queryset for entry in log_one(request, [each])]


class SvtoolkitAdminSite(admin.AdminSite):
    """Django admin behind svtoolkit's own sign-in, for active superusers who have passed two-factor.

    Anyone else who is signed in is refused (403, audited) rather than shown the admin's own login.
    """

    site_header = "svtoolkit administration"
    site_title = "svtoolkit administration"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin registered here, svtoolkit's or a package's (groups, two-factor devices, sign-in
        attempts), logs each record its "Delete selected" deletes (``LogsEachDeletion``)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, LogsEachDeletion):
            admin_class = type(
                admin_class.__name__, (LogsEachDeletion, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

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
