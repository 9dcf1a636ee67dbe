"""The shorthands services use to write the audit log say the same as ``record`` itself."""

import pytest

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.audit.services import record_action, record_created, record_deleted, record_updated
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_each_shorthand_writes_its_action_with_the_detail_given_as_keywords():
    membership = MembershipFactory()
    by = membership.user
    record_created(by=by, target=membership, role="viewer")
    record_updated(by=by, target=membership, role="coordinator")
    record_deleted(by=by, target=membership)
    entries = AuditEntry.objects.order_by("id")
    assert [(entry.action, entry.detail) for entry in entries] == [
        (AuditAction.CREATE, {"role": "viewer"}),
        (AuditAction.UPDATE, {"role": "coordinator"}),
        (AuditAction.DELETE, {}),
    ]
    assert {(entry.actor, entry.partnership, entry.target_id) for entry in entries} == {
        (by, membership.partnership, str(membership.pk))
    }


def test_an_action_goes_in_the_log_of_the_partnership_named_rather_than_the_targets():
    membership, elsewhere = MembershipFactory(), MembershipFactory()
    entry = record_action(
        AuditAction.VIEW_SENSITIVE, by=membership.user, target=membership, partnership=elsewhere.partnership
    )
    assert entry.partnership == elsewhere.partnership
