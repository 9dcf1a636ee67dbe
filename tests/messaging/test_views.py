"""The messages pages: a person's own messages, the coordinators' delivery log and 'send again', an incident's
messages, and how each person chooses to be reached."""

from datetime import time

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditEntry
from svtoolkit.messaging import delivery, selectors, services
from svtoolkit.messaging.models import Delivery, DeliveryStatus
from svtoolkit.messaging.services import Recipient
from tests.incidents.builders import demo_incident

pytestmark = pytest.mark.django_db


def _failed_notice(incident, address="nobody@example.org"):
    notification = services.send(
        kind="partner_notice",
        subject=f"{incident.reference}: asks for help",
        body="Please acknowledge",
        recipients=[Recipient(label="Police contact", email=address)],
        incident=incident,
    )
    notification.deliveries.update(
        status=DeliveryStatus.FAILED, attempts=10, last_error="550 No such mailbox"
    )
    return notification.deliveries.get()


def test_a_person_sees_the_messages_sent_to_them_and_no_one_elses(client_for, demo, demo_users):
    services.send(
        kind="test",
        subject="For the responder",
        body="Only yours",
        recipients=[services.recipient_for_user(demo_users["responder"])],
        partnership=demo,
    )
    services.send(
        kind="test",
        subject="For the viewer",
        body="Not yours",
        recipients=[services.recipient_for_user(demo_users["viewer"])],
    )
    page = client_for("responder").get(reverse("messaging:mine")).content.decode()
    assert "For the responder" in page and "Only yours" in page
    assert "For the viewer" not in page


def test_a_mobile_number_someone_types_as_theirs_does_not_show_them_another_persons_texts(
    client_for, demo, demo_users, settings
):
    """The number on "How we contact you" is whatever the person typed: the duty officer's alert text (and
    its acknowledgement link) stays theirs alone."""
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    duty_officer, viewer = demo_users["responder"], demo_users["viewer"]
    duty_officer.mobile_number = viewer.mobile_number = "07700900123"
    duty_officer.save(update_fields=["mobile_number"])
    viewer.save(update_fields=["mobile_number"])
    services.send(
        kind="alert",
        subject="ALERT NB-2026-0001",
        body="Acknowledge",
        sms_text="ALERT NB-2026-0001: acknowledge at https://svtoolkit.example/alerts/acknowledge/secret/",
        urgency="alert",
        recipients=[services.recipient_for_user(duty_officer)],
        partnership=demo,
    )
    assert Delivery.objects.filter(channel="sms", address="07700900123").exists()

    assert "acknowledge/secret" in client_for("responder").get(reverse("messaging:mine")).content.decode()
    page = client_for("viewer").get(reverse("messaging:mine")).content.decode()
    assert "ALERT NB-2026-0001" not in page and "acknowledge/secret" not in page


def test_the_failed_count_is_of_this_incident_s_failed_deliveries_alone(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    other, _ = demo_incident(demo, demo_users)
    _failed_notice(incident, "a@example.org")
    _failed_notice(incident, "b@example.org")
    _failed_notice(other, "c@example.org")
    sent = _failed_notice(incident, "d@example.org")
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)

    assert selectors.failed_count(incident.pk) == 2
    assert selectors.failed_count(other.pk) == 1


def test_coordinators_see_failures_on_the_incident_and_send_again(client_for, demo, demo_users, mailoutbox):
    incident, _ = demo_incident(demo, demo_users)
    failed = _failed_notice(incident)
    coordinator = client_for("coordinator")
    overview = coordinator.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "1 message about this incident could not be sent" in overview
    assert "See who was not reached and send again" in overview
    listing = coordinator.get(reverse("incidents:messages", args=[incident.pk])).content.decode()
    assert "550 No such mailbox" in listing and "Send again" in listing
    response = coordinator.post(
        reverse("messaging:resend", args=[failed.pk]),
        {"next": reverse("incidents:messages", args=[incident.pk])},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:messages", args=[incident.pk]
    )
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.QUEUED
    assert AuditEntry.objects.filter(target_type="messaging.Delivery", target_id=str(failed.pk)).exists()
    delivery.deliver_due()
    assert [m.to for m in mailoutbox] == [["nobody@example.org"]]


