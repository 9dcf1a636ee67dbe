"""What reports change: the audit log, as an export takes the partnership's incident data out of svtoolkit,
and the partnership's ward outlines, which the map draws."""

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_action, record_many
from svtoolkit.core.errors import EditConflict
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.partnerships.models import Partnership

BOUNDARY_CONFLICT = "Someone else uploaded ward outlines while you were choosing your file."


def record_export(
    *,
    partnership,
    by,
    what: str,
    file_format: str,
    rows_of: Mapping[int, int | None],
    rows: int | None = None,
    incident=None,
    request=None,
) -> None:
    """A download of incident data is in the log of the partnership it was made in, and in the log of each
    other partnership whose incidents, shared with this one, are in it (``rows_of``: by its id, the rows of
    its incidents, or None for a document of one incident): the data is theirs, and they are told it left
    svtoolkit, by whom, from where, what and how much. ``rows`` is the file's rows in all, ``incident`` the
    one incident a document (a situation report, a meeting pack) is of; each entry names it."""
    detail = {"what": what, "format": file_format}
    record(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        partnership=partnership,
        target=incident,
        detail=_with_rows(detail, rows),
        request=request,
    )
    theirs = {lead: count for lead, count in rows_of.items() if lead != partnership.pk and count != 0}
    if not theirs:
        return
    leads = Partnership.objects.in_bulk(list(theirs))
    record_many(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        details=[
            (leads[lead], {**_with_rows(detail, count), "from_partnership": partnership.name})
            for lead, count in sorted(theirs.items())
        ],
        target=incident,
        request=request,
    )


def _with_rows(detail: dict, rows: int | None) -> dict:
    return detail if rows is None else {**detail, "rows": rows}


def record_document(*, incident, partnership, by, what: str, request=None) -> None:
    """A PDF of one incident (a situation report without the records of people affected, a meeting pack)
    downloaded: an export of the incident's details, in the lead partnership's log too when made in a
    partnership the incident is shared with."""
    record_export(
        partnership=partnership,
        by=by,
        what=what,
        file_format="pdf",
        rows_of={incident.partnership_id: None},
        incident=incident,
        request=request,
    )


@transaction.atomic
def set_boundary(*, partnership, by, boundary, file_name: str, expected_revision: int | None, request=None):
    """Keep the partnership's uploaded ward outlines; the map uses them from now on. They replace the
    outlines uploaded before only if those are the ones the person was shown (``expected_revision``, None
    when they were shown none): of two coordinators uploading at once, the second is told, not overwriting
    the first's unseen."""
    from svtoolkit.reports.models import WardBoundary

    # Set here, not left to auto_now, which a compare-and-set update skips: the map reads the outlines
    # again when their upload time changes.
    fields = {
        "geojson": boundary.geojson,
        "file_name": file_name[:200],
        "uploaded_by": by,
        "uploaded_at": timezone.now(),
    }
    saved = WardBoundary.objects.filter(partnership=partnership).first()
    created = saved is None
    if created:
        try:
            with transaction.atomic():
                saved = WardBoundary.objects.create(partnership=partnership, **fields)
        except IntegrityError:
            raise EditConflict(BOUNDARY_CONFLICT) from None
    else:
        update_if_unchanged(
            saved, expected_revision=expected_revision, conflict_message=BOUNDARY_CONFLICT, **fields
        )
    record_action(
        AuditAction.CREATE if created else AuditAction.UPDATE,
        by=by,
        partnership=partnership,
        target=saved,
        request=request,
        wards=[ward.name for ward in boundary.wards],
        file=saved.file_name,
    )
    return saved
