from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "svtoolkit.recovery"
    label = "recovery"
    verbose_name = "Recovery"

    def ready(self):
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.incidents.deadlines import register_deadline_source
        from svtoolkit.recovery.attachment_owner import REVIEW
        from svtoolkit.recovery.demo import seed_demo_recovery
        from svtoolkit.recovery.selectors import court_deadlines

        register_demo_seeder(order=43, name="recovery", seed=seed_demo_recovery)
        register_owner(REVIEW)
        register_deadline_source(court_deadlines)
