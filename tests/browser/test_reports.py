"""Reports in Chromium: the dashboard's charts and the map pass axe, and a situation report downloads as a
PDF with the incident's text and its protective marking."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from svtoolkit.incidents import services
from tests.browser.conftest import assert_accessible
from tests.browser.pages import sign_in_as, signed_in
from tests.incidents.builders import demo_incident
from tests.reports.test_views import IN_EASTGATE


def test_dashboard_map_and_sitrep(new_page, demo, demo_users, transactional_db):
    incident, _ = demo_incident(demo, demo_users)
    scene = incident.scenes.get()
    scene.latitude, scene.longitude = IN_EASTGATE
    scene.save()
    services.record_decision(
        incident=incident, by=demo_users["responder"], what="Extra patrols at home time", why="Reassurance"
    )

    page = signed_in(new_page, "responder")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    page.wait_for_function(
        "() => window.Chart"
        " && [...document.querySelectorAll('canvas[data-report-chart]')].every((c) => Chart.getChart(c))"
    )
    assert page.locator("canvas[data-report-chart]").count() >= 5
    assert_accessible(page)
    page.get_by_label("Type of incident").select_option(label="Firearm")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]incident_type=firearm(&|$)"))
    assert_accessible(page)

    page.get_by_role("link", name="Map of incidents").click()
    page.get_by_label("Type of incident").select_option(label="All types")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#incident-map path.leaflet-interactive").first).to_be_visible()
    # Eight wards and one scene, the scene where it happened for a responder.
    expect(page.locator("#incident-map path.leaflet-interactive")).to_have_count(9)
    expect(page.get_by_role("cell", name="51.57210, -0.04710")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/incidents/{incident.pk}/")
    page.get_by_role("link", name="Situation report").click()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the situation report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(incident.reference)
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    pages = [" ".join(p.extract_text().split()) for p in pdf.pages]
    text = " ".join(pages)
    assert "Stabbing near Northbridge Academy" in text
    assert "Extra patrols at home time" in text
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)


def test_a_partner_sees_the_map_without_javascript_as_a_table_of_wards(
    new_page, demo, demo_users, transactional_db
):
    incident, _ = demo_incident(demo, demo_users)
    scene = incident.scenes.get()
    scene.latitude, scene.longitude = IN_EASTGATE
    scene.save()

    page = new_page(javascript=False)
    sign_in_as(page, "police")
    page.goto("/reports/map/")
    expect(page.locator("#incident-map")).to_be_hidden()
    row = page.get_by_role("row", name=incident.reference)
    expect(row).to_contain_text("Eastgate")
    expect(row).not_to_contain_text("51.57210")
