from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class PlaybooksConfig(SvtoolkitAppConfig):
    name = "svtoolkit.playbooks"
    verbose_name = "Checklist and readiness"
    demo_seeder = DemoSeeder("checklist", order=20)
    home_section = HomePageSection(context="selectors.readiness_home_section", order=50)
