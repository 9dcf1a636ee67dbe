from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "svtoolkit.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from svtoolkit.audit import signals  # noqa: F401  (connects sign-in and sign-out recording)
