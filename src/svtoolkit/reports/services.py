"""What reports change: only the audit log, since an export takes the partnership's incident data out of
svtoolkit."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_action


def record_export(*, partnership, by, dataset: str, file_format: str, rows: int, request=None) -> None:
    record(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        partnership=partnership,
        detail={"what": f"{dataset} export", "format": file_format, "rows": rows},
        request=request,
    )


def set_boundary(*, partnership, by, boundary, file_name: str, request=None):
    """Keep the partnership's uploaded ward outlines, replacing any before; the map uses them from now on."""
    from svtoolkit.reports.models import WardBoundary

    saved, created = WardBoundary.objects.update_or_create(
        partnership=partnership,
        defaults={"geojson": boundary.geojson, "file_name": file_name[:200], "uploaded_by": by},
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
