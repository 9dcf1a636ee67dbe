"""Police measures in Chromium: a police partner records a section 60 on a 320 px phone, and the response team
finds it on the map, where every value from the database is shown as text, never as HTML."""

import copy
import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.reports import services as report_services
from svtoolkit.reports.boundaries import _shipped, parse
from tests.browser.conftest import assert_accessible
from tests.browser.pages import fill_date, signed_in
from tests.incidents.builders import demo_incident
from tests.reports.test_views import IN_EASTGATE

PHONE = {"width": 320, "height": 640}


def assert_fits(page, width):
    """Nothing on the page is wider than the screen: no sideways scrolling (once its scripts have run, which
    fold the header's navigation into a menu button on a phone)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_police_partner_records_a_section_60_on_a_phone_and_it_is_on_the_map(
    new_page, demo, demo_users, transactional_db
):
    incident, _ = demo_incident(demo, demo_users)
    scene = incident.scenes.get()
    scene.latitude, scene.longitude = IN_EASTGATE
    scene.save()
    # A ward whose name is HTML, as a careless upload might give it.
    geojson = copy.deepcopy(_shipped("northbridge").geojson)
    for feature in geojson["features"]:
        if feature["properties"]["name"] == "Eastgate":
            feature["properties"]["name"] = "<i>Eastgate</i>"
    report_services.set_boundary(
        partnership=demo,
        by=demo_users["coordinator"],
        boundary=parse(geojson),
        file_name="wards.geojson",
        expected_revision=None,
    )
    now = timezone.now()

    phone = signed_in(new_page, "police", viewport=PHONE)
    phone.goto(f"/incidents/{incident.pk}/")
    expect(phone.get_by_role("heading", name="Scenes and police measures")).to_be_visible()
    assert_fits(phone, PHONE["width"])
    phone.get_by_role("link", name=re.compile("Add a police measure")).click()
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)

    phone.get_by_label("Stop and search authorisation (section 60)").check()
    phone.get_by_label("What and exactly where").fill("<b>Streets</b> around Northbridge Academy")
    phone.get_by_label("Ward or area").fill("Eastgate")
    phone.get_by_label("Latitude (optional)").fill("51.57350")
    phone.get_by_label("Longitude (optional)").fill("-0.04490")
    fill_date(phone, re.compile("^Ends"), local(now + timedelta(hours=30)))
    phone.get_by_role("button", name="Add the measure").click()
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say who gave the authorisation")
    expect(summary).to_contain_text("A section 60 authorisation lasts at most 24 hours")
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)

    fill_date(phone, re.compile("^Ends"), local(now + timedelta(hours=4)))
    phone.get_by_label("Authorised by").fill("Supt A. Khan")
    phone.get_by_role("button", name="Add the measure").click()
    measure = phone.locator(".govuk-summary-list__row", has_text="Stop and search authorisation (section 60)")
    expect(measure).to_contain_text("In force until")
    expect(measure).to_contain_text("<b>Streets</b> around Northbridge Academy")
    expect(measure).not_to_contain_text("51.57350")  # a partner sees no coordinates
    expect(measure.get_by_role("button", name=re.compile("^Lift"))).to_be_visible()
    assert_fits(phone, PHONE["width"])
    assert_accessible(phone)

    desk = signed_in(new_page, "responder")
    desk.goto("/reports/map/")
    expect(desk.get_by_role("cell", name="51.57350, -0.04490")).to_be_visible()
    marker = desk.locator("#incident-map .svt-map-measure")
    expect(marker).to_have_count(1)
    marker.click()
    popup = desk.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Stop and search authorisation (section 60)")
    expect(popup).to_contain_text("<b>Streets</b> around Northbridge Academy")
    assert popup.locator("b").count() == 0
    # Each ward's outline names the ward in a tooltip as the pointer passes over it.
    wards = desk.locator("#incident-map path.leaflet-interactive")
    names = []
    for index in range(wards.count()):
        wards.nth(index).dispatch_event("mouseover")
        names += desk.locator(".leaflet-tooltip").all_text_contents()
        assert desk.locator(".leaflet-tooltip i").count() == 0  # a name is shown as text, never as markup
        wards.nth(index).dispatch_event("mouseout")
    assert "<i>Eastgate</i>" in names
    assert_accessible(desk)
