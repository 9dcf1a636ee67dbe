from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "svtoolkit.regions"
    label = "regions"
    verbose_name = "Regions"

    def ready(self):
        from svtoolkit.core import events
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.core.selectors import register_home_section
        from svtoolkit.incidents.selectors import register_incident_panel
        from svtoolkit.regions.demo import seed_demo_region
        from svtoolkit.regions.fund_selectors import fund_panel
        from svtoolkit.regions.selectors import region_home_section, region_panel
        from svtoolkit.regions.services import on_event

        events.subscribe(on_event)
        register_incident_panel(template_name="regions/incident_panel.html", context=region_panel, order=60)
        register_home_section(
            template_name="regions/home_section.html",
            context=region_home_section,
            order=1,
            without_partnership=True,
        )
        register_demo_seeder(order=60, name="region", seed=seed_demo_region)
        register_incident_panel(
            template_name="regions/fund/incident_panel.html", context=fund_panel, order=65
        )
