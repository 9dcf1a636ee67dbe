"""The critical-incident fund and the regional figures in Chromium: the borough applies from the incident, the
region part-approves, the borough records the spend, and the region's figures show it; axe finds nothing on
any of those pages."""

from playwright.sync_api import expect

from svtoolkit.partnerships.models import RegionRole
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import GovukPage, signed_in, start_session
from tests.factories import RegionMembershipFactory, UserFactory
from tests.incidents.builders import demo_incident
from tests.regions.fund_access import demo_region


def test_a_borough_draws_on_the_regions_fund(new_page, demo, demo_users, transactional_db):
    incident, _ = demo_incident(demo, demo_users)
    region = demo_region(demo)
    vru = UserFactory(email="vru.coordinator@example.org", full_name="Val Ruiz")
    RegionMembershipFactory(region=region, user=vru, role=RegionRole.COORDINATOR)

    borough = signed_in(new_page, "responder")
    borough.goto(f"/incidents/{incident.pk}/")
    borough.get_by_role("link", name="Apply to the fund").click()
    assert_accessible(borough)
    borough.get_by_label("How much do you need?").fill("1200")
    borough.get_by_label("Community reassurance and engagement").check()
    borough.get_by_label("What will it pay for?").fill(
        "Detached youth workers at the bus stop for two weekends."
    )
    borough.get_by_label("Needed by").fill("31/12/2099")
    borough.get_by_role("button", name="Continue").click()
    expect(GovukPage(borough).banner).to_contain_text("Your application was sent")
    assert_accessible(borough)

    region_page = start_session(new_page(), vru.email)
    region_page.goto(f"/regions/{region.slug}/fund/")
    assert_accessible(region_page)
    region_page.get_by_role("link", name=f"{demo.name}, {incident.reference}").click()
    expect(region_page.get_by_text("Detached youth workers")).to_be_visible()
    assert_fits(region_page)
    region_page.get_by_label("Part-approve: a smaller amount").check()
    region_page.get_by_label("Amount approved, if part-approving").fill("800")
    region_page.get_by_role("button", name="Record the decision").click()
    expect(GovukPage(region_page).error_summary).to_contain_text("Say why less than the amount asked for")
    assert_accessible(region_page)
    region_page.get_by_label("Reasons").fill("The fund pays for one weekend.")
    region_page.get_by_role("button", name="Record the decision").click()
    expect(GovukPage(region_page).banner).to_contain_text("Your decision was recorded")

    borough.goto(f"/incidents/{incident.pk}/")
    expect(borough.locator("#fund")).to_contain_text("Part-approved")
    borough.get_by_role("link", name="See the application").click()
    borough.get_by_role("link", name="Record the spending").click()
    assert_accessible(borough)
    borough.get_by_label("How much was spent?").fill("780")
    borough.get_by_label("Achieved what it was for").check()
    borough.get_by_role("button", name="Continue").click()
    expect(GovukPage(borough).banner).to_contain_text("The spending and what came of it were recorded")

    region_page.goto(f"/regions/{region.slug}/fund/report/")
    expect(region_page.get_by_role("row", name=f"{demo.name} 1 £1200 £800 £780 0")).to_be_visible()
    assert_accessible(region_page)
    region_page.goto(f"/regions/{region.slug}/figures/")
    region_page.wait_for_function(
        "() => window.Chart"
        " && [...document.querySelectorAll('canvas[data-report-chart]')].every((c) => Chart.getChart(c))"
    )
    expect(region_page.get_by_role("row", name=demo.name).first).to_be_visible()
    assert_accessible(region_page)
    assert_fits(region_page)
