"""The character count in Chromium: a responder on a 320 px phone sees how much of the summary is left, is
told when it is over, and gets the text back with the error, not cut short (issue 14's text limits)."""

from playwright.sync_api import expect

from svtoolkit.core import limits
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import sign_in_as


def test_the_summary_counts_down_and_text_over_the_limit_comes_back_with_the_error(
    new_page, demo, demo_users, transactional_db
):
    phone = new_page()
    phone.set_viewport_size({"width": 320, "height": 640})
    sign_in_as(phone, "responder")
    phone.goto("/incidents/new/")
    summary = phone.get_by_label("Factual summary")
    summary.fill("Shots fired.")
    expect(phone.get_by_text(f"You have {limits.SUMMARY - 12:,} characters remaining")).to_be_visible()

    too_long = "x" * (limits.SUMMARY + 1)
    summary.fill(too_long)
    expect(phone.get_by_text("You have 1 character too many")).to_be_visible()
    assert summary.get_attribute("maxlength") is None
    assert_fits(phone)
    assert_accessible(phone)

    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text(
        f"Ensure this value has at most {limits.SUMMARY} characters"
    )
    expect(phone.get_by_label("Factual summary")).to_have_value(too_long)
    assert_accessible(phone)
