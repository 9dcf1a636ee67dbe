"""Two coordinators taking the role from each other at the same moment: one of them must stay coordinator.

PostgreSQL only: SQLite takes one writer at a time, so there the two changes cannot overlap."""

import threading

import pytest
from django.db import close_old_connections, connection

from svtoolkit.accounts import services
from svtoolkit.accounts.models import Membership, Role
from svtoolkit.core.errors import DomainError
from tests.concurrency import held_until_both_wait
from tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_two_coordinators_demoting_each_other_at_once_leave_one(demo, demo_users):
    first = Membership.objects.get(partnership=demo, user=demo_users["coordinator"])
    second = MembershipFactory(partnership=demo, role=Role.COORDINATOR)
    Membership.objects.filter(partnership=demo, role=Role.COORDINATOR).exclude(
        pk__in=[first.pk, second.pk]
    ).update(role=Role.RESPONDER)
    outcomes = []

    def demote(membership, by):
        try:
            services.change_membership(
                membership=membership,
                role=Role.RESPONDER,
                organisation=None,
                expected_revision=membership.revision,
                by=by,
            )
            outcomes.append("demoted")
        except DomainError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second.user)),
        threading.Thread(target=demote, args=(second, first.user)),
    ]
    with held_until_both_wait(Membership.objects.filter(pk__in=[first.pk, second.pk])):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(partnership=demo, role=Role.COORDINATOR).count() == 1
