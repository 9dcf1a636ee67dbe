from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "svtoolkit.core"
    label = "core"
    verbose_name = "Core"
    default = True

    def ready(self):
        from django.core import checks

        from svtoolkit.core.ratelimits import check_rate_settings

        checks.register(check_rate_settings)


class AdminConfig(admin_apps.AdminConfig):
    """Django admin, served by svtoolkit's admin site (its own sign-in, superusers with two-factor)."""

    default = False
    default_site = "svtoolkit.core.admin_site.SvtoolkitAdminSite"
