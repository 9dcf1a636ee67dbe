from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "svtoolkit.search"
    label = "search"
    verbose_name = "Search"
