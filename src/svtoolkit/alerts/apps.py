from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig
from svtoolkit.incidents.apps import IncidentPagePanel, ShowsIncidentPanels


class AlertsConfig(ShowsIncidentPanels, SvtoolkitAppConfig):
    name = "svtoolkit.alerts"
    verbose_name = "Alerts and the duty rota"
    demo_seeder = DemoSeeder("alerting", order=35)
    home_section = HomePageSection(context="selectors.alerts_home_section", order=5)
    incident_panels = (
        IncidentPagePanel("alerts/incident_panel.html", context="selectors.alert_panel", order=10),
    )
