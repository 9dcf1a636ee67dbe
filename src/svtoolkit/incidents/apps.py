from typing import NamedTuple

from svtoolkit.attachments.apps import OwnsAttachments
from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class IncidentPagePanel(NamedTuple):
    """A panel an app adds to the incident page: ``context`` names its function within the app, which
    returns the panel's context, or None where this person is not to see it."""

    template_name: str
    context: str
    order: int


class ShowsIncidentPanels:
    """Mixed into the config (a ``SvtoolkitAppConfig``) of an app that adds panels to the incident page:
    declared in ``incident_panels``, they are registered when the app is ready, as this app may not import
    the app that adds them."""

    incident_panels: tuple[IncidentPagePanel, ...] = ()

    def ready(self):
        super().ready()
        from svtoolkit.incidents.selectors import register_incident_panel

        for panel in self.incident_panels:
            register_incident_panel(
                template_name=panel.template_name, context=self.own(panel.context), order=panel.order
            )


class IncidentsConfig(OwnsAttachments, ShowsIncidentPanels, SvtoolkitAppConfig):
    name = "svtoolkit.incidents"
    verbose_name = "Incidents"
    demo_seeder = DemoSeeder("incidents", order=30)
    home_section = HomePageSection(context="selectors.incidents_home_section", order=10)
    attachment_owner = "attachment_owner.INCIDENT"
    incident_panels = (
        IncidentPagePanel("incidents/_links_panel.html", context="links.selectors.links_panel", order=50),
        IncidentPagePanel(
            "attachments/incident_panel.html", context="attachment_owner.incident_attachments_panel", order=90
        ),
    )

    def ready(self):
        super().ready()
        from svtoolkit.audit.selectors import register_detail_shown
        from svtoolkit.incidents.page_cache import track_what_the_page_reads

        track_what_the_page_reads()
        # A share's audit entry keeps why it was made and on what basis: the audit log page shows them.
        register_detail_shown("incidents.IncidentShare", self.own("disclosures.why_shared_shown"))
