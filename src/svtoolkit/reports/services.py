"""What reports change: only the audit log, since an export takes the partnership's incident data out of
svtoolkit."""

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record


def record_export(*, partnership, by, dataset: str, file_format: str, rows: int, request=None) -> None:
    record(
        action=AuditAction.VIEW_SENSITIVE,
        actor=by,
        partnership=partnership,
        detail={"what": f"{dataset} export", "format": file_format, "rows": rows},
        request=request,
    )
