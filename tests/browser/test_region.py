"""The region in Chromium: a borough raises an alert and the regional coordinator, with the board open, sees
it appear at the board's next refresh (htmx, every 30 seconds) once they resume the updates they had paused,
on pages axe finds nothing wrong with."""

from playwright.sync_api import expect

from tests.alerts.builders import raise_police_alert
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import LivePart, signed_in


def test_an_alert_raised_in_a_borough_appears_on_the_regional_board(
    new_page, demo, demo_users, transactional_db
):
    page = new_page()
    page.clock.install()
    region = signed_in(lambda: page, "regional_coordinator")
    region.goto(f"/regions/{demo.region.slug}/")
    board = region.locator("#region-board")
    expect(board).to_contain_text("No partnership of the region has an open incident")
    assert_accessible(region)

    live = LivePart(region, "region-board")
    live.press_pause_or_resume()
    expect(live.button("Resume automatic updates")).to_be_focused()

    alert = raise_police_alert(demo, demo_users)
    region.clock.run_for("00:31")
    assert live.requests_sent() == 0  # paused: the board asks for nothing (WCAG 2.2.2)
    expect(board).not_to_contain_text(alert.incident.reference)
    live.press_pause_or_resume()
    region.clock.run_for("00:31")
    expect(region.locator("#region-board")).to_contain_text(alert.incident.reference)
    expect(region.locator("h1")).to_have_count(1)  # the board alone was swapped in, not a whole page
    # The region sees that it exists and its status, not what the police typed about it.
    expect(region.locator("#region-board")).not_to_contain_text("Stabbing outside Northbridge Academy")
    assert_accessible(region)
    assert_fits(region)

    region.get_by_role("link", name=alert.incident.reference).click()
    expect(region.locator("h1")).to_contain_text(alert.incident.reference)
    assert_accessible(region)
