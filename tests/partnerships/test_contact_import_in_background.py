"""Issue 15, defect 9: a large contacts file is imported by the task worker, all or nothing, with its progress
on a page; the upload itself answers at once whatever the file's size (within 2 MB)."""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from svtoolkit.accounts import services as account_services
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships import contacts_csv
from svtoolkit.partnerships.models import Contact, ContactImport, ContactImportStatus
from svtoolkit.partnerships.tasks import run_contact_import
from tests.conftest import MODEL_BACKEND
from tests.factories import ContactImportFactory, MembershipFactory
from tests.partnerships.test_contacts_csv import a_row, csv_bytes, upload

pytestmark = pytest.mark.django_db


def big_file(rows=5000, bad_lines=()):
    """A contacts file of ``rows`` rows; the rows on the given file lines name an unknown organisation."""
    return csv_bytes(
        [
            a_row(n, organisation="No such organisation") if n + 2 in bad_lines else a_row(n)
            for n in range(rows)
        ]
    )


def test_a_5000_row_import_answers_at_once_and_completes_through_the_task(
    client_for, demo, django_capture_on_commit_callbacks
):
    content = big_file(5000)
    assert len(content) < contacts_csv.MAX_BYTES
    before = Contact.objects.count()
    client = client_for("coordinator")
    with django_capture_on_commit_callbacks() as queued:
        started = time.monotonic()
        response = upload(client, content)
        answered_in = time.monotonic() - started
    # The request only reads the file: no contact is made until the task runs.
    assert response.status_code == 302
    assert Contact.objects.count() == before
    assert answered_in < 5
    job = ContactImport.objects.get()
    assert response["Location"] == reverse("partnerships:contact_import", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start: 5000 rows to check." in page
    assert '<progress id="contact-import-bar" class="app-progress" max="100" value="0">' in page

    for callback in queued:
        callback()

    job.refresh_from_db()
    assert job.status == ContactImportStatus.DONE
    assert (job.imported, job.rows_checked, job.content) == (5000, 5000, "")
    assert Contact.objects.count() == before + 5000
    page = client.get(response["Location"]).content.decode()
    assert "5000 contacts imported" in page
    # Each contact has its own entry in the partnership's audit log, naming it and what it was given.
    imported = Contact.objects.filter(name__startswith="Youth worker")
    entries = AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="partnerships.Contact")
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(
        str(pk) for pk in imported.values_list("pk", flat=True)
    )
    assert set(entries.values_list("partnership", "actor")) == {(demo.pk, job.uploaded_by_id)}
    last = imported.get(name="Youth worker 4999")
    assert entries.get(target_id=str(last.pk)).detail["email"] == "worker4999@example.org"
    # A task run again (a worker that retried it) imports nothing more.
    run_contact_import.call(import_id=job.pk)
    assert Contact.objects.count() == before + 5000


