import pytest

from svtoolkit.communications.models import Message
from svtoolkit.incidents.measures.selectors import measures_summary
from svtoolkit.incidents.models import Incident, PlanAction
from svtoolkit.meetings.models import Meeting
from svtoolkit.playbooks.models import PlaybookVersion, ReadinessAssessment
from svtoolkit.regions.demo import NEIGHBOURS
from svtoolkit.reports.demo import HISTORY_SIZE, READINESS_HISTORY
from svtoolkit.tension.models import TensionReading

pytestmark = pytest.mark.xdist_group("seeded_demo")


def test_demo_partnership_has_a_checklist_readiness_history_incidents_and_their_coordination(seeded_demo):
    # The reports' demo adds past incidents and earlier assessments (tests/reports/test_demo.py).
    neighbours = sum(len(incidents) for _, incidents in NEIGHBOURS)
    assert PlaybookVersion.objects.count() == 1
    assert ReadinessAssessment.objects.count() == 2 + len(READINESS_HISTORY)
    assert Incident.objects.count() == 3 + HISTORY_SIZE + neighbours
    assert PlanAction.objects.count() > 20
    assert Incident.objects.filter(is_exercise=True).count() == 1
    live = Incident.objects.filter(title__startswith="Stabbing", partnership__slug="northbridge").get()
    # A daily-then-weekly meeting series, two messages, two areas' readings.
    assert [model.objects.filter(incident=live).count() for model in (Meeting, Message, TensionReading)] == [
        5,
        2,
        20,
    ]
    # The police's rendezvous point and dispersal order are still in force; the inner cordon came down.
    assert [line.split(":")[0] for line in measures_summary(live).splitlines()] == [
        "Rendezvous point",
        "Dispersal order (section 35)",
    ]
