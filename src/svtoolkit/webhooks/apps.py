from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "svtoolkit.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from svtoolkit.core import events
        from svtoolkit.webhooks.services import publish

        # Every event any app announces reaches the endpoints that asked for it.
        events.subscribe(publish)
