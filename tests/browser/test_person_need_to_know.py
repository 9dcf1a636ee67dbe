"""Who may read one record, through the real pages without JavaScript: the list page and its error summary
pass axe and fit a 320 px phone, and a partner added to the victim's list opens the victim and not the
witness (issue 20, item 1)."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.factories import TEST_PASSWORD
from tests.incidents.access import demo_incident
from tests.incidents.builders import demo_person


def test_a_responder_gives_the_police_the_victims_record_only(
    new_page, demo, demo_users, transactional_db, live_server
):
    incident, _ = demo_incident(demo, demo_users)
    demo_person(incident, demo_users["responder"], name="Victor Victim")
    witness = demo_person(incident, demo_users["responder"], name="Wendy Witness", role="witness")
    page = new_page(javascript=False)
    sign_in(page, "responder@example.org", TEST_PASSWORD)
    page.goto(reverse("incidents:people", args=[incident.pk]))
    page.get_by_role("link", name="Who may read it: record 1").click()
    expect(page.get_by_role("heading", name="Who may read this record")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    # Nobody ticked: refused with an error summary that leads to the question.
    page.get_by_label(re.compile("Rosa Delgado")).uncheck()
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one person who may read this record")
    assert_accessible(page)
    assert_fits(page)

    page.get_by_label(re.compile("Rosa Delgado")).check()
    page.get_by_label(re.compile("Pat Hughes")).check()
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_text(re.compile("added Pat Hughes"))).to_be_visible()

    police = new_page(javascript=False)
    sign_in(police, "police@example.org", TEST_PASSWORD)
    police.goto(reverse("incidents:people", args=[incident.pk]))
    expect(police.get_by_text("You can open 1 of them")).to_be_visible()
    assert_accessible(police)
    police.get_by_role("link", name="Open the record 1").click()
    police.get_by_label("Why do you need to open this record?").fill("Family liaison")
    police.get_by_role("button", name="Continue").click()
    expect(police.get_by_role("heading", name="Victor Victim")).to_be_visible()
    response = police.goto(reverse("incidents:person", args=[incident.pk, witness.pk]))
    assert response.status == 403
