"""The regional rules of svtoolkit.access: who holds a regional role, what they may do, and which fields of
an incident they may read."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from svtoolkit import access
from svtoolkit.accounts.models import Role
from svtoolkit.partnerships.models import RegionalSharing, RegionRole
from tests.factories import (
    IncidentFactory,
    MembershipFactory,
    PartnershipFactory,
    RegionFactory,
    RegionMembershipFactory,
    ShareProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return RegionFactory()


def test_regional_roles_view_and_coordinate_only_their_region(region):
    coordinator = RegionMembershipFactory(region=region, role=RegionRole.COORDINATOR).user
    viewer = RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user
    elsewhere = RegionMembershipFactory(role=RegionRole.COORDINATOR).user
    nobody = UserFactory()
    assert [access.may_view_region(u, region) for u in (coordinator, viewer, elsewhere, nobody)] == [
        True,
        True,
        False,
        False,
    ]
    assert [access.may_coordinate_region(u, region) for u in (coordinator, viewer, elsewhere)] == [
        True,
        False,
        False,
    ]
    assert access.is_regional_staff(elsewhere, None) and not access.is_regional_staff(nobody, None)


def test_a_borough_coordinator_holds_no_regional_role(region):
    borough = PartnershipFactory(region=region)
    coordinator = MembershipFactory(partnership=borough, role=Role.COORDINATOR).user
    assert not access.may_view_region(coordinator, region)
    assert access.can_choose_regional_sharing(coordinator, borough)
    assert not access.can_choose_regional_sharing(coordinator, PartnershipFactory(region=None))


def test_regional_fields_are_the_defaults_until_the_partnership_chooses(region):
    borough = PartnershipFactory(region=region)
    default = access.regional_fields(access.regional_categories_of(borough), shared_with_region=False)
    assert {"reference", "partnership", "incident_types", "status", "occurred_at", "progress"} <= default
    assert not {"title", "summary", "scenes", "areas"} & default
    RegionalSharing.objects.create(partnership=borough, categories=["status"])
    borough.refresh_from_db()
    chosen = access.regional_fields(access.regional_categories_of(borough), shared_with_region=True)
    assert chosen == {"reference", "partnership", "status", "title", "summary", "scenes"}


def test_only_a_coordinator_of_the_region_proposes_a_share_between_its_partnerships(region):
    coordinator = RegionMembershipFactory(region=region, role=RegionRole.COORDINATOR).user
    viewer = RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user
    incident = IncidentFactory(partnership=PartnershipFactory(region=region))
    neighbour = PartnershipFactory(region=region)
    outside = PartnershipFactory()
    assert access.may_propose_share(coordinator, region, incident, neighbour)
    assert not access.may_propose_share(viewer, region, incident, neighbour)
    assert not access.may_propose_share(coordinator, region, incident, outside)
    assert not access.may_propose_share(coordinator, region, incident, incident.partnership)


def test_the_incidents_own_response_team_decides_a_proposal(region):
    proposal = ShareProposalFactory(incident__partnership__region=region)
    lead = proposal.incident.partnership
    responder = MembershipFactory(partnership=lead, role=Role.RESPONDER).user
    viewer = MembershipFactory(partnership=lead, role=Role.VIEWER).user
    neighbour = MembershipFactory(partnership=proposal.partnership, role=Role.COORDINATOR).user
    assert access.can_decide_share_proposal(responder, lead, proposal)
    assert not access.can_decide_share_proposal(viewer, lead, proposal)
    assert not access.can_decide_share_proposal(neighbour, proposal.partnership, proposal)


def test_get_region_for_hides_a_region_the_person_has_no_role_in(region):
    request = RequestFactory().get("/")
    request.user = RegionMembershipFactory(role=RegionRole.COORDINATOR).user
    with pytest.raises(Http404):
        access.get_region_for(request, region.slug)
