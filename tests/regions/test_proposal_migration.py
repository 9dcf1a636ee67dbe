"""Proposals made before a proposal named its region are given the region their incident's partnership is in,
with their reason for a decline kept."""

import pytest

from tests.factories import IncidentFactory, PartnershipFactory
from tests.incidents.builders import demo_incident
from tests.migrating import migrate
from tests.regions.builders import neighbour

BEFORE = [("regions", "0005_fund_application_follows_its_partnership")]
AFTER = [("regions", "0007_share_proposal_region_required")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_an_existing_proposal_is_the_region_its_incidents_partnership_is_in(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)
    outside = IncidentFactory(partnership=PartnershipFactory(region=None))
    old_apps = migrate(BEFORE)
    try:
        OldProposal = old_apps.get_model("regions", "ShareProposal")
        OldProposal.objects.create(
            incident_id=incident.pk,
            partnership_id=other.pk,
            reason="The victim lives in Eastmere.",
            status="declined",
            decline_reason="Not linked.",
        )
        OldProposal.objects.create(incident_id=outside.pk, partnership_id=other.pk, reason="Nearby.")
    finally:
        new_apps = migrate(AFTER)
    Proposal = new_apps.get_model("regions", "ShareProposal")
    assert list(Proposal.objects.values_list("incident_id", "region_id", "decision_reason")) == [
        (incident.pk, demo.region_id, "Not linked.")
    ]