def test_a_responder_sees_the_failure_but_cannot_send_again(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    failed = _failed_notice(incident)
    responder = client_for("responder")
    overview = responder.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "See who was not reached</a>" in overview and "and send again" not in overview
    listing = responder.get(reverse("incidents:messages", args=[incident.pk])).content.decode()
    assert "550 No such mailbox" in listing and "Send again" not in listing
    assert responder.post(reverse("messaging:resend", args=[failed.pk])).status_code == 403
    assert Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.FAILED


def test_another_partnerships_message_cannot_be_sent_again(client_for, demo, other_partnership):
    partnership, _ = other_partnership
    notification = services.send(
        kind="t",
        subject="s",
        body="b",
        recipients=[Recipient(label="x", email="x@example.org")],
        partnership=partnership,
    )
    notification.deliveries.update(status=DeliveryStatus.FAILED)
    response = client_for("coordinator").post(
        reverse("messaging:resend", args=[notification.deliveries.get().pk])
    )
    assert response.status_code == 404
    assert notification.deliveries.get().status == DeliveryStatus.FAILED


def test_the_delivery_log_filters_by_status(client_for, demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    _failed_notice(incident, "failed@example.org")
    services.send(
        kind="t",
        subject="Still queued",
        body="b",
        recipients=[Recipient(label="q", email="q@example.org")],
        partnership=demo,
    )
    page = client_for("coordinator").get(reverse("messaging:log"), {"status": "failed"}).content.decode()
    assert "failed@example.org" in page and "q@example.org" not in page
    both = client_for("coordinator").get(reverse("messaging:log"), {"status": ["queued", "failed"]})
    content = both.content.decode()
    assert "failed@example.org" in content and "q@example.org" in content
    assert '<a class="moj-filter__tag" href="?status=failed">' in content
    assert '<a class="moj-filter__tag" href="?status=queued">' in content


def test_a_person_chooses_text_messages_and_quiet_hours(client_for, demo_users):
    response = client_for("police").post(
        reverse("accounts:contact_preferences"),
        {
            "mobile_number": "07700 900 321",
            "receive_sms": "on",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
    )
    assert response.status_code == 302
    police = demo_users["police"]
    police.refresh_from_db()
    assert (police.mobile_number, police.receive_email, police.receive_sms) == ("07700900321", False, True)
    assert (police.quiet_from, police.quiet_until) == (time(22, 0), time(7, 0))


@pytest.mark.parametrize(
    "posted, field, message",
    [
        ({"mobile_number": "12345", "receive_email": "on"}, "mobile_number", "Enter a UK mobile number"),
        # Arabic-Indic digits are digits to ``\d``, but not a number GOV.UK Notify can text.
        (
            {"mobile_number": "07٧٠٠٩٠٠١٢٣", "receive_email": "on"},
            "mobile_number",
            "Enter a UK mobile number",
        ),
        ({"receive_sms": "on"}, "mobile_number", "Enter a mobile number to be sent text messages"),
        ({}, "receive_email", "Choose at least one way to be reached"),
        ({"receive_email": "on", "quiet_from": "22:00"}, "quiet_until", "Enter both the start and the end"),
        (
            {"receive_email": "on", "quiet_from": "10pm", "quiet_until": "07:00"},
            "quiet_from",
            "Enter a valid time",
        ),
        (
            {"receive_email": "on", "quiet_from": "22:00", "quiet_until": "22:00"},
            "quiet_until",
            "The end of your quiet hours must be different from the start",
        ),
    ],
)
def test_contact_preferences_explain_bad_input_and_change_nothing(
    client_for, demo_users, posted, field, message
):
    police = demo_users["police"]
    before = (police.mobile_number, police.receive_email, police.receive_sms, police.quiet_from)
    response = client_for("police").post(reverse("accounts:contact_preferences"), posted)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "govuk-error-summary" in response.content.decode()
    police.refresh_from_db()
    # The demo account's own mobile number (07700 900013) and choices are as they were.
    assert (police.mobile_number, police.receive_email, police.receive_sms, police.quiet_from) == before


@pytest.mark.parametrize("since_it_failed", ["account switched off", "message withdrawn"])
def test_the_log_says_why_a_failed_message_cannot_be_sent_again_whatever_the_reason(
    client_for, demo, demo_users, since_it_failed
):
    """The defect: the log hid Send again for a failed delivery whose message was withdrawn since (its alert
    acknowledged), or whose recipient's account was switched off, but said why only for a delivery withdrawn
    from its recipient alone: the coordinator saw a red Failed tag, no button and no reason."""
    import html
    import re

    from svtoolkit.accounts.models import User

    notification = services.send(
        kind="partner_notice",
        subject="Please acknowledge the incident",
        body="Please acknowledge",
        recipients=[services.recipient_for_user(demo_users["police"])],
        partnership=demo,
    )
    notification.deliveries.update(
        status=DeliveryStatus.FAILED, attempts=10, last_error="550 No such mailbox"
    )
    failed = Delivery.objects.select_related("recipient").get(notification=notification, channel="email")
    if since_it_failed == "account switched off":
        User.objects.filter(pk=failed.recipient_id).update(is_active=False)
        reason = f"{failed.recipient}'s account is switched off"
    else:
        services.withdraw(notification_ids=[notification.pk], because="the alert was acknowledged")
        reason = "the alert was acknowledged"
    page = html.unescape(client_for("coordinator").get(reverse("messaging:log")).content.decode())
    assert reverse("messaging:resend", args=[failed.pk]) not in page
    not_sent_again = re.search(r">Not sent again</dt>\s*<dd[^>]*>([^<]*)</dd>", page)
    assert not_sent_again and reason in not_sent_again.group(1)


def test_messages_sent_to_someone_as_a_directory_contact_are_theirs_whatever_the_capitals(
    client_for, demo, demo_users
):
    """The defect: "Your messages" matched a contact's address to the person's email exactly, but a person's
    email is kept in small letters while a directory contact's is kept as typed: the police officer listed as
    "Police@Example.org" was sent a partner's notice there, and their page said "No messages yet"."""
    from tests.factories import ContactFactory

    police = demo_users["police"]
    contact = ContactFactory(
        organisation=demo.organisations.get(kind="police"), name=police.full_name, email="Police@Example.org"
    )
    assert contact.email != police.email and contact.email.lower() == police.email
    services.send(
        kind="partner_notice",
        subject="NB-2026-0001: Northbridge asks for help",
        body="Please acknowledge",
        recipients=[services.recipient_for_contact(contact)],
        partnership=demo,
    )
    assert "Northbridge asks for help" in client_for("police").get(reverse("messaging:mine")).content.decode()
