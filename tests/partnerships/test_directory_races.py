"""Two coordinators changing the directory at the same moment (PostgreSQL, where writes truly overlap)."""

from datetime import date

import pytest
from django.db import connection

from svtoolkit.core.errors import DomainError
from svtoolkit.partnerships import services
from svtoolkit.partnerships.models import Organisation, OrganisationKind
from tests.concurrency import WAIT, held_by_a_row_being_written, held_until_both_wait, in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_one_organisation_added_by_two_coordinators_at_once_is_kept_once_and_the_second_is_told(
    demo, demo_users
):
    name = "Northbridge Mediation Service"

    def add(by):
        details = {
            "name": name,
            "kind": OrganisationKind.VOLUNTARY,
            "owner": by,
            "review_due": date(2030, 1, 1),
        }
        return services.create_organisation(partnership=demo, details=details, by=by)

    with held_by_a_row_being_written(Organisation, partnership=demo, name=name, kind=OrganisationKind.OTHER):
        runs = [in_thread(lambda by=demo_users["coordinator"]: add(by)) for _ in range(2)]
    for thread, _ in runs:
        thread.join(WAIT)
    errors = [outcome["error"] for _, outcome in runs if "error" in outcome]
    assert [type(error) for error in errors] == [DomainError]
    assert f"There is already an organisation called {name}" in errors[0].message
    assert demo.organisations.filter(name=name).count() == 1


def test_one_contact_added_by_two_coordinators_at_once_is_listed_once_and_the_second_is_told(
    demo, demo_users
):
    """The defect: nothing stopped two adds of the same person at once both passing the check."""
    trust = demo.organisations.get(name="Northbridge Youth Trust")
    details = {"name": "Sam Lee", "email": "sam.lee@example.org", "owner": demo_users["coordinator"]}

    def add():
        return services.create_contact(organisation=trust, details=details, by=demo_users["coordinator"])

    with held_until_both_wait(Organisation.objects.filter(pk=trust.pk)):
        runs = [in_thread(add) for _ in range(2)]
    for thread, _ in runs:
        thread.join(WAIT)
    errors = [outcome["error"] for _, outcome in runs if "error" in outcome]
    assert [type(error) for error in errors] == [DomainError]
    assert "Sam Lee is already a contact of Northbridge Youth Trust" in errors[0].message
    assert trust.contacts.filter(name="Sam Lee").count() == 1
