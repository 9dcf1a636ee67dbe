from django.contrib import admin

from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is never edited, even by superusers."""

    list_display = [
        "at",
        "actor_label",
        "actor_name",
        "action",
        "count",
        "ip_address",
        "target_type",
        "target_label",
        "partnership",
    ]
    list_filter = ["action", "partnership"]
    search_fields = ["actor_label", "actor_name", "target_label", "ip_address"]
