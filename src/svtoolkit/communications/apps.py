from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "svtoolkit.communications"
    label = "communications"
    verbose_name = "Communications"
