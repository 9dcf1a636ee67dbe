"""The messages pages on a 320 px phone: the outbox a person reads, the coordinators' log with a failed
message sent again, the incident's messages, and choosing how to be reached; axe finds nothing on any."""

from playwright.sync_api import expect

from svtoolkit.messaging import services
from svtoolkit.messaging.models import Delivery, DeliveryStatus
from svtoolkit.messaging.services import Recipient
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import sign_in_as
from tests.incidents.builders import demo_incident


def test_a_coordinator_reads_messages_and_sends_a_failed_one_again_on_a_phone(
    page, demo, demo_users, transactional_db
):
    incident, _ = demo_incident(demo, demo_users)
    notice = services.send(
        kind="partner_notice",
        subject=f"{incident.reference}: Northbridge asks for help",
        body="Please acknowledge.",
        recipients=[Recipient(label="Sergeant Lewis Grant (Police)", email="nobody@police.example.org")],
        incident=incident,
    )
    Delivery.objects.filter(notification=notice).update(
        status=DeliveryStatus.FAILED, attempts=10, last_error="Gave up after 10 tries: 550 No such mailbox"
    )
    services.send(
        kind="test",
        subject="A reminder for you",
        body="Your action is due at 18:00.",
        recipients=[services.recipient_for_user(demo_users["coordinator"])],
        partnership=demo,
    )
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in_as(page, "coordinator")

    page.goto("/messages/")
    expect(page.get_by_role("heading", name="A reminder for you")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)

    page.goto(f"/incidents/{incident.pk}/")
    page.get_by_role("link", name="See who was not reached").click()
    expect(page.get_by_text("550 No such mailbox")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("is queued again")).to_be_visible()
    assert Delivery.objects.get(notification=notice).status in {DeliveryStatus.QUEUED, DeliveryStatus.SENT}

    page.goto("/messages/log/")
    assert_fits(page)
    assert_accessible(page)

    page.goto("/account/contact/")
    page.get_by_label("Mobile number").fill("")
    page.get_by_label("Text me").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Enter a mobile number to be sent text messages")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)
    page.get_by_label("Mobile number").fill("07700 900 321")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("How we contact you is saved.")).to_be_visible()
