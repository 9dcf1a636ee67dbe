from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "svtoolkit.alerts"
    label = "alerts"
    verbose_name = "Alerts and the duty rota"

    def ready(self):
        from svtoolkit.alerts import receivers  # noqa: F401  (connects the launch protocol)
        from svtoolkit.alerts.demo import seed_demo_alerting
        from svtoolkit.alerts.selectors import alert_panel, alerts_home_section
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.core.selectors import register_home_section
        from svtoolkit.incidents.selectors import register_incident_panel

        register_incident_panel(template_name="alerts/incident_panel.html", context=alert_panel, order=10)
        register_home_section(template_name="alerts/home_section.html", context=alerts_home_section, order=5)
        register_demo_seeder(order=35, name="alerting", seed=seed_demo_alerting)
