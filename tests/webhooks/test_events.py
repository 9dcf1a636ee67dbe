"""What incidents announce to other systems, and what the announcements never carry."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from svtoolkit.incidents import escalation, services
from svtoolkit.incidents.models import PlanAction
from svtoolkit.webhooks import services as webhooks
from svtoolkit.webhooks.models import WebhookEvent
from tests.incidents.builders import demo_incident, demo_person

pytestmark = pytest.mark.django_db

SUMMARY_WORDS = "stabbed at the bus stop"


@pytest.fixture
def listening(demo, demo_users):
    endpoint, _ = webhooks.add_endpoint(
        partnership=demo,
        url="http://127.0.0.1:9/hook",
        description="",
        event_types=["incident.categorised", "action.escalated"],
        by=demo_users["coordinator"],
    )
    return endpoint


def test_categorising_an_incident_tells_the_endpoints_without_its_free_text(demo, demo_users, listening):
    incident, _ = demo_incident(demo, demo_users)
    demo_person(incident, demo_users["responder"], relation="", sharing_agreement="ISA 2025")
    services.categorise(
        incident=incident,
        by=demo_users["responder"],
        factors=["young_person"],
        other_factors="Rumoured retaliation on the estate",
        serious_violence=True,
        meeting_needed=True,
        cross_borough=False,
        rationale="A private rationale",
    )
    event = WebhookEvent.objects.get()
    assert event.event_type == "incident.categorised"
    data = event.payload
    assert data["incident"]["reference"] == incident.reference
    assert data["incident"]["types"] == ["knife"]
    assert data["incident"]["categories"] == ["critical_meeting", "serious_violence", "young_person"]
    assert data["incident"]["status"] == "assessing"
    assert data["incident"]["url"].endswith(f"/incidents/{incident.pk}/")
    assert data["categorisation"]["serious_violence"] is True
    sent = json.dumps(data)
    for private in ("J. S.", SUMMARY_WORDS, "A private rationale", "Rumoured retaliation", incident.title):
        assert private not in sent


def test_an_escalation_tells_the_endpoints_which_step_was_taken(demo, demo_users, listening):
    incident, action = demo_incident(demo, demo_users)
    PlanAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    escalation.escalate_overdue_actions()
    event = WebhookEvent.objects.get(event_type="action.escalated")
    assert event.payload["action"]["id"] == action.pk
    assert event.payload["action"]["escalated_to"] == "spoc"
    assert event.payload["incident"]["reference"] == incident.reference
    assert action.title not in json.dumps(event.payload)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        escalation.escalate_overdue_actions()
    assert WebhookEvent.objects.filter(event_type="action.escalated").count() == 2


def test_raising_and_acknowledging_an_alert_tell_the_endpoints_without_what_was_typed(demo, demo_users):
    from svtoolkit.alerts import services as alerts
    from tests.alerts.builders import raise_police_alert, rota

    webhooks.add_endpoint(
        partnership=demo,
        url="http://127.0.0.1:9/hook",
        description="",
        event_types=["alert.raised", "alert.acknowledged"],
        by=demo_users["coordinator"],
    )
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    alerts.acknowledge(alert=alert, by=demo_users["responder"])
    alerts.acknowledge(alert=alert, by=demo_users["coordinator"])  # a second acknowledgement: no new event
    raised, acknowledged = WebhookEvent.objects.order_by("id")
    assert (raised.event_type, acknowledged.event_type) == ("alert.raised", "alert.acknowledged")
    assert raised.payload["incident"]["reference"] == alert.incident.reference
    assert raised.payload["alert"]["acknowledged_at"] is None
    assert acknowledged.payload["alert"]["acknowledged_at"] is not None
    sent = json.dumps([raised.payload, acknowledged.payload])
    for typed in (alert.how_they_know, alert.callback_number, alert.incident.title, alert.incident.summary):
        assert typed not in sent
