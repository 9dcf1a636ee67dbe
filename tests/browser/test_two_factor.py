"""Two-factor sign-in on a 320 px phone: backup codes made, shown once and used at the code page; the API
token page with its lifetimes; the incident page's live panel polling as a background request."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.builders import current_code
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import ApiTokensPage, AuthenticatorCodePage, GovukPage, SignInPage
from tests.incidents.access import demo_incident

PHONE = {"width": 320, "height": 640}


def checked(page):
    page.wait_for_load_state("load")
    assert_accessible(page)
    assert_fits(page)


def test_backup_codes_are_made_shown_once_and_used_on_a_phone(page, demo, demo_users, transactional_db):
    device = TOTPDevice.objects.create(user=demo_users["responder"], name="Phone", confirmed=True)
    page.set_viewport_size(PHONE)
    SignInPage(page).sign_in("responder@example.org")
    expect(page.get_by_role("heading", name="Enter the code from your authenticator app")).to_be_visible()
    checked(page)
    AuthenticatorCodePage(page).enter(current_code(device))
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/account/")
    page.get_by_role("link", name="Create backup codes").click()
    expect(page.get_by_text("You have no backup codes.")).to_be_visible()
    checked(page)
    page.get_by_role("button", name="Create backup codes").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    checked(page)
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10

    page.set_viewport_size({"width": 1024, "height": 768})  # on a phone, sign-out is in the folded menu
    GovukPage(page).sign_out()
    page.set_viewport_size(PHONE)
    SignInPage(page).sign_in("responder@example.org")
    code = AuthenticatorCodePage(page).enter("abc")
    expect(page.get_by_role("link", name=re.compile("Enter the 6 digits from your app"))).to_be_visible()
    checked(page)
    code.enter(codes[0])
    expect(page.get_by_text("You used a backup code. You have 9 left")).to_be_visible()
    checked(page)
    page.goto("/account/two-factor/backup-codes/")
    expect(page.get_by_text("You have 9 unused backup codes.")).to_be_visible()
    assert codes[1] not in page.content()


def test_a_token_is_made_for_the_time_chosen_on_a_phone(page, demo, transactional_db):
    page.set_viewport_size(PHONE)
    SignInPage(page).sign_in("viewer@example.org")
    tokens = ApiTokensPage(page).open()
    expect(page.get_by_label("90 days")).to_be_checked()
    checked(page)
    tokens.create("Weekly report", lifetime="30 days")
    expect(page.get_by_text(re.compile("It works in Northbridge .* until"))).to_be_visible()
    checked(page)
    tokens.open()
    expect(page.get_by_role("button", name="Revoke token Weekly report")).to_be_visible()
    checked(page)


def test_a_coordinator_with_a_password_only_is_told_to_set_up_two_factor(page, demo, transactional_db):
    page.set_viewport_size(PHONE)
    SignInPage(page).sign_in("coordinator@example.org")
    page.goto("/settings/sign-in/")
    expect(page.get_by_text("You signed in with a password only")).to_be_visible()
    checked(page)
    page.get_by_label("Members must use an authenticator app to sign in").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name=re.compile("Use two-factor sign-in yourself"))).to_be_visible()
    checked(page)


def test_the_live_panel_polls_as_a_background_request(page, demo, demo_users, transactional_db):
    incident, _ = demo_incident(demo, demo_users)
    page.clock.install()
    SignInPage(page).sign_in("responder@example.org")
    page.goto(f"/incidents/{incident.pk}/")
    page.wait_for_load_state("load")
    path = f"/incidents/{incident.pk}/"
    with page.expect_request(
        lambda request: request.url.endswith(path) and "hx-request" in request.headers
    ) as poll:
        page.clock.run_for("00:31")
    assert poll.value.headers.get("x-svt-background") == "true"
    # Answered before the test ends: the live server's thread shares the test's database connection, which the
    # test's teardown then empties.
    assert poll.value.response().ok
