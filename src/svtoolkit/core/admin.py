from django.contrib import admin

from svtoolkit.core.locking import next_revision, update_and_move_revision
from svtoolkit.core.models import ScheduledRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record only svtoolkit writes: the admin shows it, and nobody adds, changes or deletes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MovesRevisions:
    """Mixin for the admin of records the app's pages edit compare-and-set (``core.locking``), and of those in
    its inlines: a change saved here moves their revision on, as the app's own saves do, so a page opened
    before it meets the edit conflict instead of silently saving over the admin's change.

    A ``revision`` guards every field of its record, unless the model names the fields each of its revisions
    guards in ``REVISION_GUARDS`` (``{"revision": ["sso_providers", ...], "retention_revision": [...]}``):
    then a change moves only the revisions of the fields it changed. A record whose revision guards
    everything moves it for a change to its inlines too (a policy's steps).
    """

    def save_model(self, request, obj, form, change):
        moved = _moved_on(obj, form.changed_data) if change else []
        super().save_model(request, obj, form, change)
        if moved:
            obj.refresh_from_db(fields=moved)

    def save_formset(self, request, form, formset, change):
        moved = [
            (inline.instance, _moved_on(inline.instance, inline.changed_data))
            for inline in formset.initial_forms
            if inline not in formset.deleted_forms
        ]
        super().save_formset(request, form, formset, change)
        for instance, revisions in moved:
            if revisions:
                instance.refresh_from_db(fields=revisions)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record = form.instance
        inlines_changed = any(formset.has_changed() for formset in formsets)
        if change and inlines_changed and not form.changed_data and _guards(type(record)) == GUARDS_ALL:
            update_and_move_revision(type(record)._default_manager.filter(pk=record.pk))


ALL = None  # a revision that guards every field of its record
GUARDS_ALL = {"revision": ALL}


def _guards(model) -> dict:
    """Each revision of ``model`` and the fields it guards (``ALL``, or a list); empty without a revision."""
    if hasattr(model, "REVISION_GUARDS"):
        return model.REVISION_GUARDS
    return GUARDS_ALL if any(field.name == "revision" for field in model._meta.concrete_fields) else {}


def _moved_on(instance, changed) -> list[str]:
    """Make ``instance``'s next save move on each revision that guards one of the ``changed`` fields (in the
    database, from what is stored then); returns their names."""
    moved = [
        revision
        for revision, guarded in _guards(type(instance)).items()
        if changed and (guarded is ALL or set(guarded) & set(changed))
    ]
    for revision in moved:
        setattr(instance, revision, next_revision(revision))
    return moved


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    """Read-only: which worker queued each scheduled job for which due time; only the scheduler writes."""

    list_display = ["job", "slot", "claimed_at", "claimed_by", "task_result_id"]
    list_filter = ["job"]
    date_hierarchy = "slot"
