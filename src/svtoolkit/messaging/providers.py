"""The ways a delivery leaves svtoolkit: SMTP (Django's email backend), GOV.UK Notify, or the outbox page.

Each send either returns the provider's reference, or raises ``core.sending``'s ``PermanentFailure`` (trying
again cannot help: a refused address) or ``TemporaryFailure`` (the server is down, busy or slow: try again
later).
"""

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from svtoolkit.core.deadlines import Deadline, session_within
from svtoolkit.core.sending import PermanentFailure, TemporaryFailure
from svtoolkit.messaging.models import Channel

SMTP = "smtp"
NOTIFY = "notify"
OUTBOX = "outbox"
# How far Notify's clock may be behind ours when it says when it took a message.
NOTIFY_CLOCK_SLACK = timedelta(minutes=5)


def provider_for(channel: str) -> str:
    """The configured provider of a channel, or "" when the channel is switched off (no SMS provider)."""
    return settings.SVTOOLKIT_EMAIL_PROVIDER if channel == Channel.EMAIL else settings.SVTOOLKIT_SMS_PROVIDER


def send(delivery) -> str:
    """Hand one delivery to its provider; returns the provider's reference ("" when it has none)."""
    if delivery.provider == OUTBOX:
        return ""
    if delivery.provider == SMTP:
        return _send_by_smtp(delivery)
    if delivery.provider == NOTIFY:
        return _send_by_notify(delivery)
    raise PermanentFailure(f"No provider is set up for {delivery.get_channel_display().lower()}s.")


def email_message_id(delivery) -> str:
    """The same Message-ID on every attempt of a delivery, so a mail client can tell a repeat."""
    return f"<delivery-{delivery.pk}.{delivery.notification_id}@svtoolkit>"


def _send_by_smtp(delivery) -> str:
    message = delivery.notification
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[delivery.address],
        headers={"Message-ID": email_message_id(delivery)},
        connection=get_connection(timeout=settings.SVTOOLKIT_SEND_TIMEOUT),
    )
    for attachment in message.attachments:
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        # Refused at RCPT TO, with the server's answer for the one address: a 4xx is a "try later"
        # (greylisting, a full mailbox), only a 5xx a refusal.
        codes = [code for code, _ in error.recipients.values()]
        if all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"The mail server refused the address: {error}") from error
        raise TemporaryFailure(f"The mail server asked to try later: {error}", refused=True) from error
    except smtplib.SMTPResponseException as error:  # SMTPSenderRefused (at MAIL FROM) among them
        if 500 <= error.smtp_code < 600:
            raise PermanentFailure(f"The mail server refused the message: {error.smtp_code}") from error
        raise TemporaryFailure(
            f"The mail server asked to try later: {error.smtp_code}", refused=True
        ) from error
    except ConnectionRefusedError as error:  # nothing was handed over
        raise TemporaryFailure(f"The mail server could not be reached: {error}", refused=True) from error
    except TimeoutError as error:
        raise TemporaryFailure("The mail server did not answer in time.") from error
    except (OSError, smtplib.SMTPException) as error:
        if "timed out" in str(error):  # smtplib reports a read timeout as a lost connection
            raise TemporaryFailure("The mail server did not answer in time.") from error
        raise TemporaryFailure(f"The mail server could not be reached: {error}") from error
    return email_message_id(delivery)


def notify_client(seconds: float | None = None) -> NotificationsAPIClient:
    """A client for one call to Notify, its every round trip together given ``seconds``, by default the send
    timeout (core.sending's claim)."""
    client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL)
    client.request_session = session_within(Deadline(seconds or settings.SVTOOLKIT_SEND_TIMEOUT))
    return client


def notify_reference(delivery) -> str:
    """The reference Notify is given with this delivery, the same on every try of one send; each time a
    coordinator sends it again it is a new one, so a copy of an earlier send is not taken for this one."""
    return f"delivery-{delivery.pk}" + (f"-{delivery.resends}" if delivery.resends else "")


