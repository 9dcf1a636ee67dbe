from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "svtoolkit.meetings"
    label = "meetings"
    verbose_name = "Meetings"

    def ready(self):
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.meetings.attachment_owner import MEETING
        from svtoolkit.meetings.demo import seed_demo_meetings

        register_demo_seeder(order=40, name="meetings", seed=seed_demo_meetings)
        register_owner(MEETING)
