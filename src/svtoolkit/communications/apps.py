from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class CommunicationsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.communications"
    verbose_name = "Communications"
    demo_seeder = DemoSeeder("communications", order=41, seed="demo.seed_demo_communications")
    home_section = HomePageSection(
        "communications/home_section.html", context="selectors.sign_offs_home_section", order=15
    )
