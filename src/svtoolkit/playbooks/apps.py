from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class PlaybooksConfig(SvtoolkitAppConfig):
    name = "svtoolkit.playbooks"
    verbose_name = "Checklist and readiness"
    demo_seeder = DemoSeeder("checklist", order=20, seed="demo.seed_demo_checklist")
    home_section = HomePageSection(
        "playbooks/home_section.html", context="selectors.readiness_home_section", order=50
    )
