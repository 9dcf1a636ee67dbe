from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class ReportsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.reports"
    verbose_name = "Reports"
    demo_seeder = DemoSeeder("reports", order=50, seed="demo.seed_demo_history")
