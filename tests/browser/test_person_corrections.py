"""Correcting a person-affected record through the real pages: the form and the record with its corrections
pass axe and fit a 320 px phone (issue 15, defect 3)."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from svtoolkit.incidents.people import services as people_services
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import OpenPersonRecordPage, sign_in_as
from tests.incidents.access import demo_incident


def test_a_responder_on_the_list_corrects_consent_and_sees_what_it_said_before(
    new_page, demo, demo_users, transactional_db, live_server
):
    incident, _ = demo_incident(demo, demo_users)
    person = people_services.add_person_affected(
        incident=incident, by=demo_users["responder"], name="J. S.", age_band="16_17", role="victim",
        relation="", support_needs="", consent="not_asked", consent_scope="", referrals="",
        single_point_of_contact=None, lawful_basis="safeguarding", sharing_agreement="Northbridge CSP 2025",
    )  # fmt: skip
    page = new_page()
    sign_in_as(page, "responder")

    def open_the_record():
        page.goto(reverse("incidents:person", args=[incident.pk, person.pk]))
        OpenPersonRecordPage(page).give_reason("Consent given at the school")

    open_the_record()
    page.get_by_role("link", name="Correct this record").click()
    expect(page.get_by_role("heading", name="Correct the record of a person affected")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_label("Consent to share").select_option(label="Given")
    page.get_by_label("Their single point of contact").select_option(index=1)
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text(re.compile("The record was corrected"))).to_be_visible()
    open_the_record()
    expect(page.get_by_role("heading", name="Corrections")).to_be_visible()
    expect(page.get_by_text("Was: Not asked yet")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
