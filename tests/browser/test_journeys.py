"""Whole journeys through the real pages."""

import re

from django.core import mail
from playwright.sync_api import expect

from svtoolkit.accounts.models import Membership
from tests.browser.conftest import assert_accessible
from tests.browser.pages import GovukPage, SignInPage, sign_in_as, signed_in


def test_sign_in_errors_use_the_error_summary(page, demo, transactional_db):
    sign_in_page = SignInPage(page).open().submit()
    summary = sign_in_page.error_summary
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter your email address")
    assert_accessible(page)
    sign_in_page.submit("coordinator@example.org", "wrong password")
    expect(summary).to_contain_text("The email address or password is not right")
    assert page.get_by_label("Email address").input_value() == "coordinator@example.org"
    summary.get_by_role("link").first.click()
    assert_accessible(page)


def test_coordinator_invites_a_partner_who_joins(new_page, demo, transactional_db, settings, live_server):
    settings.SITE_URL = live_server.url  # so the emailed link points at this server
    coordinator = signed_in(new_page, "coordinator")
    coordinator.get_by_role("link", name="Members").click()
    coordinator.get_by_role("button", name="Invite someone").click()
    coordinator.get_by_label("Full name").fill("Sam Lee")
    coordinator.get_by_label("Email address").fill("sam.lee@example.org")
    coordinator.get_by_label(re.compile("^Partner:")).check()
    coordinator.get_by_label("Organisation they represent").select_option(label="Northbridge Youth Trust")
    coordinator.get_by_role("button", name="Continue").click()
    banner = coordinator.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Invitation sent to sam.lee@example.org")
    expect(coordinator.get_by_role("cell", name="sam.lee@example.org", exact=True)).to_be_visible()
    assert_accessible(coordinator)

    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    invitee = new_page()
    invitee.goto(link)
    invitee.get_by_label("Create a password").fill("a good long passphrase")
    invitee.get_by_label("Confirm password").fill("a good long passphrase")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_role("heading", name="What needs your attention")).to_be_visible()
    expect(invitee.locator("body")).to_contain_text("Welcome to Northbridge Community Safety Partnership")
    membership = Membership.objects.get(user__email="sam.lee@example.org")
    assert membership.organisation.name == "Northbridge Youth Trust"


def test_works_without_javascript(new_page, demo, transactional_db):
    page = new_page(javascript=False)
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Change Val Mensah").click()
    page.get_by_label(re.compile("^Responder:")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("Val Mensah is now responder")
    GovukPage(page).sign_out()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