@pytest.mark.parametrize("bad_lines", [(2,), (2502,), (5001,), (10, 4000)])
def test_a_bad_row_anywhere_in_a_big_import_imports_nothing(
    client_for, demo, django_capture_on_commit_callbacks, bad_lines
):
    before = Contact.objects.count()
    client = client_for("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, big_file(5000, bad_lines=bad_lines))
    job = ContactImport.objects.get()
    assert job.status == ContactImportStatus.REFUSED
    assert [line for line, _ in job.problems] == list(bad_lines)
    assert Contact.objects.count() == before
    page = client.get(response["Location"]).content.decode()
    assert "There is a problem" in page
    assert "problems. Nothing was imported." in page
    for line in bad_lines:
        assert f'<a href="#line-{line}">Line {line}: organisation: There is no organisation called' in page


def test_a_small_file_is_still_imported_while_the_person_waits(client_for, demo):
    rows = contacts_csv.IN_REQUEST_ROWS
    response = upload(client_for("coordinator"), big_file(rows))
    assert response["Location"] == reverse("partnerships:organisations")
    assert not ContactImport.objects.exists()


def test_htmx_asks_for_the_progress_until_the_import_has_finished(client_for, demo, demo_users):
    job = ContactImportFactory(
        partnership=demo, status=ContactImportStatus.CHECKING, total_rows=1000, rows_checked=400
    )
    client = client_for("coordinator")
    url = reverse("partnerships:contact_import", args=[job.pk])
    part = client.get(url, headers={"HX-Request": "true"})
    text = part.content.decode()
    assert 'hx-trigger="every 2s"' in text
    assert "Checked 400 of 1000 rows." in text
    assert 'value="36"' in text
    assert "<html" not in text

    ContactImport.objects.filter(pk=job.pk).update(status=ContactImportStatus.DONE, imported=1000)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"


def test_another_partnerships_import_is_not_found(client_for, demo, other_partnership):
    theirs = ContactImportFactory(partnership=other_partnership[0])
    response = client_for("coordinator").get(reverse("partnerships:contact_import", args=[theirs.pk]))
    assert response.status_code == 404


def test_a_big_file_holding_a_nul_character_is_refused_with_a_message_and_nothing_is_queued(client_for, demo):
    rows = [a_row(n) for n in range(contacts_csv.IN_REQUEST_ROWS + 1)]
    rows[7] = a_row(7, job_title="Youth\x00worker")
    response = upload(client_for("coordinator"), csv_bytes(rows))
    assert response.status_code == 200
    assert "The file holds a NUL character (line 9)" in response.context["form"].errors["file"][0]
    assert not ContactImport.objects.exists()


def headers_the_progress_part_sends(page: str) -> dict:
    """What htmx sends when the progress part asks for itself: its own request header and the part's
    ``hx-headers``."""
    part = re.search(r'<div id="contact-import-progress"[^>]*>', page).group(0)
    extra = re.search(r"hx-headers='([^']*)'", part)
    return {"HX-Request": "true", **(json.loads(extra.group(1)) if extra else {})}


def test_an_import_page_left_open_does_not_keep_an_idle_session_alive(client, demo, demo_users, time_machine):
    """An import waiting for a task worker that is down asks for its progress for ever: those requests are
    the page's, not the person's, and must not keep the session from ending after 30 idle minutes."""
    job = ContactImportFactory(partnership=demo, status=ContactImportStatus.QUEUED, total_rows=1000)
    url = reverse("partnerships:contact_import", args=[job.pk])
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    client.force_login(demo_users["coordinator"], backend=MODEL_BACKEND)
    polled = headers_the_progress_part_sends(client.get(url).content.decode())
    for minutes in (10, 20, 29):
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        assert client.get(url, headers=polled).status_code == 200
    time_machine.move_to(start + timedelta(minutes=31), tick=False)
    ended = client.get(url, headers=polled)
    assert ended["HX-Redirect"].startswith(reverse("accounts:login"))


def test_an_import_page_open_when_its_coordinator_was_made_a_responder_reloads_and_floods_no_audit_log(
    client, demo
):
    """The progress part asks every 2 seconds: refused, it has the page reload (to the refusal page) rather
    than go on asking, and the refusals it met before are one counted entry in the audit log, not one each."""
    membership = MembershipFactory(partnership=demo, role="coordinator")
    job = ContactImportFactory(partnership=demo, status=ContactImportStatus.CHECKING, total_rows=1000)
    url = reverse("partnerships:contact_import", args=[job.pk])
    client.force_login(membership.user, backend=MODEL_BACKEND)
    polled = headers_the_progress_part_sends(client.get(url).content.decode())
    account_services.change_membership(
        membership=membership,
        role="responder",
        organisation=membership.organisation,
        expected_revision=membership.revision,
        by=membership.user,
    )

    polls = [client.get(url, headers=polled) for _ in range(30)]  # a minute of a page that kept asking
    assert {(poll.status_code, poll.get("HX-Refresh")) for poll in polls} == {(403, "true")}
    refused = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=membership.user)
    assert [(entry.count, entry.detail["reason"]) for entry in refused] == [(30, "can_edit_directory")]
