from django.apps import AppConfig


class TensionConfig(AppConfig):
    name = "svtoolkit.tension"
    label = "tension"
    verbose_name = "Community tension"
