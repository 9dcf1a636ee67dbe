"""The checklist as a planning tool: adapt the default, publish it, assess readiness."""

import re

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD


def test_coordinator_adapts_publishes_and_assesses(page, demo, transactional_db):
    sign_in(page, "coordinator@example.org", TEST_PASSWORD)
    page.get_by_role("link", name="Checklist").click()
    page.get_by_role("button", name="Copy the default checklist").click()
    assert page.get_by_role("heading", name="Draft checklist, version 1").is_visible()
    assert_accessible(page)

    # Reword the first item of incident reporting.
    reporting = page.locator("#area-incident-reporting")
    first_action = reporting.locator(".svt-item").first.locator("p").first.inner_text()
    reporting.get_by_role("link", name=re.compile("^Change")).first.click()
    page.get_by_label("Action").fill("Log who told us, how and when, in the incident record")
    page.get_by_role("button", name="Save in the draft").click()
    assert "The item was saved in the draft" in page.content()

    # Add one to communications.
    page.locator("#area-communications").get_by_role("link", name=re.compile("^Add an item")).click()
    page.get_by_label("Action").fill("Send the partner briefing to the Northbridge Youth Trust")
    page.get_by_label("Kind of organisation that usually owns it").select_option(label="Council")
    page.get_by_label("When it is due").select_option(label="Within 24 hours")
    page.get_by_label("Essential: a response must never miss this").check()
    page.get_by_role("button", name="Save in the draft").click()
    assert (
        page.locator("#area-communications")
        .get_by_text("Send the partner briefing to the Northbridge Youth Trust", exact=True)
        .is_visible()
    )

    # Retire one from additional resources.
    resources = page.locator("#area-additional-resources")
    resources.get_by_role("button", name=re.compile("^Retire")).first.click()
    assert page.locator("#area-additional-resources .govuk-tag", has_text="Retired").count() == 1

    page.get_by_role("button", name="Review and publish").click()
    page.get_by_role("button", name="Publish this version").click()
    assert "Say briefly what changed" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("What changed in this version").fill("Adapted for Northbridge")
    page.get_by_role("button", name="Publish this version").click()
    assert "Version 1 is published" in page.content()
    assert page.get_by_text("Log who told us, how and when, in the incident record", exact=True).is_visible()
    assert not page.get_by_text(first_action, exact=True).is_visible()

    # A second version, to see the differences.
    page.get_by_role("button", name="Change the checklist").click()
    page.locator("#area-health").get_by_role("button", name=re.compile("^Retire")).first.click()
    page.get_by_role("button", name="Review and publish").click()
    assert page.get_by_role("cell", name="Health", exact=True).is_visible()
    page.get_by_label("What changed in this version").fill("Retired a health item")
    page.get_by_role("button", name="Publish this version").click()
    page.get_by_role("link", name="All versions").click()
    page.get_by_role("link", name="Compare with version 1").click()
    assert page.get_by_role("heading", name="Changes from version 1 to version 2").is_visible()
    assert_accessible(page)

    # Readiness.
    page.get_by_role("link", name="Readiness").click()
    page.get_by_role("button", name="Start a new assessment").click()
    page.get_by_role("link", name=re.compile("^Change readiness of")).first.click()
    page.get_by_label("Ready", exact=True).check()
    page.get_by_label("Evidence").fill("Protocol agreed by the partnership board in March")
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.content()
    page.get_by_role("link", name="Back to readiness").click()
    assert page.get_by_text(re.compile(r"Overall \d+% ready")).is_visible()
    assert page.get_by_role("heading", name=re.compile("^Gaps, most essential first")).is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Printable report").click()
    assert page.get_by_role("heading", name=re.compile("^Readiness report")).is_visible()
    assert_accessible(page)
