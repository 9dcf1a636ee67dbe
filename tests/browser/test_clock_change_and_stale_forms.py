"""On a 320 px phone: the question "BST or GMT?" on the night the clocks go back, and a form sent after
signing in again in another tab, given back to send again (issue 15, defects 6 and 7); axe finds nothing."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from svtoolkit.incidents.models import Incident
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import GovukPage, RecordIncidentPage, SignInPage, sign_in_as


def fill_incident(page, *, occurred_at, notified_at):
    """The record form, filled in with a stabbing at the Crown (times typed as they are)."""
    return (
        RecordIncidentPage(page)
        .open()
        .fill(
            title="Stabbing at the Crown",
            occurred_at=occurred_at,
            notified_at=notified_at,
            summary="One man injured <b>outside</b> the Crown.",
            scene="Outside the Crown",
        )
    )


def test_a_time_in_the_repeated_hour_asks_bst_or_gmt(page, demo, transactional_db):
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in_as(page, "responder")
    form = fill_incident(page, occurred_at="2026-10-25T01:30", notified_at="2026-10-25T03:00")
    form.press_continue()

    expect(page.locator(".govuk-error-summary")).to_contain_text("so 1:30am happened twice")
    question = page.get_by_role("group", name="Which 1:30am on Sunday 25 October 2026?")
    expect(question).to_be_visible()
    assert_fits(page)
    assert_accessible(page)

    question.get_by_label(
        "1:30am GMT (Greenwich Mean Time): the second 1:30am, after the clocks went back"
    ).check()
    form.press_continue()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("recorded")
    assert Incident.objects.get().occurred_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_form_sent_after_signing_in_again_elsewhere_is_given_back_to_send_again(
    new_page, demo, transactional_db
):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in_as(page, "responder")
    form = fill_incident(page, occurred_at="2026-11-25T21:10", notified_at="2026-11-25T21:40")

    other_tab = page.context.new_page()  # signing out and in again there gives the browser a new token
    other_tab.goto("/")
    GovukPage(other_tab).sign_out()
    SignInPage(other_tab).sign_in("responder@example.org")  # the form: a new token
    other_tab.close()
    form.press_continue()

    expect(page.get_by_role("heading", name="Your form was not sent")).to_be_visible()
    # The browser logs the refusal's 403 itself; nothing else may have gone wrong.
    assert all("status of 403" in error for error in new_page.errors)
    new_page.errors.clear()
    expect(page.get_by_text("One man injured <b>outside</b> the Crown.")).to_be_visible()
    assert not Incident.objects.exists()
    assert_fits(page)
    assert_accessible(page)

    page.get_by_role("button", name="Send it again").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("recorded")
    assert Incident.objects.get().summary == "One man injured <b>outside</b> the Crown."
