from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "svtoolkit.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.reports.demo import seed_demo_history

        register_demo_seeder(order=50, name="reports", seed=seed_demo_history)
