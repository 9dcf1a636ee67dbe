import pytest
from django.contrib.admin import site

from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.models import ScheduledRun


@pytest.mark.parametrize("model", [AuditEntry, ScheduledRun])
def test_records_only_svtoolkit_writes_cannot_be_added_changed_or_deleted_in_the_admin(model, rf):
    model_admin = site._registry[model]
    request = rf.get("/admin/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
