"""The demo's eighteen months of past incidents: enough, and varied enough, for the figures to mean much."""

from datetime import timedelta

import pytest
from django.utils import timezone

from svtoolkit.accounts.models import User
from svtoolkit.incidents.models import Incident, Scene
from svtoolkit.partnerships.models import Partnership
from svtoolkit.reports import selectors
from svtoolkit.reports.boundaries import boundary_of
from svtoolkit.reports.demo import HISTORY_SIZE
from svtoolkit.reports.selectors import Filters

pytestmark = pytest.mark.xdist_group("seeded_demo")


@pytest.fixture
def seeded(seeded_demo):
    return Partnership.objects.get(slug="northbridge")


def test_the_history_covers_eighteen_months_of_varied_incidents_at_scenes_inside_the_wards(seeded):
    incidents = Incident.objects.filter(partnership=seeded, is_exercise=False)
    assert incidents.count() == 2 + HISTORY_SIZE  # besides the demo's two live incidents
    assert timezone.now() - incidents.order_by("occurred_at").first().occurred_at > timedelta(days=500)
    assert set(incidents.values_list("status", flat=True)) >= {"closed", "recovery", "responding"}
    assert len({tuple(types) for types in incidents.values_list("incident_types", flat=True)}) >= 5
    boundary = boundary_of(seeded)
    for scene in Scene.objects.filter(incident__partnership=seeded):
        ward = boundary.ward_at(float(scene.latitude), float(scene.longitude))
        assert ward is not None and ward.name == scene.area, scene.description


def test_the_demo_dashboard_has_figures_in_every_chart(seeded):
    coordinator = User.objects.get(email="coordinator@example.org")
    since = timezone.now() - timedelta(days=550)
    shown = selectors.dashboard(coordinator, seeded, Filters(since=since))
    assert sum(1 for row in shown["per_month"] if row.total) >= 15
    assert shown["open_total"] > 5
    assert shown["overdue_total"] > 0
    assert 50 < shown["on_time_overall"].percent_on_time < 90
    assert shown["on_time_overall"].late > 0 and shown["on_time_overall"].still_open > 0
    assert shown["response_times_overall"].hours_to_meeting > 0
    assert shown["response_times_overall"].hours_to_partners_informed > 0
    scores = [point.score for point in shown["readiness"]]
    assert len(scores) == 7 and scores[0] < scores[-1]
    police = User.objects.get(email="police@example.org")
    assert (
        0
        < selectors.dashboard(police, seeded, Filters(since=since))["incidents_total"]
        < shown["incidents_total"]
    )
