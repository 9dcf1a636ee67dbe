import pytest
from django.core.management import call_command

from svtoolkit.communications.models import Message
from svtoolkit.incidents.models import Incident, PlanAction, TimelineEntry
from svtoolkit.meetings.models import Meeting
from svtoolkit.playbooks.models import PlaybookVersion, ReadinessAssessment
from svtoolkit.tension.models import TensionReading

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (
            PlaybookVersion,
            ReadinessAssessment,
            Incident,
            PlanAction,
            TimelineEntry,
            Meeting,
            Message,
            TensionReading,
        )
    ]


def test_demo_partnership_has_a_checklist_readiness_history_incidents_and_their_coordination(monkeypatch):
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "demo passphrase 2026")
    call_command("seed_demo")
    first = counts()
    assert first[0] == 1 and first[1] == 2 and first[2] == 3 and first[3] > 20
    assert Incident.objects.filter(is_exercise=True).count() == 1
    assert first[5:] == [5, 2, 20]  # a daily-then-weekly meeting series, two messages, two areas' readings
    call_command("seed_demo")
    assert counts() == first
