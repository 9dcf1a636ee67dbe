from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class AlertsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.alerts"
    verbose_name = "Alerts and the duty rota"
    demo_seeder = DemoSeeder("alerting", order=35)
    home_section = HomePageSection(context="selectors.alerts_home_section", order=5)

    def ready(self):
        super().ready()
        from svtoolkit.alerts.selectors import alert_panel
        from svtoolkit.incidents.selectors import register_incident_panel

        register_incident_panel(template_name="alerts/incident_panel.html", context=alert_panel, order=10)
