from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "svtoolkit.messaging"
    label = "messaging"
    verbose_name = "Messages and their delivery"
