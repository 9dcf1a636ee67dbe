"""Demo communications for the open stabbing incident: a plan, one statement out, one awaiting sign-off."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.communications import services
from svtoolkit.communications.models import CommunicationsPlan
from svtoolkit.incidents.models import Incident


def seed_demo_communications(*, partnership, users) -> None:
    incident = Incident.objects.filter(partnership=partnership, title__startswith="Stabbing").first()
    if incident is None or CommunicationsPlan.objects.filter(incident=incident).exists():
        return
    council = partnership.organisations.get(kind="council")
    police = partnership.organisations.get(kind="police")
    responder = users["responder"]
    services.set_plan(
        incident=incident,
        by=responder,
        lead_organisation=council,
        main_channel="Council website and social-media accounts",
        update_every_days=7,
        updates_owner=responder,
    )
    holding = services.draft_message(
        incident=incident,
        by=responder,
        kind="holding",
        title="Holding statement: incident near Northbridge Academy",
        body=(
            "We are aware of an incident near Northbridge Academy this afternoon. Partners are working "
            "together and the school will be open tomorrow. Please do not share footage or speculate online."
        ),
        audience="Public",
        channel="Council website",
        planned_for=timezone.now() - timedelta(hours=20),
        names_or_images=False,
        approvers=[police],
    )
    services.submit_for_sign_off(message=holding, by=responder)
    services.sign_off(sign_off=holding.sign_offs.get(), by=users["police"], comment="Agreed with the SIO")
    holding.refresh_from_db()
    services.publish(message=holding, by=responder)
    press = services.draft_message(
        incident=incident,
        by=responder,
        kind="press",
        title="Press statement: support for the school community",
        body="Extra patrols and youth workers will be near the school at home time this week.",
        audience="Press",
        channel="Press office",
        planned_for=timezone.now() + timedelta(hours=3),
        names_or_images=False,
        approvers=[police, council],
    )
    services.submit_for_sign_off(message=press, by=responder)
    services.add_monitoring_note(
        incident=incident,
        by=users["police"],
        source="Local community social-media group",
        summary="Posts claim the attack was revenge for an earlier incident on the Eastgate estate.",
        is_rumour=True,
        response="Police and council statement says enquiries are at an early stage; no link is established.",
    )
