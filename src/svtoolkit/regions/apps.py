from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "svtoolkit.regions"
    label = "regions"
    verbose_name = "Regions"
