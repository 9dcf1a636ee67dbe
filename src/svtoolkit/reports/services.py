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
    *, partnership, by, dataset: str, file_format: str, rows: int, rows_of: Mapping[int, int], request=None
) -> None:
    """An export is in the log of the partnership it was made in, and in the log of each other partnership
    whose incidents, shared with this one, are in it (``rows_of``: the rows of each partnership's incidents,
    by its id): the data is theirs, and they are told it left svtoolkit, by whom, from where, and how much."""
    what = {"what": f"{dataset} export", "format": file_format}
    record(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        partnership=partnership,
        detail={**what, "rows": rows},
        request=request,
    )
    theirs = {lead: count for lead, count in rows_of.items() if lead != partnership.pk and count}
    if not theirs:
        return
    leads = Partnership.objects.in_bulk(list(theirs))
    record_many(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        details=[
            (leads[lead], {**what, "rows": count, "from_partnership": partnership.name})
            for lead, count in sorted(theirs.items())
        ],
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
