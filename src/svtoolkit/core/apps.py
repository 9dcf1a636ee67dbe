from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "svtoolkit.core"
    label = "core"
    verbose_name = "Core"
    default = True


class AdminConfig(admin_apps.AdminConfig):
    """Django admin, served by svtoolkit's admin site (its own sign-in, superusers with two-factor)."""

    default = False
    default_site = "svtoolkit.core.admin_site.SvtoolkitAdminSite"
