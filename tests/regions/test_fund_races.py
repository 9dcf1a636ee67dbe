"""Two people at once on one region's fund: what it grants for one incident stays within its limit, and two
first saves of its rules keep one and show the other the conflict.

PostgreSQL only: SQLite takes one writer at a time."""

import pytest
from django.db import connection

from svtoolkit.core.errors import EditConflict
from svtoolkit.incidents.models import Incident
from svtoolkit.regions import fund_services
from svtoolkit.regions.fund_models import FundApplication, FundRules
from tests.concurrency import held_by_a_row_being_written, held_until_both_wait, in_thread
from tests.regions.fund_builders import an_application, fund_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_two_applications_at_once_for_one_incident_ask_no_more_than_the_limit_between_them(settings):
    settings.REGION_FUND_LIMIT_PER_INCIDENT = 5000
    world = fund_world()
    with held_until_both_wait(Incident.objects.filter(pk=world.incident.pk)):
        running = [in_thread(lambda: an_application(world, amount_requested=3000)) for _ in range(2)]
    for thread, _ in running:
        thread.join()

    outcomes = [outcome for _, outcome in running]
    assert sorted("result" in outcome for outcome in outcomes) == [False, True]
    refused = next(outcome["error"] for outcome in outcomes if "error" in outcome)
    assert "£2,000 of it is left" in refused.message
    assert FundApplication.objects.filter(incident=world.incident).count() == 1


def test_two_first_saves_of_the_funds_rules_at_once_keep_one_and_tell_the_other_of_the_conflict():
    world = fund_world()

    def first_save(limit):
        return lambda: fund_services.set_rules(
            region=world.region, by=world.regional_coordinator, limit_per_incident=limit, is_open=True
        )

    with held_by_a_row_being_written(
        FundRules, region_id=world.region.pk, limit_per_incident=1, updated_by=world.regional_coordinator
    ):
        running = [in_thread(first_save(limit)) for limit in (3000, 4000)]
    for thread, _ in running:
        thread.join()

    outcomes = [outcome for _, outcome in running]
    assert sorted("result" in outcome for outcome in outcomes) == [False, True]
    assert isinstance(next(outcome["error"] for outcome in outcomes if "error" in outcome), EditConflict)
    saved = next(outcome["result"] for outcome in outcomes if "result" in outcome)
    assert FundRules.objects.get(region=world.region).limit_per_incident == saved.limit_per_incident
