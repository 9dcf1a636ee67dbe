from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "svtoolkit.playbooks"
    label = "playbooks"
    verbose_name = "Checklist and readiness"
