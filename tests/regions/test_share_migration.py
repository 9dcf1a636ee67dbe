"""Shares made before a share named its region are given the region their partnership is in."""

import pytest

from tests.factories import IncidentFactory, PartnershipFactory
from tests.incidents.builders import demo_incident
from tests.migrating import migrate

BEFORE = [("regions", "0002_critical_incident_fund")]
AFTER = [("regions", "0004_regional_share_region_required")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_an_existing_share_is_with_its_partnerships_region(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    outside = IncidentFactory(partnership=PartnershipFactory(region=None))
    old_apps = migrate(BEFORE)
    try:
        OldShare = old_apps.get_model("regions", "RegionalShare")
        OldShare.objects.create(incident_id=incident.pk)
        OldShare.objects.create(incident_id=outside.pk)
    finally:
        new_apps = migrate(AFTER)
    Share = new_apps.get_model("regions", "RegionalShare")
    assert list(Share.objects.values_list("incident_id", "region_id")) == [(incident.pk, demo.region_id)]
