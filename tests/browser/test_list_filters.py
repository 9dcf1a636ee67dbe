"""A long list's filter panel on a phone: it waits behind "Show filter"; a filter typed wrongly is named in
the page's error summary, whose link opens the panel and moves to the field."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import signed_in

PHONE = {"width": 320, "height": 800}


def test_on_a_phone_the_error_summarys_link_to_a_filter_typed_wrongly_opens_the_panel_at_the_field(
    new_page, demo, transactional_db
):
    coordinator = signed_in(new_page, "coordinator", viewport=PHONE)
    coordinator.goto("/audit/?date_from_day=31&date_from_month=2&date_from_year=2026")
    panel = coordinator.locator(".moj-filter-layout__filter")
    expect(panel).to_be_hidden()
    summary = coordinator.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_accessible(coordinator)

    summary.get_by_role("link", name="The 'from' date must be a real date").click()
    expect(panel).to_be_visible()
    expect(panel.get_by_role("group", name="From").get_by_label("Day")).to_be_focused()
    assert_accessible(coordinator)
    assert_fits(coordinator)
