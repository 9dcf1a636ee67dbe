from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "svtoolkit.recovery"
    label = "recovery"
    verbose_name = "Recovery"

    def ready(self):
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.recovery.demo import seed_demo_recovery

        register_demo_seeder(order=43, name="recovery", seed=seed_demo_recovery)

        from svtoolkit.incidents.deadlines import register_deadline_source
        from svtoolkit.recovery.selectors import court_deadlines

        register_deadline_source(court_deadlines)
