from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class IncidentsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.incidents"
    verbose_name = "Incidents"
    demo_seeder = DemoSeeder("incidents", order=30)
    home_section = HomePageSection(context="selectors.incidents_home_section", order=10)

    def ready(self):
        super().ready()
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.incidents.attachment_owner import INCIDENT, incident_attachments_panel
        from svtoolkit.incidents.links.selectors import links_panel
        from svtoolkit.incidents.page_cache import track_what_the_page_reads
        from svtoolkit.incidents.selectors import register_incident_panel

        register_incident_panel(template_name="incidents/_links_panel.html", context=links_panel, order=50)
        register_owner(INCIDENT)
        track_what_the_page_reads()
        register_incident_panel(
            template_name="attachments/incident_panel.html", context=incident_attachments_panel, order=90
        )
