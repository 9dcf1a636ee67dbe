from importlib import import_module
from typing import NamedTuple

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.module_loading import import_string, module_has_submodule


class CoreConfig(AppConfig):
    name = "svtoolkit.core"
    label = "core"
    verbose_name = "Core"
    default = True

    def ready(self):
        from django.core import checks
        from django.urls import register_converter

        from svtoolkit.core.converters import RecordIdConverter
        from svtoolkit.core.ratelimits import check_rate_settings

        checks.register(check_rate_settings)
        register_converter(RecordIdConverter, "id")
        post_migrate.connect(_make_change_triggers, sender=self, dispatch_uid="svt_change_triggers")


def _make_change_triggers(sender, using, **kwargs):
    # After every migrate, on any database: a test database built from the models as much as a migrated one.
    # A migration that rebuilt a tracked table (SQLite alters a table so; PostgreSQL drops a column with the
    # triggers naming it) left it without triggers until now, and what a data migration wrote to it since
    # went unlogged: so a migrate is a change to every incident.
    from svtoolkit.core.changes import install_triggers, log_change_to_every_incident

    if install_triggers(using=using):
        log_change_to_every_incident(using=using)


class AdminConfig(admin_apps.AdminConfig):
    """Django admin, served by svtoolkit's admin site (its own sign-in, superusers with two-factor)."""

    default = False
    default_site = "svtoolkit.core.admin_site.SvtoolkitAdminSite"


class DemoSeeder(NamedTuple):
    """What an app adds to the demo partnership: ``seed`` names its function within the app, by default
    ``demo.seed_demo_<name>``."""

    name: str
    order: int
    seed: str = ""


class HomePageSection(NamedTuple):
    """An app's section of the home page, its template ``<app label>/home_section.html``: ``context`` names
    its function within the app."""

    context: str
    order: int
    without_partnership: bool = False


class SvtoolkitAppConfig(AppConfig):
    """A domain app's config: its label is the last part of its name (Django's default), and what it adds to
    core's registries (the demo seeders, the home-page sections) is declared, not written out in ``ready``.
    Its signal receivers, if it has any, are its ``receivers`` module, imported when it is ready.
    Functions are named within the app, so no import between apps is hidden from the layer contracts. A
    config that does more when ready calls ``super().ready()``."""

    default = False  # Django takes the app's own config in its apps.py, not this base
    demo_seeder: DemoSeeder | None = None
    home_section: HomePageSection | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.default = True

    def ready(self):
        # On to the mixins' ready() (attachment owners, incident panels) wherever they stand among the bases.
        super().ready()
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.core.selectors import register_home_section

        if module_has_submodule(self.module, "receivers"):
            import_module(f"{self.name}.receivers")
        if self.demo_seeder is not None:
            name, order, seed = self.demo_seeder
            register_demo_seeder(name=name, order=order, seed=self.own(seed or f"demo.seed_demo_{name}"))
        if self.home_section is not None:
            section = self.home_section._replace(context=self.own(self.home_section.context))
            register_home_section(template_name=f"{self.label}/home_section.html", **section._asdict())

    def own(self, dotted_name: str):
        """A function of this app, named within it ("selectors.alert_panel")."""
        return import_string(f"{self.name}.{dotted_name}")
