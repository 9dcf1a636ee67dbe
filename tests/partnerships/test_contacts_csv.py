"""Importing and exporting contacts as CSV: whole-file checks, row-by-row validation, all or nothing."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships import contacts_csv
from svtoolkit.partnerships.forms import ContactImportForm, ContactRowForm
from svtoolkit.partnerships.models import Contact, IncidentRole
from tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

TRUST = "Northbridge Youth Trust"


def csv_bytes(rows, columns=contacts_csv.COLUMNS, encoding="utf-8"):
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(columns)
    writer.writerows(rows)
    return stream.getvalue().encode(encoding)


def a_row(n, **changes):
    row = {
        "organisation": TRUST,
        "name": f"Youth worker {n}",
        "job_title": "Detached youth worker",
        "email": f"worker{n}@example.org",
        "phone": "020 7946 0600",
        "other_phone": f"07700 900{n:03d}",
        "out_of_hours": "Mobile until 22:00.",
        "incident_role": "none",
        "escalation_order": "",
        "owner_email": "responder@example.org",
        "review_due": "2030-04-01",
    }
    row.update(changes)
    return [row[column] for column in contacts_csv.COLUMNS]


def upload(client, content, name="contacts.csv"):
    return client.post(
        reverse("partnerships:contacts_import"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


# --- Import through the page -------------------------------------------------------------------------


def test_fifty_contacts_are_imported_in_one_go(client_for, demo):
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), csv_bytes([a_row(n) for n in range(50)]))
    assert response.status_code == 302
    assert Contact.objects.count() == before + 50
    assert Contact.objects.filter(organisation__name=TRUST, name__startswith="Youth worker").count() == 50
    page = client_for("coordinator").get(response["Location"]).content.decode()
    assert "50 contacts imported." in page
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="partnerships.Contact").count() == 50
    )


def test_one_bad_row_imports_nothing_and_is_reported_by_its_line(client_for, demo):
    rows = [a_row(n) for n in range(10)]
    rows[3] = a_row(3, email="not an email", review_due="31/02/2030")
    rows[7] = a_row(7, organisation="Northbridge Nowhere")
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), csv_bytes(rows))
    assert Contact.objects.count() == before
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "<title>Error: " in page
    assert "2 rows of the file have problems, listed below. Nothing was imported." in page
    # Line 1 is the header, so the fourth data row is line 5.
    assert response.context["form"].row_problems == [
        (
            5,
            [
                "email: Enter an email address like name@example.org",
                "review_due: Enter the review date as YYYY-MM-DD or DD/MM/YYYY, or leave it blank",
            ],
        ),
        (
            9,
            [
                "organisation: There is no organisation called “Northbridge Nowhere” in the directory. "
                "Add it first or check the spelling"
            ],
        ),
    ]
    assert 'href="#line-5"' in page and 'id="line-9"' in page


def test_a_contact_a_colleague_added_while_the_file_was_checked_is_named_on_the_import_page(
    client_for, demo, demo_users, monkeypatch
):
    """The defect: the import was refused, rightly, but the page showed an empty "There is a problem" box: the
    service's message naming the contact added meanwhile was not drawn."""
    from svtoolkit.partnerships import forms as directory_forms
    from svtoolkit.partnerships import services

    checked = directory_forms.check_rows

    def checked_then_a_colleague_adds_one(*args, **kwargs):
        result = checked(*args, **kwargs)
        services.create_contact(
            organisation=demo.organisations.get(name=TRUST),
            details={"name": "Youth worker 1", "email": "worker1@example.org"},
            by=demo_users["coordinator"],
        )
        return result

    monkeypatch.setattr(directory_forms, "check_rows", checked_then_a_colleague_adds_one)
    before = Contact.objects.count()

    response = upload(client_for("coordinator"), csv_bytes([a_row(n) for n in range(3)]))

    assert Contact.objects.count() == before + 1, "the colleague's contact only"
    assert escape(f"Youth worker 1 is already a contact of {TRUST}") in response.content.decode()


