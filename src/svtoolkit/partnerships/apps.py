from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "svtoolkit.partnerships"
    label = "partnerships"
    verbose_name = "Partnerships and organisations"
