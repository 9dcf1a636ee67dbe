"""A token made on the account pages works against the API; the docs page runs under the strict CSP; the
search box in the header finds an incident."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.pages import ApiTokensPage, sign_in_as
from tests.incidents.builders import demo_incident


def test_create_use_and_revoke_a_token(page, demo, demo_users, transactional_db):
    sign_in_as(page, "viewer")
    tokens = ApiTokensPage(page).open()
    assert_accessible(page)
    tokens.create()
    expect(page.get_by_role("link", name="Enter a name for the token")).to_be_visible()
    assert_accessible(page)
    tokens.create("Weekly report")
    expect(page.get_by_role("heading", name="Token “Weekly report” created")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#api-token").inner_text()

    answer = page.request.get("/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and answer.json()["count"] == 0

    tokens.open()
    expect(page.get_by_text(secret)).to_have_count(0)
    page.get_by_role("button", name="Revoke token Weekly report").click()
    expect(page.get_by_text("The token “Weekly report” was revoked")).to_be_visible()
    answer = page.request.get("/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 401


def test_the_api_docs_run_under_the_content_security_policy(page, demo, transactional_db):
    sign_in_as(page, "responder")
    page.goto("/api/docs/")
    assert_accessible(page)  # at once, however far Swagger UI has got
    expect(page.get_by_text("/api/v1/incidents/", exact=True).first).to_be_visible()
    assert_accessible(page)
    # Trying an operation from the page uses the session (and its CSRF token) and our own scripts only.
    page.locator("#operations-incidents-incidents_list .opblock-summary-control").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    # The page fixture fails the test on any console error, which is how a CSP violation shows itself.


def test_the_search_box_finds_an_incident(page, demo, demo_users, transactional_db):
    incident, _ = demo_incident(demo, demo_users)
    sign_in_as(page, "police")
    page.get_by_label("Search svtoolkit").fill("bus stop")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=bus\+stop"))
    expect(page.get_by_role("link", name=f"{incident.reference}: {incident.title}")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Actions"))).to_be_visible()
    assert_accessible(page)
