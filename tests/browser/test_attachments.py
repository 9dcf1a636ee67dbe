"""Attaching a file to an incident (a plain form post), and downloading it marked."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import AttachFilePage, sign_in_as
from tests.incidents.builders import demo_incident


def test_a_file_is_attached_to_an_incident_and_downloaded_marked(
    page, demo, demo_users, tmp_path, transactional_db
):
    incident, _ = demo_incident(demo, demo_users)
    minutes = tmp_path / "cctv-handover.txt"
    minutes.write_text("CCTV from the bus stop handed over to DC Reid at 14:05.\n")
    sign_in_as(page, "responder")
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("#attachments")).to_contain_text("No files attached.")

    attach = AttachFilePage(page).open_from_section().attach()
    expect(attach.error_summary).to_contain_text("Select a file to upload")
    assert_accessible(page)
    assert_fits(page)

    attach.attach(path=minutes, description="CCTV hand-over record")
    section = page.locator("#attachments")
    expect(section).to_contain_text("CCTV hand-over record")
    assert_accessible(page)
    with page.expect_download() as download:
        section.get_by_role("link", name="cctv-handover.txt").click()
    assert download.value.suggested_filename == "cctv-handover-OFFICIAL-SENSITIVE.txt"
