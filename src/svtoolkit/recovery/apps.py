from svtoolkit.attachments.apps import OwnsAttachments
from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class RecoveryConfig(OwnsAttachments, SvtoolkitAppConfig):
    name = "svtoolkit.recovery"
    verbose_name = "Recovery"
    demo_seeder = DemoSeeder("recovery", order=43)
    attachment_owner = "attachment_owner.REVIEW"

    def ready(self):
        super().ready()
        from svtoolkit.incidents.deadlines import register_deadline_source
        from svtoolkit.recovery.selectors import court_deadlines

        register_deadline_source(court_deadlines)
