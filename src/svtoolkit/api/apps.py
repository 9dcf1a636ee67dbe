from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "svtoolkit.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        # Registers the token authentication with drf-spectacular, so the schema describes it.
        from svtoolkit.api import receivers, schema  # noqa: F401
