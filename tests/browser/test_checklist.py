"""The checklist as a planning tool: adapt the default, publish it, assess readiness."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import sign_in_as


def test_coordinator_adapts_publishes_and_assesses(page, demo, transactional_db):
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Checklist", exact=True).click()
    page.get_by_role("button", name="Copy the default checklist").click()
    expect(page.get_by_role("heading", name="Draft checklist, version 1")).to_be_visible()
    assert_accessible(page)

    # Reword the first item of incident reporting.
    reporting = page.locator("#area-incident-reporting")
    first_action = reporting.locator(".svt-item").first.locator("p").first.inner_text()
    reporting.get_by_role("link", name=re.compile("^Change")).first.click()
    page.get_by_label("Action").fill("Log who told us, how and when, in the incident record")
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.locator("body")).to_contain_text("The item was saved in the draft")

    # Add one to communications.
    page.locator("#area-communications").get_by_role("link", name=re.compile("^Add an item")).click()
    page.get_by_label("Action").fill("Send the partner briefing to the Northbridge Youth Trust")
    page.get_by_label("Kind of organisation that usually owns it").select_option(label="Council")
    page.get_by_label("When it is due").select_option(label="Within 24 hours")
    page.get_by_label("Essential: a response must never miss this").check()
    page.get_by_role("button", name="Save in the draft").click()
    briefing = "Send the partner briefing to the Northbridge Youth Trust"
    expect(page.locator("#area-communications").get_by_text(briefing, exact=True)).to_be_visible()

    # Retire one from additional resources.
    resources = page.locator("#area-additional-resources")
    resources.get_by_role("button", name=re.compile("^Retire")).first.click()
    # The click sends a form; the count waits for the page it answers with.
    expect(page.locator("#area-additional-resources .govuk-tag", has_text="Retired")).to_have_count(1)

    page.get_by_role("button", name="Review and publish").click()
    page.get_by_role("button", name="Publish this version").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say briefly what changed")
    page.get_by_label("What changed in this version").fill("Adapted for Northbridge")
    page.get_by_role("button", name="Publish this version").click()
    expect(page.locator("body")).to_contain_text("Version 1 is published")
    expect(
        page.get_by_text("Log who told us, how and when, in the incident record", exact=True)
    ).to_be_visible()
    expect(page.get_by_text(first_action, exact=True)).not_to_be_visible()

    # A second version, to see the differences.
    page.get_by_role("button", name="Change the checklist").click()
    page.locator("#area-health").get_by_role("button", name=re.compile("^Retire")).first.click()
    page.get_by_role("button", name="Review and publish").click()
    expect(page.get_by_role("cell", name="Health", exact=True)).to_be_visible()
    page.get_by_label("What changed in this version").fill("Retired a health item")
    page.get_by_role("button", name="Publish this version").click()
    page.get_by_role("link", name="All versions").click()
    page.get_by_role("link", name="Compare with version 1").click()
    expect(page.get_by_role("heading", name="Changes from version 1 to version 2")).to_be_visible()
    assert_accessible(page)

    # Readiness.
    page.get_by_role("link", name="Readiness").click()
    page.get_by_role("button", name="Start a new assessment").click()
    # An area's items are answered on one page (issue 16: one page per item took about 80 page loads).
    page.get_by_role("link", name=re.compile("^Change readiness of")).first.click()
    first_item = page.locator("section.svt-item").first
    first_item.get_by_label("Ready", exact=True).check()
    first_item.get_by_label("Evidence").fill("Protocol agreed by the partnership board in March")
    assert_fits(page)
    page.get_by_role("button", name=re.compile("^Save and continue to ")).click()
    expect(page.locator("body")).to_contain_text("were saved")
    page.get_by_role("link", name="Back to the assessment").click()
    expect(page.locator(".govuk-task-list")).to_be_visible()
    page.get_by_role("link", name="Back to readiness").click()
    expect(page.get_by_text(re.compile(r"Overall \d+% ready"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Gaps, most essential first"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Printable report").click()
    expect(page.get_by_role("heading", name=re.compile("^Readiness report"))).to_be_visible()
    assert_accessible(page)
