"""The demo region's neighbours: their incidents as the incidents services would have left them, so the
regional board and figures show them as they would show any borough's."""

import pytest
from django.db.models import F
from django.utils import timezone

from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Incident,
    IncidentStatus,
    Participation,
    PlanAction,
)
from svtoolkit.partnerships.models import Partnership
from svtoolkit.regions import figures
from svtoolkit.regions.demo import seed_demo_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbours(demo, demo_users):
    seed_demo_region(partnership=demo, users=demo_users)
    return Partnership.objects.exclude(pk=demo.pk)


def test_the_regions_figures_count_every_done_action_of_the_neighbours(demo, neighbours):
    now = timezone.now()
    progress = {row.name: row for row in figures.dashboard(demo.region, now=now)["progress"]}
    for neighbour in neighbours:
        due = PlanAction.objects.filter(incident__partnership=neighbour, due_at__lt=now)
        done = due.filter(status=ActionStatus.DONE).count()
        row = progress[neighbour.name]
        assert done > 0
        assert (row.on_time + row.late, row.still_open) == (
            done,
            due.filter(status__in=OPEN_ACTION_STATUSES).count(),
        ), neighbour.name
    assert tallies.differences() == []


def test_the_neighbours_incidents_are_in_states_the_services_produce(neighbours):
    actions = PlanAction.objects.filter(incident__partnership__in=neighbours)
    done = actions.filter(status=ActionStatus.DONE)
    assert not done.filter(completed_at__isnull=True).exists()
    assert not actions.exclude(status=ActionStatus.DONE).filter(completed_at__isnull=False).exists()
    assert not done.filter(completed_at__lt=F("created_at")).exists()
    assert not done.filter(completed_at__lt=F("incident__notified_at")).exists()
    assert not done.filter(completed_at__gt=timezone.now()).exists()
    # close() refuses an incident with actions still open: the rest were set aside first, with a reason.
    closed = actions.filter(incident__status=IncidentStatus.CLOSED)
    assert closed.exists() and not closed.filter(status__in=OPEN_ACTION_STATUSES).exists()
    assert not closed.filter(status=ActionStatus.NOT_NEEDED, not_needed_reason="").exists()
    assert not done.filter(incident__closed_at__lt=F("completed_at")).exists()
    assert not Participation.objects.filter(
        incident__partnership__in=neighbours, informed_at__lt=F("added_at")
    ).exists()
    for incident in Incident.objects.filter(partnership__in=neighbours):
        timeline = list(incident.timeline.order_by("at", "id").values_list("at", "text"))
        assert timeline[0] == (incident.notified_at, f"Incident recorded: {incident.title}."), incident.title
        if incident.status == IncidentStatus.CLOSED:
            assert timeline[-1] == (incident.closed_at, "The incident was closed."), incident.title
