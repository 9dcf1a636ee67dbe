from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "svtoolkit.meetings"
    label = "meetings"
    verbose_name = "Meetings"