def _taken_already(client, delivery, reference: str) -> str:
    """The id Notify gave this delivery on an earlier try whose answer never came back (cut off at the send
    timeout after Notify took it, or its worker stopped before recording it), or "". Only one Notify made
    since the delivery was (less the clock's slack) counts, as a reference is unique to one svtoolkit only,
    and not one Notify failed (a coordinator is sending that again)."""
    kind = "sms" if delivery.channel == Channel.SMS else "email"
    earlier = client.get_all_notifications(template_type=kind, reference=reference)["notifications"]
    since = delivery.created_at - NOTIFY_CLOCK_SLACK
    return next(
        (
            notification["id"]
            for notification in earlier
            if datetime.fromisoformat(notification["created_at"]) >= since
            and notification.get("status") not in NOTIFY_FAILED
        ),
        "",
    )


def _earlier_try_taken(client, delivery) -> str:
    """A try after the first asks Notify first: it may have taken an earlier one (a text sent twice wakes the
    duty officer twice, and the second is not known to be the same alert). The id Notify gave it, or ""."""
    if delivery.attempts > 1:
        return _taken_already(client, delivery, notify_reference(delivery))
    return ""


def taken_by_notify(delivery) -> str:
    """The id Notify gave an earlier try of this delivery that it took though svtoolkit never recorded it, or
    "" (none, or not sent through Notify). Raises ``TemporaryFailure`` when Notify cannot be asked now."""
    if delivery.provider != NOTIFY:
        return ""
    try:
        return _earlier_try_taken(notify_client(), delivery)
    except APIError as error:
        raise TemporaryFailure(f"GOV.UK Notify could not be asked: {error}") from error


def _send_by_notify(delivery) -> str:
    """Notify's email API takes no attachments: a message's files are not sent, and its words say so
    (``services.email_takes_attachments``)."""
    message = delivery.notification
    reference = notify_reference(delivery)
    client = notify_client()  # one deadline for asking and sending together
    try:
        if taken := _earlier_try_taken(client, delivery):
            return taken
        if delivery.channel == Channel.SMS:
            answer = client.send_sms_notification(
                phone_number=delivery.address,
                template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                personalisation={"body": message.sms_text or message.subject},
                reference=reference,
            )
        else:
            answer = client.send_email_notification(
                email_address=delivery.address,
                template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                personalisation={"subject": message.subject, "body": message.body},
                reference=reference,
            )
    except APIError as error:
        if error.status_code == 429 or error.status_code >= 500:
            # Only Notify's own answer that it did not take it (429) says this try did not go: a 5xx, or no
            # answer in time, may come after it took it.
            raise TemporaryFailure(
                f"GOV.UK Notify could not take it now: {error}", refused=error.status_code == 429
            ) from error
        raise PermanentFailure(f"GOV.UK Notify refused it: {error}") from error
    return answer["id"]


# Notify's final statuses: https://docs.notifications.service.gov.uk/python.html#get-the-status-of-one-message
NOTIFY_DELIVERED = {"delivered", "sent"}
NOTIFY_FAILED = {
    "permanent-failure": "The address or number does not exist or cannot take messages.",
    "temporary-failure": "The phone or inbox was unavailable until Notify gave up.",
    "technical-failure": "GOV.UK Notify had a technical failure.",
    "validation-failed": "GOV.UK Notify could not accept the message.",
}


def notify_status(reference: str) -> str:
    """Notify's status of one notification, or "" when Notify cannot be asked now (it has not answered within
    ``SVTOOLKIT_NOTIFY_STATUS_TIMEOUT``)."""
    try:
        client = notify_client(settings.SVTOOLKIT_NOTIFY_STATUS_TIMEOUT)
        return client.get_notification_by_id(reference)["status"]
    except APIError:
        return ""