def test_an_email_longer_than_the_directory_keeps_is_a_row_error(client_for, demo):
    """The defect: a row's email address of 255 to 320 characters passed the check and PostgreSQL refused
    the import (an error page)."""
    too_long = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "@" + "d" * 60 + ".example.org"
    before = Contact.objects.count()
    client = client_for("coordinator")
    client.raise_request_exception = False
    response = upload(client, csv_bytes([a_row(1), a_row(2, email=too_long)]))
    assert response.status_code == 200
    assert response.context["form"].row_problems == [
        (3, ["email: The email address must be 254 characters or fewer"])
    ]
    assert Contact.objects.count() == before


def test_line_numbers_count_lines_inside_quoted_cells(client_for, demo):
    rows = [a_row(1, out_of_hours="Line one\nline two\nline three"), a_row(2, name="")]
    response = upload(client_for("coordinator"), csv_bytes(rows))
    assert response.context["form"].row_problems == [(5, ["name: Enter the contact's name"])]


def test_roles_by_label_dates_by_day_first_and_blank_owner_and_date_take_defaults(
    client_for, demo, demo_users
):
    rows = [
        a_row(1, incident_role="Single point of contact", escalation_order="1", review_due="15/09/2030"),
        a_row(2, incident_role="DEPUTY", escalation_order="2", owner_email="", review_due=""),
    ]
    upload(client_for("coordinator"), csv_bytes(rows))
    first, second = Contact.objects.filter(name__in=["Youth worker 1", "Youth worker 2"]).order_by("name")
    assert (first.incident_role, first.review_due, first.owner) == (
        "spoc",
        date(2030, 9, 15),
        demo_users["responder"],
    )
    assert (second.incident_role, second.owner) == ("deputy", demo_users["coordinator"])
    assert second.review_due == timezone.localdate() + timedelta(days=365)


def test_an_owner_who_is_not_a_member_is_a_row_error(client_for, demo, other_partnership):
    outsider = other_partnership[1].user.email
    response = upload(client_for("coordinator"), csv_bytes([a_row(1, owner_email=outsider)]))
    [(line, problems)] = response.context["form"].row_problems
    assert line == 2 and f"owner_email: {outsider} is not a member of the partnership" in problems[0]


def test_another_partnerships_organisation_is_not_matched(client_for, demo, other_partnership):
    OrganisationFactory(partnership=other_partnership[0], name="Southmoor Youth Service")
    response = upload(
        client_for("coordinator"), csv_bytes([a_row(1, organisation="Southmoor Youth Service")])
    )
    assert response.context["form"].row_problems[0][0] == 2
    assert not Contact.objects.filter(name="Youth worker 1").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n \n", "The file is empty."),
        (csv_bytes([]), "The file has a header row but no contacts."),
        (b"OFFICIAL\n", "The header row is missing: the file has only its marking line (OFFICIAL)."),
        (b"\xef\xbb\xbfOFFICIAL-SENSITIVE", "The header row is missing: the file has only its marking line"),
        (
            csv_bytes([["x"] * 10], columns=contacts_csv.COLUMNS[:-1]),
            "The header row (line 1) is not right (missing columns: review_due).",
        ),
        (
            csv_bytes([["x"] * 12], columns=[*contacts_csv.COLUMNS, "notes"]),
            "The header row (line 1) is not right (unknown columns: notes).",
        ),
        (
            csv_bytes([a_row(1)], encoding="utf-8").replace(b"Youth worker", "Jeunesse é".encode("latin-1")),
            "The file is not saved as UTF-8.",
        ),
        (
            csv_bytes([a_row(1, out_of_hours="x" * 200_000)]),
            "The file could not be read as CSV near line 2: field larger than field limit",
        ),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_with_a_specific_message(client_for, demo, content, message):
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), content)
    assert message in response.context["form"].errors["file"][0]
    assert escape(message) in response.content.decode()
    assert Contact.objects.count() == before


def test_a_file_over_2_mb_is_refused(client_for, demo):
    padding = "x" * 1000
    rows = [a_row(n, out_of_hours=padding) for n in range(2200)]
    response = upload(client_for("coordinator"), csv_bytes(rows))
    assert response.context["form"].errors["file"] == [
        "The file must be smaller than 2 MB. Split it into smaller files"
    ]


