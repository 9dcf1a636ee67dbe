from django.contrib import admin

from svtoolkit.core.models import ScheduledRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record only svtoolkit writes: the admin shows it, and nobody adds, changes or deletes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    """Read-only: which worker queued each scheduled job for which due time; only the scheduler writes."""

    list_display = ["job", "slot", "claimed_at", "claimed_by", "task_result_id"]
    list_filter = ["job"]
    date_hierarchy = "slot"
