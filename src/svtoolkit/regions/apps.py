from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig
from svtoolkit.incidents.apps import IncidentPagePanel, ShowsIncidentPanels


class RegionsConfig(ShowsIncidentPanels, SvtoolkitAppConfig):
    name = "svtoolkit.regions"
    verbose_name = "Regions"
    demo_seeder = DemoSeeder("region", order=60)
    # Regional staff may have no partnership: the region's section is shown to them all the same.
    home_section = HomePageSection(context="selectors.region_home_section", order=1, without_partnership=True)
    incident_panels = (
        IncidentPagePanel("regions/incident_panel.html", context="selectors.region_panel", order=60),
        IncidentPagePanel("regions/fund/incident_panel.html", context="fund_selectors.fund_panel", order=65),
    )

    def ready(self):
        super().ready()
        from svtoolkit.core import events
        from svtoolkit.incidents.signals import incident_closed
        from svtoolkit.partnerships.signals import partnership_moved
        from svtoolkit.regions.services import (
            on_event,
            on_partnership_moved,
            withdraw_region_alert_at_closing,
        )

        events.subscribe(on_event)
        partnership_moved.connect(on_partnership_moved, dispatch_uid="svtoolkit-region-follows-partnership")
        incident_closed.connect(
            withdraw_region_alert_at_closing, dispatch_uid="svtoolkit-region-alert-at-closing"
        )
