from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "svtoolkit.regions"
    label = "regions"
    verbose_name = "Regions"

    def ready(self):
        from svtoolkit.incidents.selectors import register_incident_panel
        from svtoolkit.regions.fund_selectors import fund_panel

        register_incident_panel(
            template_name="regions/fund/incident_panel.html", context=fund_panel, order=60
        )
