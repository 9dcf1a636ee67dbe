"""The incident page's live panel in Chromium: htmx fetches it again every 30 seconds, so an update a
colleague records appears without reloading the page."""

from playwright.sync_api import expect

from svtoolkit.incidents import services
from tests.browser.pages import sign_in_as
from tests.incidents.access import demo_incident


def test_a_colleagues_update_appears_in_the_live_panel_without_a_reload(
    page, demo, demo_users, transactional_db
):
    incident, _ = demo_incident(demo, demo_users)
    page.clock.install()
    sign_in_as(page, "coordinator")
    page.goto(f"/incidents/{incident.pk}/")
    live_panel = page.locator("#incident-live")
    expect(live_panel).to_be_visible()
    page.evaluate("window.loadedOnce = true")

    update = "Family liaison officer now with mum"
    services.add_update(incident=incident, by=demo_users["responder"], text=update)
    expect(live_panel).not_to_contain_text(update)
    page.clock.run_for("00:31")

    expect(live_panel).to_contain_text(update)
    assert page.evaluate("window.loadedOnce") is True, "the page was reloaded rather than the panel refreshed"
    # The server answered htmx's request with the panel alone, not a whole page inside the panel.
    expect(page.locator("#incident-live")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)


def test_keyboard_focus_stays_where_it_was_when_the_live_panel_changes(
    page, demo, demo_users, transactional_db
):
    """htmx puts focus back after a swap only on an element with an id: the panel's links and buttons had
    none, so each refresh dropped a keyboard user's focus to the top of the page and a screen reader lost its
    place (WCAG 2.4.3)."""
    incident, _ = demo_incident(demo, demo_users)
    page.clock.install()
    sign_in_as(page, "coordinator")
    page.goto(f"/incidents/{incident.pk}/")
    live_panel = page.locator("#incident-live")
    live_panel.get_by_role("link", name="Add an update").focus()

    services.add_update(incident=incident, by=demo_users["responder"], text="Road reopened")
    page.clock.run_for("00:31")

    expect(live_panel).to_contain_text("Road reopened")
    expect(live_panel.get_by_role("link", name="Add an update")).to_be_focused()