def test_a_row_with_the_wrong_number_of_cells_is_a_row_error(client_for, demo):
    content = csv_bytes([a_row(1)]) + b"Northbridge Youth Trust,Short row\r\n"
    response = upload(client_for("coordinator"), content)
    assert response.context["form"].row_problems == [
        (3, ["it has 2 values but the header row has 11 columns"])
    ]


def test_a_byte_order_mark_and_column_order_do_not_matter(client_for, demo):
    columns = list(reversed(contacts_csv.COLUMNS))
    content = b"\xef\xbb\xbf" + csv_bytes([list(reversed(a_row(1)))], columns=[c.upper() for c in columns])
    assert upload(client_for("coordinator"), content).status_code == 302
    assert Contact.objects.filter(name="Youth worker 1", email="worker1@example.org").exists()


# --- Export ------------------------------------------------------------------------------------------


def test_export_lists_active_contacts_and_is_audited(client_for, demo, demo_users):
    organisation = OrganisationFactory(partnership=demo, name="Aardvark Trust")
    ContactFactory(
        organisation=organisation,
        name="Formula",
        phone="+44 20 7946 0000",
        out_of_hours='=HYPERLINK("x")',
        owner=demo_users["health"],
        review_due=date(2031, 2, 3),
        escalation_order=2,
        incident_role="deputy",
    )
    ContactFactory(organisation=organisation, name="Left", is_active=False)
    response = client_for("coordinator").post(reverse("partnerships:contacts_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="northbridge-contacts-' in response["Content-Disposition"]
    lines = io.StringIO(response.content.decode("utf-8-sig"))
    assert next(csv.reader(lines)) == ["OFFICIAL"]
    rows = list(csv.DictReader(lines))
    assert rows[0] == {
        "organisation": "Aardvark Trust",
        "name": "Formula",
        "job_title": "Duty manager",
        "email": rows[0]["email"],
        "phone": "'+44 20 7946 0000",
        "other_phone": "",
        "out_of_hours": '\'=HYPERLINK("x")',
        "incident_role": "deputy",
        "escalation_order": "2",
        "owner_email": "health@example.org",
        "review_due": "2031-02-03",
    }
    assert "Left" not in [row["name"] for row in rows]
    assert len(rows) == Contact.objects.filter(organisation__partnership=demo, is_active=True).count()
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT_SENSITIVE)
    assert entry.detail == {"what": "contacts export", "rows": len(rows)}


def test_an_export_imports_back_unchanged(client_for, demo):
    client = client_for("coordinator")
    fields = [
        "organisation__name",
        "name",
        "job_title",
        "email",
        "phone",
        "other_phone",
        "out_of_hours",
        "incident_role",
        "escalation_order",
        "owner__email",
        "review_due",
    ]
    before = sorted(Contact.objects.filter(organisation__partnership=demo).values_list(*fields))
    exported = client.post(reverse("partnerships:contacts_export")).content
    Contact.objects.all().delete()
    assert upload(client, exported).status_code == 302
    assert sorted(Contact.objects.filter(organisation__partnership=demo).values_list(*fields)) == before


# --- Property tests of the row validation ------------------------------------------------------------

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60)
any_row = st.fixed_dictionaries({column: text for column in contacts_csv.COLUMNS})


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=any_row)
def test_any_text_in_a_row_is_either_accepted_or_reported_never_an_exception(demo, demo_users, values):
    organisations = {organisation.name.casefold(): organisation for organisation in demo.organisations.all()}
    members = {user.email: user for user in demo_users.values()}
    form = ContactRowForm(values, organisations=organisations, members=members)
    if form.is_valid():
        assert form.contact()["organisation"] in organisations.values()
    else:
        assert form.problems() and all(isinstance(problem, str) for problem in form.problems())


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400) | st.text(max_size=300).map(lambda value: value.encode("utf-8")))
def test_any_uploaded_bytes_are_either_read_or_refused_with_a_message(demo, demo_users, content):
    form = ContactImportForm(
        {},
        {"file": SimpleUploadedFile("contacts.csv", content)},
        organisations=demo.organisations.all(),
        members=demo_users.values(),
    )
    if not form.is_valid():
        assert form.errors["file"]


