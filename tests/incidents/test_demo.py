import pytest
from django.core.management import call_command

from svtoolkit.incidents.models import Incident, PlanAction, TimelineEntry
from svtoolkit.playbooks.models import PlaybookVersion, ReadinessAssessment

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (PlaybookVersion, ReadinessAssessment, Incident, PlanAction, TimelineEntry)
    ]


def test_demo_partnership_has_a_checklist_readiness_history_and_incidents(monkeypatch):
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "demo passphrase 2026")
    call_command("seed_demo")
    first = counts()
    assert first[0] == 1 and first[1] == 2 and first[2] == 3 and first[3] > 20
    assert Incident.objects.filter(is_exercise=True).count() == 1
    call_command("seed_demo")
    assert counts() == first
