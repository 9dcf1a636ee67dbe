"""CSV and XLSX exports of incidents and of their actions: the rows the dashboard counts for this person.

Rows are read in chunks straight into the file, each with the same fixed number of queries per chunk. Every
text cell a spreadsheet would run as a formula is written with a leading apostrophe, in both formats.
"""

from collections import Counter
from collections.abc import Iterator

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Categorisation, LeadAssignment, PlanAction, Scene
from svtoolkit.partnerships.tabular import FORMATS, write  # noqa: F401  (the views write through these)

CHUNK = 2000
DATASETS = {"incidents", "actions"}

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


def incident_rows(incidents, types: dict[str, str], *, now, rows_of: Counter) -> Iterator[list]:
    """A row for each incident; ``rows_of`` counts them by the partnership whose incident each is (a lead
    partnership is told of an export of its incidents shared with another)."""
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
        rows_of[incident.partnership_id] += 1
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


def action_rows(incidents, *, rows_of: Counter) -> Iterator[list]:
    """A row for each action of the incidents; ``rows_of`` counts them by their incident's partnership."""
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
            "incident__partnership",
            "owner_organisation__name",
        )
        .order_by("incident__occurred_at", "incident_id", "area_position", "due_at", "id")
    )
    for action in actions.iterator(chunk_size=CHUNK):
        rows_of[action.incident.partnership_id] += 1
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
