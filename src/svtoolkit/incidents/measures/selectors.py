"""Reading the police measures at an incident's scenes and what state each is in."""

from datetime import datetime, timedelta

from django.db.models import (
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit.incidents.models import (
    SceneMeasure,
)
from svtoolkit.incidents.selectors import current_measures, measure_status

DUE_SOON = timedelta(hours=24)


def measures_summary(incident, *, now: datetime | None = None) -> str:
    """One line of plain text per measure still current, for an alert update by text message or email
    ("" when there is none). It holds no coordinates, so it may go to anyone who sees the incident."""
    now = now or timezone.now()
    lines = []
    for measure in current_measures(incident, now=now):
        line = f"{measure.get_kind_display()}: {measure.description}"
        if measure.area:
            line += f" ({measure.area})"
        line += f". {measure_status(measure, now=now)}"
        if measure.authorised_by:
            line += f"; authorised by {measure.authorised_by}"
        lines.append(line + ".")
    return "\n".join(lines)


def measures_of(incident) -> QuerySet[SceneMeasure]:
    """Every measure at the incident's scenes, lifted and ended ones too, scene by scene, earliest first."""
    return (
        SceneMeasure.objects.filter(scene__incident=incident)
        .select_related("added_by")
        .order_by("scene_id", "starts_at", "id")
    )


def measures_in(incident) -> QuerySet[SceneMeasure]:
    """The measures at the incident's scenes, with their scene (for ``access.get_for``)."""
    return SceneMeasure.objects.select_related("scene__incident").filter(scene__incident=incident)


def measure_in(incident, measure_id) -> SceneMeasure:
    return get_object_or_404(measures_in(incident), pk=measure_id)
