"""The scene of a new incident is placed by a click on the map of the record form (issue 16), drawn over the
partnership's wards: the click fills in the latitude and longitude, which stay typed inputs, and the incident
is recorded with them."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.incidents.models import Incident
from svtoolkit.reports.boundaries import boundary_of
from tests.browser.conftest import assert_accessible
from tests.browser.pages import RecordIncidentPage, signed_in


def test_a_click_on_the_map_places_the_scene(new_page, demo, demo_users, transactional_db):
    page = signed_in(new_page, "coordinator")
    now = timezone.now()
    form = RecordIncidentPage(page).open().fill(occurred_at=now - timedelta(hours=1), notified_at=now)
    latitude, longitude = page.get_by_label("Latitude (optional)"), page.get_by_label("Longitude (optional)")
    expect(latitude).to_have_value("")
    picker = page.get_by_role("region", name="Map to choose the point")
    # The map opens on the partnership's wards, drawn so that a person can see where to click.
    wards = boundary_of(demo).wards
    expect(picker).to_have_attribute("data-wards", str(len(wards)))
    expect(picker.locator("path.leaflet-interactive")).to_have_count(len(wards))
    picker.click()  # the middle of the map: inside the wards it opens on
    expect(latitude).not_to_have_value("")
    expect(longitude).not_to_have_value("")
    chosen = (latitude.input_value(), longitude.input_value())
    assert boundary_of(demo).ward_at(float(chosen[0]), float(chosen[1])) is not None
    assert_accessible(page)

    form.press_continue()
    expect(form.page.locator(".govuk-notification-banner")).to_contain_text("recorded")
    scene = Incident.objects.get().scenes.get()
    assert (f"{scene.latitude:.5f}", f"{scene.longitude:.5f}") == chosen
