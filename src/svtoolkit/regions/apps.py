from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class RegionsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.regions"
    verbose_name = "Regions"
    demo_seeder = DemoSeeder("region", order=60)
    # Regional staff may have no partnership: the region's section is shown to them all the same.
    home_section = HomePageSection(context="selectors.region_home_section", order=1, without_partnership=True)

    def ready(self):
        super().ready()
        from svtoolkit.core import events
        from svtoolkit.incidents.selectors import register_incident_panel
        from svtoolkit.partnerships.signals import partnership_moved
        from svtoolkit.regions.fund_selectors import fund_panel
        from svtoolkit.regions.selectors import region_panel
        from svtoolkit.regions.services import on_event, on_partnership_moved

        events.subscribe(on_event)
        partnership_moved.connect(on_partnership_moved, dispatch_uid="svtoolkit-region-follows-partnership")
        register_incident_panel(template_name="regions/incident_panel.html", context=region_panel, order=60)
        register_incident_panel(
            template_name="regions/fund/incident_panel.html", context=fund_panel, order=65
        )
