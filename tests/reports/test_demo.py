"""The demo's eighteen months of past incidents: enough, and varied enough, for the figures to mean much."""

from datetime import datetime, time, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from svtoolkit.accounts.models import User
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import (
    ActionStatus,
    Categorisation,
    Incident,
    Participation,
    PlanAction,
    Scene,
)
from svtoolkit.messaging.models import Notification
from svtoolkit.partnerships.models import Partnership
from svtoolkit.playbooks.demo import seed_demo_checklist
from svtoolkit.playbooks.models import CompletingEvent, ReadinessAssessment
from svtoolkit.regions import figures
from svtoolkit.reports import selectors
from svtoolkit.reports.boundaries import boundary_of
from svtoolkit.reports.demo import HISTORY_SIZE, KINDS, PLACES, seed_demo_history
from svtoolkit.reports.selectors import Filters

pytestmark = pytest.mark.xdist_group("seeded_demo")


@pytest.fixture
def seeded(seeded_demo):
    return Partnership.objects.get(slug="northbridge")


@pytest.fixture
def history(demo, demo_users):
    """Northbridge's checklist and its eighteen months of history, seeded in this test's transaction."""
    seed_demo_checklist(partnership=demo, users=demo_users)
    seed_demo_history(partnership=demo, users=demo_users)
    return demo


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


@pytest.mark.django_db
def test_seeding_again_after_the_first_history_incident_was_retitled_adds_nothing(history, demo_users):
    counts = Incident.objects.count(), ReadinessAssessment.objects.count()
    first = Incident.objects.get(title=KINDS[0][1].format(where=PLACES[0][0]))
    incident_services.edit_record(
        incident=first,
        by=demo_users["responder"],
        expected_revision=first.revision,
        title=first.title + ", two men hurt",
        incident_types=first.incident_types,
        occurred_at=first.occurred_at,
        notified_at=first.notified_at,
        summary=first.summary,
    )
    seed_demo_history(partnership=history, users=demo_users)
    assert (Incident.objects.count(), ReadinessAssessment.objects.count()) == counts
    assert tallies.differences() == []


@pytest.mark.django_db
def test_the_back_dated_history_alerts_no_one_yet_the_region_sees_it_categorised(history, demo_users):
    # Northbridge is in its region from the first stage: a categorisation published now would alert the
    # region's duty contacts about incidents up to eighteen months old.
    assert not Notification.objects.filter(kind="region_alert").exists()
    incidents = Incident.objects.filter(partnership=history)
    for incident in incidents:
        categorisation = incident.categorisations.get()
        assert categorisation.decided_by == demo_users["responder"]
        assert incident.notified_at < categorisation.decided_at < timezone.now() - timedelta(days=14)
        assert CompletingEvent.CATEGORISED in incident.recorded_events
        assert incident.timeline.filter(
            text__startswith="Categorised as ", at=categorisation.decided_at
        ).exists(), incident.title
    # The region's figures count the history's serious violence, as the region sees the partnership's.
    shown = figures.dashboard(history.region)
    since = timezone.make_aware(datetime.combine(shown["since"], time.min))
    serious = Categorisation.objects.filter(
        incident__in=incidents, incident__occurred_at__gte=since, serious_violence=True
    ).count()
    assert serious > 0
    assert [row.serious_violence for row in shown["by_borough"]] == [serious]
    assert tallies.differences() == []


@pytest.mark.django_db
def test_the_historys_dates_are_ones_the_services_could_produce(history):
    actions = PlanAction.objects.filter(incident__partnership=history)
    done, not_done = actions.filter(status=ActionStatus.DONE), actions.exclude(status=ActionStatus.DONE)
    partners = Participation.objects.filter(incident__partnership=history)
    found = {
        "not done, with a completion time": not_done.filter(completed_at__isnull=False).count(),
        "not done, with the record that completed it": not_done.exclude(completed_record="").count(),
        "done, with no completion time": done.filter(completed_at__isnull=True).count(),
        "done before the partnership was told": done.filter(
            completed_at__lt=F("incident__notified_at")
        ).count(),
        "done before the action was drawn": done.filter(completed_at__lt=F("created_at")).count(),
        "done after the incident closed": done.filter(completed_at__gt=F("incident__closed_at")).count(),
        "done in the future": done.filter(completed_at__gt=timezone.now()).count(),
        "partner told before it was added": partners.filter(informed_at__lt=F("added_at")).count(),
        "partner acknowledged before it was told": partners.filter(
            acknowledged_at__lt=F("informed_at")
        ).count(),
    }
    assert found == dict.fromkeys(found, 0)
    assert done.count() > not_done.count() > 0
    assert tallies.differences() == []
