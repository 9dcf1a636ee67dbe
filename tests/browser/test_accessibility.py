"""Every page each demo role can open, opened in Chromium and checked with axe-core."""

import math

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.access_expectations import EXPECTED, NOT_PAGES, ROLES
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import SignInPage, sign_in_as
from tests.conftest import DEMO_ROLES

# Pages that keep fetching after they load: the API docs fetch the schema, an import's progress polls.
# The walk waits for them to go quiet before the next page, since the test server's threads share one
# SQLite connection; other pages are done once loaded (waiting for quiet costs half a second a page).
FETCH_AFTER_LOADING = {"api:docs", "partnerships:contact_import"}
# Each role's pages are checked in parts of at most this many, so the parts spread over the test workers.
PAGES_PER_PART = 35
# Every page is opened as wide as a phone (WCAG 2.2 reflow: 320 CSS pixels) and must not scroll sideways.
PHONE = {"width": 320, "height": 800}


# The API documentation page fetches the schema of the person's partnership: regional staff, who hold no
# partnership membership, have no API (the schema answers them 403), so their walk leaves the page out.
NOT_FOR_REGIONAL_STAFF = {"api:docs"}


def _pages_of(role):
    return sorted(
        url_name
        for url_name, statuses in EXPECTED.items()
        if statuses[role] == 200
        and url_name not in NOT_PAGES
        and not (role.startswith("regional_") and url_name in NOT_FOR_REGIONAL_STAFF)
    )


# The regional viewer's pages are the regional coordinator's less one form: walked once, as the coordinator.
WALK_ROLES = [role for role in ROLES if role != "regional_viewer"]
WALKS = [
    (role, part) for role in WALK_ROLES for part in range(math.ceil(len(_pages_of(role)) / PAGES_PER_PART))
]


@pytest.mark.slow
@pytest.mark.parametrize(("role", "part"), WALKS, ids=[f"{role}-{part + 1}" for role, part in WALKS])
def test_every_page_a_role_can_open_passes_axe_and_fits_a_phone(
    role, part, page, demo, url_args, transactional_db
):
    page.set_viewport_size(PHONE)
    if role != "anonymous":
        sign_in_as(page, role)
        assert page.url.endswith("/"), "sign-in should land on the home page"

    too_wide = []
    for url_name in _pages_of(role)[part * PAGES_PER_PART : (part + 1) * PAGES_PER_PART]:
        path = reverse(url_name, kwargs=url_args.get(url_name))
        response = page.goto(path)
        assert response.status == 200, f"{path} as {role}"
        if url_name in FETCH_AFTER_LOADING:
            page.wait_for_load_state("networkidle")
        assert_accessible(page)
        too_wide.extend(overflow(page, path))
    assert too_wide == [], f"Pages wider than {PHONE['width']} px as {role}:\n" + "\n".join(too_wide)


def overflow(page, path) -> list[str]:
    """How far the page at ``path`` pushes past the phone's width, and its widest element, if it does."""
    widths = page.evaluate(
        """() => {
            const root = document.documentElement;
            const widest = [...document.body.querySelectorAll('*')]
                .filter((element) => element.getBoundingClientRect().right > root.clientWidth)
                .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
            return [root.scrollWidth - root.clientWidth, widest.slice(0, 3).join(', ')];
        }"""
    )
    return [f"{path}: {widths[0]} px too wide ({widths[1]})"] if widths[0] > 0 else []


def test_error_pages_pass_axe(new_page, demo, transactional_db):
    page = new_page()
    sign_in_as(page, "viewer")
    assert page.goto("/audit/").status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    assert_accessible(page)
    assert page.goto("/no-such-page/").status == 404
    assert_accessible(page)
    # The browser logs the 403 and 404 themselves; nothing else may have gone wrong.
    assert all("status of 40" in error for error in new_page.errors)
    new_page.errors.clear()


def test_the_too_many_attempts_page_says_when_to_try_again_passes_axe_and_fits_a_phone(
    new_page, demo, settings, transactional_db
):
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "1/15m"
    page = new_page()
    for _ in range(2):
        SignInPage(page).open().submit(DEMO_ROLES["viewer"], "not the password")

    expect(page.get_by_role("heading", name="Too many attempts: try again later")).to_be_visible()
    expect(page.get_by_text("Try again after")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    # The browser logs the 429 itself; nothing else may have gone wrong.
    assert all("status of 429" in error for error in new_page.errors)
    new_page.errors.clear()
