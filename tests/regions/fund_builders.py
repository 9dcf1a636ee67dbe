"""Test data for the critical-incident fund: a region, a borough in it with its people, an incident, and the
region's staff; and an application in any state."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from svtoolkit.accounts.models import Role
from svtoolkit.partnerships.models import RegionRole
from svtoolkit.regions import fund_services
from tests.factories import (
    IncidentFactory,
    MembershipFactory,
    PartnershipFactory,
    RegionFactory,
    RegionMembershipFactory,
)


@dataclass
class FundWorld:
    region: object
    borough: object
    incident: object
    coordinator: object
    responder: object
    viewer: object
    regional_coordinator: object
    regional_viewer: object


def fund_world() -> FundWorld:
    region = RegionFactory(name="London Violence Reduction Unit", slug="london")
    borough = PartnershipFactory(name="Northbridge", region=region)
    return FundWorld(
        region=region,
        borough=borough,
        incident=IncidentFactory(partnership=borough),
        coordinator=MembershipFactory(partnership=borough, role=Role.COORDINATOR).user,
        responder=MembershipFactory(partnership=borough, role=Role.RESPONDER).user,
        viewer=MembershipFactory(partnership=borough, role=Role.VIEWER).user,
        regional_coordinator=RegionMembershipFactory(region=region, role=RegionRole.COORDINATOR).user,
        regional_viewer=RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user,
    )


def application_form(**changes) -> dict:
    fields = {
        "amount_requested": 1500,
        "purpose": "reassurance",
        "pays_for": "Detached youth workers on the estate for two weekends.",
        "needed_by": timezone.localdate() + timedelta(days=7),
    }
    return {**fields, **changes}


def an_application(world: FundWorld, *, incident=None, **changes):
    return fund_services.apply(
        incident=incident or world.incident,
        partnership=world.borough,
        by=world.responder,
        **application_form(**changes),
    )


def a_decided_application(world: FundWorld, *, decision="part_approve", amount_approved=1000, **changes):
    application = an_application(world, **changes)
    return fund_services.decide(
        application=application,
        by=world.regional_coordinator,
        decision=decision,
        amount_approved=amount_approved,
        reasons="The fund pays for one weekend.",
        expected_revision=application.revision,
    )
