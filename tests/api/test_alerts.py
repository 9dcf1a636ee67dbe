"""Raising an incident alert through the API (a police system pushing alerts): as on the web."""

import pytest
from rest_framework.test import APIClient

from svtoolkit.accounts import services as account_services
from svtoolkit.alerts.models import Alert
from svtoolkit.api import services as api_services
from svtoolkit.incidents.models import Incident
from svtoolkit.messaging.models import Delivery
from tests.alerts.builders import rota
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/alerts/"
ALERT = {
    "what": "Shots fired on the Eastfield estate",
    "where": "Car park behind Eastfield shops",
    "how_they_know": "Reported to the control room by a resident.",
    "callback_number": "020 7946 0299",
    "incident_types": ["firearm"],
    "latitude": "51.56000",
    "longitude": "-0.08000",
}


def test_the_police_partner_raises_an_alert_and_the_duty_officer_is_alerted(api_as, demo, demo_users):
    rota(demo, demo_users)
    response = api_as("police").post(ALERTS, ALERT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["incident"]["status"] == "alerted"
    assert body["incident"]["notification_source"] == "police"
    assert body["alerted"][0]["name"] == "Rosa Delgado" and body["alerted"][0]["reason"] == "Duty officer"
    incident = Incident.objects.get(pk=body["incident"]["id"])
    assert incident.incident_types == ["firearm"]
    assert (float(incident.scenes.get().latitude), float(incident.scenes.get().longitude)) == (51.56, -0.08)
    assert set(
        Delivery.objects.filter(recipient=demo_users["responder"]).values_list("channel", flat=True)
    ) == {
        "email",
        "sms",
    }
    # The police partner sees the incident its alert started.
    assert api_as("police").get(f"/api/v1/incidents/{incident.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["responder", "health", "viewer"])
def test_those_whose_organisation_may_not_report_are_refused(api_as, demo, role):
    assert api_as(role).post(ALERTS, ALERT, format="json").status_code == 403
    assert not Alert.objects.exists()


def test_no_token_no_alert(api_as, demo):
    assert api_as("anonymous").post(ALERTS, ALERT, format="json").status_code == 401


@pytest.mark.parametrize(
    "change, field",
    [
        ({"what": ""}, "what"),
        ({"callback_number": "call me"}, "callback_number"),
        ({"incident_types": ["dragon"]}, "incident_types"),
        ({"occurred_at": "2099-12-31T23:00:00Z"}, "occurred_at"),
        ({"latitude": None}, "latitude"),
    ],
)
def test_bad_input_is_refused_with_the_field_it_concerns_and_changes_nothing(api_as, demo, change, field):
    response = api_as("police").post(ALERTS, {**ALERT, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_an_alert_sent_again_with_its_key_is_answered_with_the_first_and_alerts_no_one_again(
    api_as, demo, demo_users
):
    """The police system's request timed out after the alert was raised; it sends the same again."""
    rota(demo, demo_users)
    client = api_as("police")
    first = client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-2026-11-30-0042"})
    again = client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-2026-11-30-0042"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Alert.objects.count() == 1
    assert Delivery.objects.filter(recipient=demo_users["responder"]).count() == 2  # one text, one email

    another = client.post(
        ALERTS,
        {**ALERT, "what": "Second shooting"},
        format="json",
        headers={"Idempotency-Key": "cad-2026-11-30-0042"},
    )
    assert another.status_code == 400
    assert "sent before with another alert" in another.json()["Idempotency-Key"][0]
    assert (
        client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-0043"}).status_code == 201
    )
    assert Alert.objects.count() == 2


def test_one_key_sent_to_two_partnerships_raises_an_alert_in_each(
    api_as, demo, demo_users, other_partnership
):
    """The defect: a police system holding a token for each of two boroughs sent an incident on the border
    to both with its own reference as the key; the second borough's request was answered as a replay of the
    first's alert, and no one in the second borough heard of it."""
    southmoor, southmoor_coordinator = other_partnership
    police = demo_users["police"]
    force = OrganisationFactory(partnership=southmoor, kind="police", may_report_incidents=True)
    MembershipFactory(user=police, partnership=southmoor, organisation=force, role="partner")
    _, southmoor_secret = api_services.create_token(user=police, partnership=southmoor, name="CAD feed")
    southmoor_client = APIClient()
    southmoor_client.credentials(HTTP_AUTHORIZATION=f"Bearer {southmoor_secret}")

    north = api_as("police").post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-0042"})
    south = southmoor_client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-0042"})

    assert (north.status_code, south.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in south
    assert Alert.objects.filter(partnership=southmoor).count() == 1
    assert Delivery.objects.filter(recipient=southmoor_coordinator.user).exists()
    again = southmoor_client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "cad-0042"})
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["incident"]["id"] == south.json()["incident"]["id"]


def test_an_alert_sent_again_after_its_sender_moved_organisation_is_answered_without_the_incident(
    api_as, demo, demo_users
):
    """The police officer moved to an organisation not taking part in the incident their alert started,
    before their system sent the alert again: it was raised, and they may no longer see the incident."""
    rota(demo, demo_users)
    client = api_as("police")
    first = client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201
    transport = demo.organisations.create(name="Transport Police", kind="police", may_report_incidents=True)
    membership = demo_users["police"].memberships.get(partnership=demo)
    account_services.change_membership(
        membership=membership,
        role=membership.role,
        organisation=transport,
        expected_revision=membership.revision,
        by=demo_users["coordinator"],
    )
    again = client.post(ALERTS, ALERT, format="json", headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == {"incident": None, "alerted": first.json()["alerted"]}
    assert Alert.objects.count() == 1
    assert Delivery.objects.filter(recipient=demo_users["responder"]).count() == 2  # alerted once
