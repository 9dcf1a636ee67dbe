from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class TensionConfig(SvtoolkitAppConfig):
    name = "svtoolkit.tension"
    verbose_name = "Community tension"
    demo_seeder = DemoSeeder("tension", order=42)
