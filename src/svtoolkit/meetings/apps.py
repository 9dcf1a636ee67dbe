from svtoolkit.attachments.apps import OwnsAttachments
from svtoolkit.core.apps import DemoSeeder, SvtoolkitAppConfig


class MeetingsConfig(OwnsAttachments, SvtoolkitAppConfig):
    name = "svtoolkit.meetings"
    verbose_name = "Meetings"
    demo_seeder = DemoSeeder("meetings", order=40)
    attachment_owner = "attachment_owner.MEETING"
