"""A deployment's database, with the change log's triggers on its tables, migrates through the widening of
`Incident.notified_by` (migration 0031) both ways: PostgreSQL refuses to alter the type of a column that a
trigger's definition names."""

import pytest
from django.core.management import call_command

from svtoolkit.core import changes
from svtoolkit.incidents.models import Incident
from tests.factories import IncidentFactory

BEFORE = ("incidents", "0030_count_only_meetings_held")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_database_with_its_triggers_migrates_back_and_forth_through_the_longer_notified_by():
    call_command("migrate", *BEFORE, verbosity=0)
    assert "incidents_incident" in changes.tables_with_triggers(), "migrate makes the triggers again"

    call_command("migrate", verbosity=0)

    assert "incidents_incident" in changes.tables_with_triggers()
    incident = IncidentFactory(notified_by="N" * 456)
    assert Incident.objects.get(pk=incident.pk).notified_by == "N" * 456
