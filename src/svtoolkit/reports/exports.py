"""CSV and XLSX exports of incidents and of their actions: the rows the dashboard counts for this person.

Rows are read in chunks straight into the file, each with the same fixed number of queries per chunk. Every
text cell a spreadsheet would run as a formula is written with a leading apostrophe, in both formats.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from svtoolkit.core import downloads
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Categorisation, LeadAssignment, PlanAction, Scene
from svtoolkit.partnerships.contacts_csv import neutralise_formula

CHUNK = 2000
DATASETS = {"incidents", "actions"}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

INCIDENT_COLUMNS = [
    "Reference",
    "Title",
    "Types",
    "Status",
    "Occurred",
    "Notified",
    "Notified by",
    "Areas",
    "Serious violence",
    "Lead organisation",
    "Open actions",
    "Overdue actions",
]
ACTION_COLUMNS = [
    "Incident",
    "Incident title",
    "Area of the plan",
    "Action",
    "Essential",
    "Owner organisation",
    "Status",
    "Due",
    "Completed",
]


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return neutralise_formula(str(value))


def incident_rows(incidents, types: dict[str, str], *, now) -> Iterator[list]:
    latest = Categorisation.objects.filter(incident=OuterRef("pk")).order_by("-decided_at", "-id")
    lead = LeadAssignment.objects.filter(incident=OuterRef("pk")).order_by("-starts_at", "-id")
    open_actions = Q(actions__status__in=OPEN_ACTION_STATUSES)
    rows = (
        incidents.annotate(
            serious_violence=Subquery(latest.values("serious_violence")[:1]),
            lead_organisation=Subquery(lead.values("organisation__name")[:1]),
            open_actions=Count("actions", filter=open_actions, distinct=True),
            overdue_actions=Count("actions", filter=open_actions & Q(actions__due_at__lt=now), distinct=True),
        )
        .prefetch_related(Prefetch("scenes", queryset=Scene.objects.only("incident_id", "area")))
        .order_by("occurred_at", "id")
    )
    for incident in rows.iterator(chunk_size=CHUNK):
        yield [
            incident.reference,
            incident.title,
            ", ".join(types.get(code, code) for code in incident.incident_types),
            incident.get_status_display(),
            incident.occurred_at,
            incident.notified_at,
            incident.get_notification_source_display(),
            ", ".join(sorted({scene.area for scene in incident.scenes.all() if scene.area})),
            "" if incident.serious_violence is None else incident.serious_violence,
            incident.lead_organisation or "",
            incident.open_actions,
            incident.overdue_actions,
        ]


def action_rows(incidents) -> Iterator[list]:
    actions = (
        PlanAction.objects.filter(incident__in=incidents)
        .select_related("incident", "owner_organisation")
        .only(
            "area_title",
            "title",
            "essential",
            "status",
            "due_at",
            "completed_at",
            "incident__reference",
            "incident__title",
            "owner_organisation__name",
        )
        .order_by("incident__occurred_at", "incident_id", "area_position", "due_at", "id")
    )
    for action in actions.iterator(chunk_size=CHUNK):
        yield [
            action.incident.reference,
            action.incident.title,
            action.area_title,
            action.title,
            action.essential,
            action.owner_organisation.name if action.owner_organisation else "",
            action.get_status_display(),
            action.due_at,
            action.completed_at,
        ]


def write(
    file_format: str, columns: list[str], rows: Iterable[list], *, title: str, marking: str
) -> tuple[bytes, int]:
    """The file's bytes, marked inside (see core.downloads), and the number of data rows written."""
    if file_format == "csv":
        return downloads.csv_bytes(
            columns, ([_csv_value(_cell(value)) for value in row] for row in rows), marking=marking
        )
    return downloads.xlsx_bytes(
        columns, ([_cell(value) for value in row] for row in rows), title=title, marking=marking
    )


def _csv_value(value):
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value
