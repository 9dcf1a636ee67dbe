"""Importing contacts from a CSV file, all or nothing: the rows are checked first, then every contact is
created in one transaction, or none is.

Small files are done in the request (``services.import_contacts``); a file of more than
``contacts_csv.IN_REQUEST_ROWS`` rows becomes a ``ContactImport`` that the task worker runs here, keeping its
progress on the row so the import's page can show it.
"""

from django.db import transaction
from django.utils import timezone

from svtoolkit.accounts.selectors import member_users
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import hold_row
from svtoolkit.partnerships import contacts_csv
from svtoolkit.partnerships.entries import create_many_audited
from svtoolkit.partnerships.forms import check_rows, import_lookups
from svtoolkit.partnerships.models import (
    CONTACT_FIELDS,
    Contact,
    ContactImport,
    ContactImportStatus,
    already_a_contact,
    contact_key,
)
from svtoolkit.partnerships.selectors import active_organisations


@transaction.atomic
def create_contacts(*, partnership, contacts: list[dict], by, request=None) -> int:
    """Create every contact of an already checked import, each audited, or none of them."""
    entries = []
    for row in contacts:
        if row["organisation"].partnership_id != partnership.pk:
            raise DomainError(f"{row['organisation']} is not an organisation of {partnership}.")
    listed = _listed_now({row["organisation"] for row in contacts})
    for row in contacts:
        if contact_key(row["organisation"].pk, row["name"], row["email"]) in listed:
            raise DomainError(
                f"{already_a_contact(row['name'], row['organisation'])}: they were added after the file was "
                "checked. Nothing was imported: take their row out of the file and import it again."
            )
        details = {field: row[field] for field in CONTACT_FIELDS}
        details["owner"] = details["owner"] or by
        entries.append((details, {"organisation": row["organisation"]}))
    create_many_audited(Contact, partnership=partnership, entries=entries, by=by, request=request)
    return len(contacts)


def _listed_now(organisations) -> set[tuple]:
    """The ``contact_key`` of every active contact of ``organisations``, each organisation's row held until
    the transaction ends (in id order), as adding one contact holds it: a contact added meanwhile is seen,
    and one added while the import saves waits for it and is then refused as listed."""
    for organisation in sorted(organisations, key=lambda organisation: organisation.pk):
        hold_row(organisation)
    rows = Contact.objects.filter(organisation__in=organisations, is_active=True)
    return {contact_key(*row) for row in rows.values_list("organisation_id", "name", "email")}


def _set(import_id: int, **changes) -> None:
    """Save progress at once (outside any transaction): the import's page sees it while the work goes on."""
    ContactImport.objects.filter(pk=import_id).update(**changes)


def run(import_id: int) -> ContactImport:
    """Check and import a queued file: every row is checked (progress saved as it goes), then all the
    contacts are created in one transaction; a bad row anywhere, or a failure while saving, imports none."""
    job = ContactImport.objects.select_related("partnership", "uploaded_by").get(pk=import_id)
    # Claimed by a conditional update, so a task run twice (a retried worker) imports the file once.
    if not ContactImport.objects.filter(pk=job.pk, status=ContactImportStatus.QUEUED).update(
        status=ContactImportStatus.CHECKING
    ):
        return job
    partnership = job.partnership
    try:
        rows = contacts_csv.read_rows(job.content.encode("utf-8"))
        contacts, problems = check_rows(
            rows,
            **import_lookups(active_organisations(partnership), member_users(partnership)),
            progress=lambda checked: _set(job.pk, rows_checked=checked),
        )
        if problems:
            _set(
                job.pk,
                status=ContactImportStatus.REFUSED,
                rows_checked=len(rows),
                problems=[[line, messages] for line, messages in problems],
                content="",
                finished_at=timezone.now(),
            )
        else:
            _set(job.pk, status=ContactImportStatus.SAVING, rows_checked=len(rows))
            with transaction.atomic():
                imported = create_contacts(partnership=partnership, contacts=contacts, by=job.uploaded_by)
                _set(
                    job.pk,
                    status=ContactImportStatus.DONE,
                    imported=imported,
                    content="",
                    finished_at=timezone.now(),
                )
    except Exception as error:
        said = str(error) if isinstance(error, DomainError) else "The import stopped unexpectedly"
        _set(
            job.pk,
            status=ContactImportStatus.FAILED,
            problems=[[0, [said]]],
            content="",
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    return job
