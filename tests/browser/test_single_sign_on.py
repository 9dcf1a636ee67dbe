"""Single sign-on in Chromium, through a real OpenID Connect provider run by the test: the sign-in lands on
the home page in the right partnership and role; a person not invited, or from a domain not allowed, is
refused with a page that says why (axe-core, 320 px)."""

import re

import pytest
from playwright.sync_api import expect

from svtoolkit.accounts import services
from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import AuthenticatorCodePage, SignInPage


@pytest.fixture
def northbridge_allows_council(demo, identity_provider):
    services.update_single_sign_on(
        partnership=demo,
        providers=["council"],
        domains=["example.org"],
        self_registration_domains=[],
        accept_identity_provider_mfa=False,
        expected_revision=demo.revision,
        by=None,
        second_factor_passed=True,
    )
    return demo


def _through_the_provider(page, email):
    """From svtoolkit's sign-in page to the provider's, and approve there as the person would."""
    # The provider's page asks for a stylesheet from a CDN; the test needs no network.
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(body="", content_type="text/css"))
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in with Northbridge Council").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()


def test_signing_in_with_the_provider_lands_home_as_a_partner(
    new_page, identity_provider, northbridge_allows_council, demo_users, transactional_db
):
    identity_provider.person("police@example.org")
    page = new_page()
    page.goto("/sign-in/")
    assert_accessible(page)
    assert_fits(page)

    _through_the_provider(page, "police@example.org")
    expect(page).to_have_url(re.compile(r"/$"))
    bar = page.locator(".svt-partnership-bar")
    expect(bar).to_contain_text("Northbridge Community Safety Partnership")
    expect(bar).to_contain_text("Partner")
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN)
    assert (entry.actor, entry.detail["via"]) == (demo_users["police"], "single sign-on")


@pytest.mark.parametrize(
    ("email", "heading"),
    [
        ("stranger@example.org", "Your email address has not been invited"),
        ("officer@elsewhere.example", "Your organisation's accounts cannot sign in here"),
    ],
)
def test_the_provider_account_is_refused_with_a_reason(
    new_page, identity_provider, northbridge_allows_council, transactional_db, email, heading
):
    identity_provider.person(email)
    page = new_page()
    _through_the_provider(page, email)
    expect(page).to_have_url(re.compile(r"/sign-in/refused/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".svt-partnership-bar")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page)
    assert AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED).actor_label == email
    # The browser logs the refusal's 403 itself; nothing else may have gone wrong.
    assert all("status of 403" in error for error in new_page.errors)
    new_page.errors.clear()


def test_coordinator_sets_up_single_sign_on(new_page, identity_provider, demo, demo_users, transactional_db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.builders import current_code

    # Changing how members sign in needs the coordinator's own second factor.
    device = TOTPDevice.objects.create(user=demo_users["coordinator"], name="Phone", confirmed=True)
    page = new_page()
    SignInPage(page).sign_in("coordinator@example.org")
    AuthenticatorCodePage(page).enter(current_code(device))
    page.goto("/settings/sign-in/")
    page.get_by_role("link", name="Single sign-on: identity providers and email domains").click()
    page.get_by_label("Northbridge Council").check()
    page.get_by_label("Email domains that may sign in").fill("not a domain")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not an email domain")
    assert_accessible(page)
    assert_fits(page)

    page.get_by_label("Email domains that may sign in").fill("example.org\nnorthbridge.gov.uk")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Single sign-on settings saved")
    expect(page.get_by_label("Northbridge Council")).to_be_checked()
    assert_accessible(page)
    demo.refresh_from_db()
    assert demo.sso_providers == ["council"]
