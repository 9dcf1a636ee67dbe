"""Who may GET each page of the critical-incident fund and the regional figures, and the objects their URLs
name.

The borough's pages (apply from an incident, the application, recording the spend) are for the response team
of the partnership that leads the incident; the region's (the queue, an application and its decision, the
fund's figures) for the region's staff, its rules for its regional coordinators only. Nobody of the borough
holds a regional role, so the region's pages refuse them (403); regional staff hold no role in the borough,
so its pages refuse them too. The regional roles' keys stand ready for the matrix's regional users.
"""

from svtoolkit.partnerships.models import RegionRole
from svtoolkit.regions import fund_services
from tests.access_expectations_base import ROLES
from tests.factories import RegionFactory, RegionMembershipFactory
from tests.incidents.access import MANAGE
from tests.incidents.builders import demo_incident
from tests.regions.fund_builders import application_form

REGIONAL_ROLES = ["regional_coordinator", "regional_viewer"]
BOROUGH = {**MANAGE, **dict.fromkeys(REGIONAL_ROLES, 403)}
REGIONAL_STAFF = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403), **dict.fromkeys(REGIONAL_ROLES, 200)}
REGIONAL_COORDINATOR = {**REGIONAL_STAFF, "regional_viewer": 403}

# Grouped by who may open them.
BOROUGH_PAGES = ["fund:apply", "fund:application", "fund:spend"]
REGION_PAGES = [
    "fund:queue",
    "fund:decide",
    "fund:report",
    "figures:dashboard",
    "figures:export",
    "figures:needs_assessment",
]
EXPECTED = {
    **dict.fromkeys(BOROUGH_PAGES, BOROUGH),
    **dict.fromkeys(REGION_PAGES, REGIONAL_STAFF),
    "fund:rules": REGIONAL_COORDINATOR,
}

# Files to download, not pages: the accessibility walk skips them.
NOT_PAGES = {"figures:export", "figures:needs_assessment"}


def demo_region(demo):
    """The demo partnership's region: the demo region's, where there is one; made here if not."""
    if demo.region_id is None:
        demo.region = RegionFactory(name="Demo Violence Reduction Unit", slug="demo-vru")
        demo.save(update_fields=["region"])
    return demo.region


def regional_staff(region):
    """A regional coordinator and a regional viewer of ``region``, by role name."""
    return {
        "regional_coordinator": RegionMembershipFactory(region=region, role=RegionRole.COORDINATOR).user,
        "regional_viewer": RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user,
    }


def url_kwargs(demo, demo_users):
    region = demo_region(demo)
    incident, _ = demo_incident(demo, demo_users)
    applied = fund_services.apply(
        incident=incident, partnership=demo, by=demo_users["responder"], **application_form()
    )
    approved = fund_services.apply(
        incident=incident,
        partnership=demo,
        by=demo_users["responder"],
        **application_form(amount_requested=100),
    )
    deciding_user = demo_users.get("regional_coordinator") or regional_staff(region)["regional_coordinator"]
    fund_services.decide(
        application=approved, by=deciding_user, decision="approve", expected_revision=approved.revision
    )
    by_region = {"region_slug": region.slug}
    return {
        "fund:apply": {"incident_id": incident.pk},
        "fund:application": {"application_id": applied.pk},
        "fund:spend": {"application_id": approved.pk},
        "fund:queue": by_region,
        "fund:decide": {**by_region, "application_id": applied.pk},
        "fund:report": by_region,
        "fund:rules": by_region,
        "figures:dashboard": by_region,
        "figures:export": {**by_region, "file_format": "csv"},
        "figures:needs_assessment": {**by_region, "year": 2026, "file_format": "xlsx"},
    }
