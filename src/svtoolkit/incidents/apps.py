from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "svtoolkit.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.core.selectors import register_home_section
        from svtoolkit.incidents import receivers  # noqa: F401  (need-to-know follows membership)
        from svtoolkit.incidents.attachment_owner import INCIDENT, incident_attachments_panel
        from svtoolkit.incidents.demo import seed_demo_incidents
        from svtoolkit.incidents.links.selectors import links_panel
        from svtoolkit.incidents.selectors import incidents_home_section, register_incident_panel

        register_home_section(
            template_name="incidents/home_section.html", context=incidents_home_section, order=10
        )
        register_demo_seeder(order=30, name="incidents", seed=seed_demo_incidents)
        register_incident_panel(template_name="incidents/_links_panel.html", context=links_panel, order=50)
        register_owner(INCIDENT)
        register_incident_panel(
            template_name="attachments/incident_panel.html", context=incident_attachments_panel, order=90
        )
