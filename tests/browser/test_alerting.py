"""The first minutes of an incident, through the real pages: a police officer raises an alert from a phone,
the duty officer does not answer, the alert goes up the rota to the deputy, who acknowledges it from the link
in the message, takes the lead and categorises; the launch protocol tells the partners the category calls
for."""

import re
from datetime import timedelta

import time_machine
from django.core import mail
from playwright.sync_api import expect

from svtoolkit.alerts import services
from svtoolkit.alerts.models import Alert, AlertRecipient
from svtoolkit.messaging.models import Delivery
from tests.alerts.builders import rota
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import CategorisePage, signed_in

PHONE = {"width": 390, "height": 844}


def link_in_message_to(email):
    message = next(m for m in reversed(mail.outbox) if m.to == [email] and "ALERT" in m.subject)
    return re.search(r"https?://\S+/alerts/acknowledge/\S+/", message.body).group(0)


def test_an_alert_from_a_phone_escalates_to_the_deputy_who_acknowledges_and_launches_the_response(
    new_page, demo, demo_users, transactional_db, settings, live_server
):
    settings.SITE_URL = live_server.url
    rota(demo, demo_users)  # the responder is duty officer, the coordinator deputy

    police = signed_in(new_page, "police", viewport=PHONE)
    police.get_by_role("button", name="Raise an incident alert").click()
    expect(police.get_by_role("heading", name="Raise an incident alert")).to_be_visible()
    assert_accessible(police)
    assert_fits(police)
    police.get_by_label("What happened").fill("Stabbing outside Northbridge Academy")
    police.get_by_label("Where").fill("Station Road bus stop")
    police.get_by_label("How do you know?").fill("Called by the control room.")
    police.get_by_label("Number to call you back on").fill("07700 900013")
    police.get_by_role("button", name="Raise the alert").click()
    expect(police.locator(".govuk-notification-banner")).to_contain_text("1 person alerted")
    expect(police.locator("#alert")).to_contain_text("Not acknowledged yet")
    assert_accessible(police)
    # The incident page's action tables are wider than a small phone already; the alert panel is not.
    assert_fits(police, within="#alert")

    # The duty officer gets it at once, by text message and email; they do not answer.
    alert = Alert.objects.get()
    assert set(
        Delivery.objects.filter(recipient=demo_users["responder"]).values_list("channel", "status")
    ) == {("email", "sent"), ("sms", "delivered")}
    # The region's duty contact hears of it too (the regional alerting, tests/regions).
    assert [m.to for m in mail.outbox if m.to != ["region@example.org"]] == [["responder@example.org"]]
    duty_officer = signed_in(new_page, "responder")
    duty_officer.goto("/messages/")
    expect(duty_officer.locator("body")).to_contain_text(f"ALERT {alert.incident.reference}")
    duty_officer.goto("/")
    expect(duty_officer.locator(".govuk-notification-banner")).to_contain_text("Alerts waiting for you")

    with time_machine.travel(alert.raised_at + timedelta(minutes=9), tick=False):
        assert services.escalate_alerts() == 0
    with time_machine.travel(alert.raised_at + timedelta(minutes=10, seconds=5), tick=False):
        assert services.escalate_alerts() == 1
    deputy = AlertRecipient.objects.get(alert=alert, user=demo_users["coordinator"])
    assert deputy.reason == "Deputy duty officer"
    assert link_in_message_to("coordinator@example.org").endswith("/")

    # The deputy taps the link in the text message on their phone (the outbox shows it as it was sent): one
    # button acknowledges.
    phone = signed_in(new_page, "coordinator", viewport=PHONE)
    phone.goto("/messages/")
    phone.locator('a[href*="/alerts/acknowledge/"]').first.click()
    expect(phone.get_by_role("heading", name=f"Alert {alert.incident.reference}")).to_be_visible()
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_role("button", name="Acknowledge the alert").click()
    expect(phone.locator(".govuk-panel")).to_contain_text("Acknowledged")
    assert_accessible(phone)
    assert_fits(phone)
    with time_machine.travel(alert.raised_at + timedelta(minutes=30), tick=False):
        assert services.escalate_alerts() == 0, "escalation stopped: no one else is alerted"
    assert AlertRecipient.objects.filter(alert=alert).count() == 2

    # The deputy takes the lead there and is asked to categorise.
    phone.get_by_role("button", name="I will lead the response").click()
    expect(phone.get_by_role("heading", name="Categorise the incident")).to_be_visible()
    CategorisePage(phone).decide(
        factors=["A child or young person involved"],
        serious_violence=True,
        meeting=False,
        why="A young man stabbed outside a school at home time.",
    )

    # The launch protocol has asked the partners the category calls for, and told them.
    expect(phone.locator("#partners")).to_be_visible()
    informed = {
        p.organisation.name
        for p in alert.incident.participations.select_related("organisation").filter(
            informed_at__isnull=False
        )
    }
    assert informed == {
        "Metropolitan Police, Northbridge Basic Command Unit",
        "Northbridge University Hospital",
        "Northbridge Youth Trust",
        "Northbridge Education and Schools",
        "Northbridge Children's Social Care",
    }
    expect(phone.locator("#alert")).to_contain_text("Chris Okafor took the lead")
    assert_accessible(phone)
    assert_fits(phone, within="#alert")

    # Every member sees who is on duty now and next.
    phone.goto("/rota/")
    expect(phone.get_by_role("heading", name="On duty now and next")).to_be_visible()
    assert_accessible(phone)
    assert_fits(phone)
