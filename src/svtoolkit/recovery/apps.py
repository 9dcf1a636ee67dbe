from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "svtoolkit.recovery"
    label = "recovery"
    verbose_name = "Recovery"
