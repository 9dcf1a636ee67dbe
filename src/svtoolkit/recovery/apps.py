from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class RecoveryConfig(SvtoolkitAppConfig):
    name = "svtoolkit.recovery"
    verbose_name = "Recovery"
    demo_seeder = DemoSeeder("recovery", order=43)

    def ready(self):
        super().ready()
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.incidents.deadlines import register_deadline_source
        from svtoolkit.recovery.attachment_owner import REVIEW
        from svtoolkit.recovery.selectors import court_deadlines

        register_owner(REVIEW)
        register_deadline_source(court_deadlines)