clean_text = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=40).map(
    str.strip
)
contact_values = st.fixed_dictionaries(
    {
        "name": clean_text.filter(bool),
        "job_title": clean_text,
        "email": st.sampled_from(["", "a.person@example.org", "duty-desk@northbridge.example.org"]),
        "phone": st.text(alphabet="+-=@' 0123456789", max_size=20).map(str.strip),
        "other_phone": clean_text.map(lambda value: value[:40].strip()),
        "out_of_hours": st.text(
            alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.just("\n"), max_size=80
        ).map(str.strip),
        "incident_role": st.sampled_from(IncidentRole.values),
        "escalation_order": st.none() | st.integers(min_value=1, max_value=99),
        "review_due": st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    }
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=contact_values)
def test_a_valid_contact_round_trips_through_export_and_import(demo, demo_users, values):
    organisation = demo.organisations.get(name=TRUST)
    contact = Contact(organisation=organisation, owner=demo_users["police"], **values)
    content, _ = contacts_csv.contacts_file([contact], marking="OFFICIAL")
    form = ContactImportForm(
        {},
        {"file": SimpleUploadedFile("contacts.csv", content)},
        organisations=[organisation],
        members=demo_users.values(),
    )
    assert form.is_valid(), form.row_problems or form.errors
    [imported] = form.contacts
    assert imported == {**values, "organisation": organisation, "owner": demo_users["police"]}


def test_a_row_repeating_another_or_a_contact_already_listed_imports_nothing_and_names_the_lines(
    client_for, demo
):
    ContactFactory(
        organisation=demo.organisations.get(name=TRUST), name="Youth Worker 9", email="Worker9@example.org"
    )
    rows = [a_row(1), a_row(2), a_row(1, phone="020 7946 0601"), a_row(9)]
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), csv_bytes(rows))
    assert Contact.objects.count() == before
    assert response.context["form"].row_problems == [
        (4, ["it repeats line 2: the same contact at the same organisation"]),
        (5, [f"Youth worker 9 is already a contact of {TRUST}, with this email address"]),
    ]


def test_an_export_saved_again_by_excel_with_its_marking_line_padded_by_commas_is_imported(client_for, demo):
    # Excel writes every line as wide as the widest, so the marking line comes back as "OFFICIAL,,,,...".
    content = b"OFFICIAL" + b"," * (len(contacts_csv.COLUMNS) - 1) + b"\r\n" + csv_bytes([a_row(1)])
    assert upload(client_for("coordinator"), content).status_code == 302
    assert Contact.objects.filter(name="Youth worker 1", email="worker1@example.org").exists()


def test_a_file_whose_header_row_excel_padded_with_blank_columns_is_imported(client_for, demo):
    # Excel keeps the width of any cell once used, so the header and each row can end in empty cells.
    padded = [*contacts_csv.COLUMNS, "", " "]
    content = csv_bytes([[*a_row(1), "", ""], a_row(2), [*a_row(3), ""]], columns=padded)
    assert upload(client_for("coordinator"), content).status_code == 302
    names = ["Youth worker 1", "Youth worker 2", "Youth worker 3"]
    assert Contact.objects.filter(name__in=names).count() == 3


def test_a_blank_column_between_named_ones_is_refused_naming_the_header_line(client_for, demo):
    columns = [*contacts_csv.COLUMNS[:3], "", *contacts_csv.COLUMNS[3:], ""]
    row = a_row(1)
    content = b"OFFICIAL\r\n" + csv_bytes([[*row[:3], "", *row[3:], ""]], columns=columns)
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), content)
    assert response.context["form"].errors["file"] == [
        "The header row (line 2) is not right (column 4 has no name). "
        f"The columns must be: {', '.join(contacts_csv.COLUMNS)}"
    ]
    assert Contact.objects.count() == before


def test_a_value_under_a_blank_column_of_the_header_is_a_problem_of_its_line(client_for, demo):
    columns = [*contacts_csv.COLUMNS, "", ""]
    content = csv_bytes([[*a_row(1), "", ""], [*a_row(2), "", "Left on Friday"]], columns=columns)
    before = Contact.objects.count()
    response = upload(client_for("coordinator"), content)
    assert response.context["form"].row_problems == [
        (3, ["column 13 has a value but no name in the header row"])
    ]
    assert Contact.objects.count() == before
