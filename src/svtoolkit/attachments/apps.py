from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "svtoolkit.attachments"
    label = "attachments"
    verbose_name = "Attachments"
