"""The incident page's live panel in Chromium: htmx fetches it again every 30 seconds, so an update a
colleague records appears without reloading the page."""

from playwright.sync_api import expect

from svtoolkit.incidents import services
from tests.browser.conftest import assert_accessible
from tests.browser.pages import LivePart, sign_in_as
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


def test_the_live_panels_updates_pause_and_resume_from_the_keyboard(
    new_page, demo, demo_users, transactional_db
):
    """Content that updates itself can be paused (WCAG 2.2.2). The panel's button, shown only with JavaScript
    (without it nothing refreshes), stops its refresh, asking the server for nothing, and starts it again; its
    words say which it will do."""
    incident, _ = demo_incident(demo, demo_users)
    page = new_page()
    page.clock.install()
    sign_in_as(page, "coordinator")
    page.goto(f"/incidents/{incident.pk}/")
    live = LivePart(page, "incident-live")
    live.press_pause_or_resume()
    expect(live.button("Resume automatic updates")).to_be_focused()
    assert_accessible(page)

    services.add_update(incident=incident, by=demo_users["responder"], text="Road reopened")
    page.clock.run_for("01:01")
    assert live.requests_sent() == 0
    expect(live.part).not_to_contain_text("Road reopened")

    live.press_pause_or_resume()
    page.clock.run_for("00:31")
    expect(live.part).to_contain_text("Road reopened")
    expect(live.button("Pause automatic updates")).to_be_focused()

    without_javascript = sign_in_as(new_page(javascript=False), "coordinator")
    without_javascript.goto(f"/incidents/{incident.pk}/")
    expect(without_javascript.locator("#incident-live")).to_contain_text("Road reopened")
    expect(without_javascript.locator("#incident-live-pause")).to_be_hidden()
