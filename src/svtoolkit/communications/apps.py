from svtoolkit.core.apps import DemoSeeder, HomePageSection, SvtoolkitAppConfig


class CommunicationsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.communications"
    verbose_name = "Communications"
    demo_seeder = DemoSeeder("communications", order=41)
    home_section = HomePageSection(context="selectors.sign_offs_home_section", order=15)
