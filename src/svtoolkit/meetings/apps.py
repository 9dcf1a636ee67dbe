from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class MeetingsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.meetings"
    verbose_name = "Meetings"
    demo_seeder = DemoSeeder("meetings", order=40)

    def ready(self):
        super().ready()
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.meetings.attachment_owner import MEETING

        register_owner(MEETING)
