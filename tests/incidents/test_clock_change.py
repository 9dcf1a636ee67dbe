"""An incident recorded in the hour the clocks go back (issue 15, defect 6), through the real form."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from svtoolkit.incidents.models import Incident

pytestmark = pytest.mark.django_db


def incident_typed(**changes):
    return {
        "title": "Stabbing outside the Crown",
        "incident_types": ["knife"],
        "occurred_at": "2026-10-25T01:30",
        "notified_at": "2026-10-25T01:50",
        "notification_source": "police",
        "summary": "One man injured.",
        "scene_description": "Outside the Crown",
        "scene_area": "Eastgate",
        **changes,
    }


def test_an_incident_in_the_repeated_hour_asks_which_then_saves_it(client_for, demo):
    client = client_for("responder")

    asked = client.post(reverse("incidents:record"), incident_typed())

    page = asked.content.decode()
    assert asked.status_code == 200 and not Incident.objects.exists()
    assert "so 1:30am happened twice" in page and 'name="occurred_at_clock"' in page
    assert 'value="Stabbing outside the Crown"' in page

    saved = client.post(
        reverse("incidents:record"), incident_typed(occurred_at_clock="second", notified_at_clock="second")
    )

    assert saved.status_code == 302
    incident = Incident.objects.get()
    assert incident.occurred_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert incident.notified_at == datetime(2026, 10, 25, 1, 50, tzinfo=UTC)


def test_an_incident_in_the_hour_that_never_happened_is_explained(client_for, demo):
    response = client_for("responder").post(
        reverse("incidents:record"),
        incident_typed(occurred_at="2026-03-29T01:30", notified_at="2026-03-29T02:10"),
    )

    page = response.content.decode()
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "so there was no 1:30am that night. Enter a time before 1am or from 2am." in page
    assert "interpreted" not in page
