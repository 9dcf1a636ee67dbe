"""Test data for the regional tier: a neighbouring partnership in the demo region, a proposal to share the
demo incident with it."""

from svtoolkit.regions import services
from tests.factories import MembershipFactory, PartnershipFactory
from tests.incidents.builders import demo_incident


def neighbour(demo):
    """A second partnership in Northbridge's region, with its own coordinator."""
    partnership = PartnershipFactory(
        name="Eastmere Community Safety Partnership", slug="eastmere", region=demo.region
    )
    MembershipFactory(partnership=partnership, role="coordinator")
    return partnership


def region_sees(demo, demo_users, *categories):
    """Northbridge's coordinator lets the region see only these categories of its incidents."""
    return services.choose_regional_sharing(
        partnership=demo, categories=list(categories), by=demo_users["coordinator"], expected_revision=None
    )


def proposal(demo, demo_users, *, incident=None):
    """The regional coordinator proposes sharing a Northbridge incident with the neighbour."""
    incident = incident or demo_incident(demo, demo_users)[0]
    return services.propose_share(
        region=demo.region,
        incident=incident,
        partnership=neighbour(demo),
        reason="The victim lives in Eastmere.",
        by=demo_users["regional_coordinator"],
    )
