"""The partner directory as the demo coordinator uses it: organisations, contacts and a CSV import."""

import csv

from django.urls import reverse
from playwright.sync_api import expect

from svtoolkit.partnerships.contacts_csv import COLUMNS
from svtoolkit.partnerships.models import Contact, ContactImport, ContactImportStatus, Organisation
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import fill_date, sign_in_as
from tests.factories import ContactImportFactory


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def contact_row(n, organisation="Northbridge Street Pastors", **changes):
    return {
        "organisation": organisation,
        "name": f"Volunteer {n}",
        "job_title": "Street pastor",
        "email": f"volunteer{n}@example.org",
        "phone": "020 7946 0700",
        "other_phone": "",
        "out_of_hours": "Friday and Saturday nights.",
        "incident_role": "none",
        "escalation_order": "",
        "owner_email": "responder@example.org",
        "review_due": "01/06/2030",
        **changes,
    }


def add_contact(page, *, name, role, phone, order):
    page.get_by_role("button", name="Add a contact").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Job title").fill("Team leader")
    page.get_by_label(role, exact=True).check()
    page.get_by_label("Escalation order").fill(order)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Owner").select_option(label="Rosa Delgado (responder@example.org)")
    page.get_by_role("button", name="Add contact").click()


def test_coordinator_adds_an_organisation_contacts_and_imports_a_csv(page, demo, transactional_db, tmp_path):
    sign_in_as(page, "coordinator")
    page.get_by_role("link", name="Directory", exact=True).click()
    assert_accessible(page)

    page.get_by_role("button", name="Add an organisation").click()
    page.get_by_role("button", name="Add organisation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the organisation's name")
    assert_accessible(page)
    page.get_by_label("Name").fill("Northbridge Street Pastors")
    page.get_by_label("Kind of organisation").select_option(label="Faith group")
    page.get_by_label("Owner").select_option(label="Chris Okafor (coordinator@example.org)")
    fill_date(page, "Review by", "2030-03-31")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Northbridge Street Pastors was added")
    assert_accessible(page)

    add_contact(page, name="Joy Adams", role="Single point of contact", phone="020 7946 0711", order="1")
    add_contact(page, name="Ben Carter", role="Deputy", phone="020 7946 0712", order="2")
    expect(page.locator(".govuk-summary-card__title")).to_have_text(
        ["1. Joy Adams, Team leader", "2. Ben Carter, Team leader"]
    )
    assert_accessible(page)
    page.get_by_role("link", name="Change Ben Carter").click()
    assert page.get_by_label("Name", exact=True).input_value() == "Ben Carter"
    assert_accessible(page)

    page.get_by_role("link", name="Directory", exact=True).click()
    page.get_by_role("link", name="Import or export contacts").click()
    assert_accessible(page)
    bad = [contact_row(n) for n in range(5)]
    bad[2] = contact_row(2, email="volunteer at example", organisation="Northbridge Nowhere")
    page.get_by_label("Upload a CSV file").set_input_files(write_csv(tmp_path / "bad.csv", bad))
    page.get_by_role("button", name="Import contacts").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("1 row of the file has problems")
    expect(summary).to_contain_text(
        "Line 4: organisation: There is no organisation called “Northbridge Nowhere”"
    )
    expect(summary).to_contain_text("email: Enter an email address like name@example.org")
    expect(page.locator("#line-4")).to_be_visible()
    assert_accessible(page)
    assert not Contact.objects.filter(name__startswith="Volunteer").exists()

    good = write_csv(tmp_path / "contacts.csv", [contact_row(n) for n in range(50)])
    page.get_by_label("Upload a CSV file").set_input_files(good)
    page.get_by_role("button", name="Import contacts").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("50 contacts imported.")
    pastors = Organisation.objects.get(partnership=demo, name="Northbridge Street Pastors")
    assert pastors.contacts.count() == 52
    assert (
        page.get_by_role("row", name="Northbridge Street Pastors").get_by_role("cell").nth(2).inner_text()
        == "52"
    )
    assert_accessible(page)


def test_the_directory_works_without_javascript_and_partners_only_read_it(new_page, demo, transactional_db):
    page = new_page(javascript=False)
    sign_in_as(page, "police")
    page.get_by_role("link", name="Directory", exact=True).click()
    police = page.get_by_role("link", name="Metropolitan Police, Northbridge Basic Command Unit")
    expect(police).to_be_visible()
    expect(page.get_by_role("button", name="Add an organisation")).to_have_count(0)
    police.click()
    expect(
        page.get_by_role("heading", name="1. Detective Inspector Ruth Adeyemi, Partnership Inspector")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Change Ruth Adeyemi")).to_have_count(0)
    page.get_by_role("link", name="Back to the directory").click()
    page.get_by_role("link", name="Support services").click()
    page.get_by_role("link", name="Council CCTV control room").click()
    expect(page.locator("body")).to_contain_text("Staffed 24 hours a day")


def test_a_large_import_shows_its_progress_then_its_result(new_page, demo, demo_users, transactional_db):
    """Issue 15, defect 9: the progress page updates by itself with JavaScript and on request without it."""
    job = ContactImportFactory(
        partnership=demo,
        uploaded_by=demo_users["coordinator"],
        status=ContactImportStatus.CHECKING,
        total_rows=5000,
        rows_checked=1200,
    )
    path = reverse("partnerships:contact_import", args=[job.pk])
    plain = new_page(javascript=False)
    sign_in_as(plain, "coordinator")
    plain.goto(path)
    expect(plain.locator("#contact-import-progress")).to_contain_text("Checked 1200 of 5000 rows.")
    ContactImport.objects.filter(pk=job.pk).update(rows_checked=3000)
    plain.get_by_role("link", name="Check progress again").click()
    expect(plain.locator("#contact-import-progress")).to_contain_text("Checked 3000 of 5000 rows.")

    page = new_page()
    sign_in_as(page, "coordinator")
    page.goto(path)
    expect(page.locator("#contact-import-progress")).to_contain_text("Checked 3000 of 5000 rows.")
    assert_accessible(page)
    assert_fits(page)
    ContactImport.objects.filter(pk=job.pk).update(rows_checked=4500)
    expect(page.locator("#contact-import-progress")).to_contain_text("Checked 4500 of 5000 rows.")
    ContactImport.objects.filter(pk=job.pk).update(
        status=ContactImportStatus.REFUSED, rows_checked=5000, problems=[[4001, ["name: Enter a name"]]]
    )
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 4001: name: Enter a name")
    expect(page.locator("body")).to_contain_text("1 row has problems. Nothing was imported.")
    assert_accessible(page)
    assert_fits(page)
