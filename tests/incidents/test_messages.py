"""Partner notices and overdue reminders through the delivery layer: a notice that fails is shown and sent
again, and a double click or two overlapping runs send each message once."""

import re
import threading
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import selectors, services
from svtoolkit.incidents.models import Participation, PlanAction
from svtoolkit.incidents.tasks import send_overdue_reminders
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging_services
from svtoolkit.messaging.delivery import deliver_due
from svtoolkit.messaging.models import DeliveryStatus, Notification
from svtoolkit.partnerships.models import Contact, IncidentRole
from tests.concurrency import held_until_both_wait, posts_started
from tests.conftest import MODEL_BACKEND
from tests.factories import MembershipFactory
from tests.incidents.builders import (
    SHARE_BASIS,
    action_due,
    demo_incident,
    left_the_partnership,
    recorded_incident,
)
from tests.incidents.test_views import closed_by_a_colleague_once_found
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db

# Why the overlap tests run on PostgreSQL only (CI runs the suite on both).
SHARED_CACHE = (
    "The SQLite test database is in memory with a shared cache: a second writer is refused at once "
    "(table is locked) instead of waiting its turn as it would on a real SQLite file or PostgreSQL."
)


def with_contacts(demo, demo_users):
    """The demo incident with two partners whose contacts have email addresses."""
    incident, _ = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    for kind, name, email in [
        ("police", "Insp. Ray Cole", "ray@police.example.org"),
        ("health_hospital", "Dr Ana Sousa", "vrt@hospital.example.org"),
    ]:
        organisation = demo.organisations.get(kind=kind)
        contact = Contact.objects.create(organisation=organisation, name=name, email=email)
        services.add_participant(incident=incident, organisation=organisation, contact=contact, by=responder)
    return incident


def acknowledgement_token(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"/incidents/acknowledge/(\S+)/", body).group(1)


def test_a_refused_notice_shows_as_failed_and_informing_partners_sends_it_again(
    smtp_server, client_for, demo, demo_users, django_capture_on_commit_callbacks
):
    incident = with_contacts(demo, demo_users)
    client = client_for("responder")
    partners_page = reverse("incidents:partners", args=[incident.pk])
    smtp_server.mode = "reject"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:inform", args=[incident.pk]))
    page = client.get(partners_page).content.decode()
    assert page.count("Failed") == 2
    assert "Not sent: The mail server refused the message: 550" in page
    assert page.count("Send again<") == 2

    smtp_server.mode = "accept"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:inform", args=[incident.pk]))
    assert sorted(message["To"] for message in smtp_server.received) == [
        "ray@police.example.org",
        "vrt@hospital.example.org",
    ]
    page = client.get(partners_page).content.decode()
    assert page.count(">Sent<") == 2 and "Failed" not in page and "Send again<" not in page
    assert incident.timeline.filter(text__startswith="Notice sent again").exists()

    # The link in the notice sent again works; the stored notice no longer holds its secret.
    token = acknowledgement_token(smtp_server.received[0])
    participation = selectors.participation_by_token(token)
    assert participation is not None
    assert token not in participation.notice.body and participation.notice.secret == ""

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:inform", args=[incident.pk]))
    assert len(smtp_server.received) == 2, "a notice that went is not sent again"


@pytest.mark.parametrize("when", ["waiting for its first try", "while a stopped worker was sending it"])
def test_a_notice_withdrawn_from_its_contact_alone_says_why_on_the_partners_page(
    smtp_server, client_for, demo, demo_users, when
):
    """A notice's delivery withdrawn from its one recipient, not the whole notice: the partners page says
    why beside "Not sent", not an empty reason taken from the notice, which was not withdrawn."""
    incident = with_contacts(demo, demo_users)
    client = client_for("responder")
    client.post(reverse("incidents:inform", args=[incident.pk]))  # queued, the send not run
    police = incident.participations.get(organisation__kind="police")
    notice = police.notice.deliveries.get()
    if when != "waiting for its first try":
        notice.__class__.objects.filter(pk=notice.pk).update(
            status=DeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() - timedelta(seconds=1)
        )
    because = "Not sent: Insp. Ray Cole has left the police."
    messaging_services.withdraw_deliveries_to(
        recipient=None, among=Q(notification=police.notice), because=because
    )
    deliver_due()
    notice.refresh_from_db()
    assert notice.status == DeliveryStatus.WITHDRAWN
    assert "ray@police.example.org" not in {message["To"] for message in smtp_server.received}
    page = client.get(reverse("incidents:partners", args=[incident.pk])).content.decode()
    assert because in page
    assert "Not sent: </p>" not in page and "Not sent: ." not in page


def test_a_contact_taken_out_of_the_directory_is_not_sent_the_notice(
    smtp_server, client_for, demo, demo_users, django_capture_on_commit_callbacks
):
    """They left the organisation: asking them for help reaches no one, and tells them of the incident."""
    from svtoolkit.partnerships.services import deactivate_contact

    incident = with_contacts(demo, demo_users)
    police = incident.participations.get(organisation__kind="police")
    deactivate_contact(
        contact=police.contact, expected_revision=police.contact.revision, by=demo_users["coordinator"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("responder").post(reverse("incidents:inform", args=[incident.pk]), follow=True)
    assert [message["To"] for message in smtp_server.received] == ["vrt@hospital.example.org"]
    assert f"{police.organisation} has no current contact with an email address" in response.content.decode()


@pytest.mark.parametrize(
    "change", ["taken out of the directory", "given a new email address", "replaced by another contact"]
)
def test_a_notice_still_waiting_is_not_sent_to_a_contact_who_no_longer_speaks_for_the_partner(
    smtp_server, client_for, demo, demo_users, change
):
    """The defect: the notice was queued (the worker not yet run, or the mail server busy), then the contact
    left, their address changed or the partner was given another contact: the link stopped acknowledging and
    the partner showed as not told, yet the notice still went to the person who had left, or to the old
    address."""
    from svtoolkit.partnerships.services import deactivate_contact, update_contact

    incident = with_contacts(demo, demo_users)
    client_for("responder").post(reverse("incidents:inform", args=[incident.pk]))  # queued, not yet sent
    police = incident.participations.get(organisation__kind="police")
    contact, notice = police.contact, police.notice.deliveries.get()
    coordinator = demo_users["coordinator"]
    if change == "taken out of the directory":
        deactivate_contact(contact=contact, expected_revision=contact.revision, by=coordinator)
    elif change == "given a new email address":
        update_contact(
            contact=contact,
            expected_revision=contact.revision,
            details={"email": "ray.cole@police.example.org"},
            by=coordinator,
        )
    else:
        sam = Contact.objects.create(
            organisation=police.organisation, name="Sam", email="sam@police.example.org"
        )
        services.add_participant(
            incident=incident, organisation=police.organisation, contact=sam, by=coordinator
        )

    deliver_due()

    notice.refresh_from_db()
    assert notice.status == DeliveryStatus.WITHDRAWN
    assert "ray@police.example.org" not in {message["To"] for message in smtp_server.received}
    assert "no longer acknowledges" in notice.notification.withdrawn_because


def test_a_contact_changed_and_changed_back_is_sent_a_new_notice_that_acknowledges(
    demo, demo_users, client, django_capture_on_commit_callbacks
):
    """Ray, then Sam, then Ray again: the second notice to Ray is sent (the first one's link stopped working
    when Sam took over), so the police are not shown as told when no one was asked."""
    responder = demo_users["responder"]
    incident = with_contacts(demo, demo_users)
    police = incident.participations.get(organisation__kind="police")
    ray = police.contact
    sam = Contact.objects.create(organisation=police.organisation, name="Sam", email="sam@police.example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=responder)
    services.add_participant(incident=incident, organisation=police.organisation, contact=sam, by=responder)
    services.add_participant(incident=incident, organisation=police.organisation, contact=ray, by=responder)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        informed = services.inform_partners(incident=incident, by=responder)

    assert [p.organisation for p in informed] == [police.organisation]
    [notice] = [message for message in mail.outbox if message.to == [ray.email]]
    police.refresh_from_db()
    assert police.notice is not None
    link = re.search(r"/incidents/acknowledge/\S+/", notice.body).group(0)
    client.post(link)
    police.refresh_from_db()
    assert police.acknowledged_at is not None


@pytest.mark.parametrize("role", ["coordinator", "responder"])
def test_a_failed_notice_can_be_sent_again_to_its_partner(
    role, smtp_server, client_for, demo, demo_users, django_capture_on_commit_callbacks
):
    incident = with_contacts(demo, demo_users)
    smtp_server.mode = "reject"
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=demo_users["responder"])
    police = incident.participations.get(organisation__kind="police")
    assert police.notice.deliveries.get().status == DeliveryStatus.FAILED

    smtp_server.mode = "accept"
    client = client_for(role)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("incidents:send_notice_again", args=[incident.pk, police.pk]), follow=True
        )
    assert f"The notice to {police.organisation} is on its way again." in response.content.decode()
    assert [message["To"] for message in smtp_server.received] == ["ray@police.example.org"]
    assert police.notice.deliveries.get().status == DeliveryStatus.SENT
    token = acknowledgement_token(smtp_server.received[0])
    assert selectors.participation_by_token(token) == police

    again = client.post(reverse("incidents:send_notice_again", args=[incident.pk, police.pk]), follow=True)
    assert "has not failed, so there is nothing to send again" in again.content.decode()
    assert len(smtp_server.received) == 1


def test_partners_cannot_send_notices_again(client_for, demo, demo_users):
    incident = with_contacts(demo, demo_users)
    services.inform_partners(incident=incident, by=demo_users["responder"])
    police = incident.participations.get(organisation__kind="police")
    url = reverse("incidents:send_notice_again", args=[incident.pk, police.pk])
    assert client_for("police").post(url).status_code == 403
    assert client_for("viewer").post(url).status_code == 403


def test_a_failed_notice_is_not_sent_again_from_a_page_opened_before_a_colleague_closed_the_incident(
    smtp_server, demo, demo_users, django_capture_on_commit_callbacks
):
    """Send again, clicked on the partners page opened while the incident was open, is refused once a
    colleague has closed it: the partner is not asked for help with a closed incident."""
    incident = with_contacts(demo, demo_users)
    responder = demo_users["responder"]
    smtp_server.mode = "reject"
    with django_capture_on_commit_callbacks(execute=True):
        services.inform_partners(incident=incident, by=responder)
    as_opened = Participation.objects.select_related("incident").get(
        incident=incident, organisation__kind="police"
    )
    closed(incident, responder)
    entries = incident.timeline.count()

    smtp_server.mode = "accept"
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DomainError, match="closed meanwhile"),
    ):
        services.send_notice_again(participation=as_opened, by=responder)
    assert not smtp_server.received
    assert as_opened.notice.deliveries.get().status == DeliveryStatus.FAILED
    assert incident.timeline.count() == entries


def test_informing_partners_as_a_colleague_closes_the_incident_says_so_and_tells_nobody(
    smtp_server, client_for, demo, demo_users, django_capture_on_commit_callbacks, monkeypatch
):
    """The partners page found the incident open; a colleague closes it before the notices are queued. The
    service refuses ("closed meanwhile"): the partners page says so, rather than failing, and no partner is
    asked for help with a closed incident."""
    incident = with_contacts(demo, demo_users)
    closed_by_a_colleague_once_found(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client_for("responder").post(reverse("incidents:inform", args=[incident.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("incidents:partners", args=[incident.pk])
    assert "was closed meanwhile" in refused.content.decode()
    assert not smtp_server.received
    assert not incident.participations.filter(informed_at__isnull=False).exists()


def signed_in_session(client, live_server, user, path) -> tuple[dict, str]:
    """The cookies and form token of ``user`` signed in, for requests to the live server."""
    client.force_login(user, backend=MODEL_BACKEND)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    page = requests.get(live_server.url + path, cookies=cookies, timeout=10)
    cookies["csrftoken"] = page.cookies["csrftoken"]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return cookies, form_token


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_inform_partners_emails_each_partner_once(client, live_server, demo, demo_users):
    if connection.vendor != "postgresql":
        pytest.skip("The live server shares the test's one SQLite connection, so requests cannot overlap.")
    incident = with_contacts(demo, demo_users)
    cookies, form_token = signed_in_session(
        client, live_server, demo_users["responder"], reverse("incidents:partners", args=[incident.pk])
    )
    inform = live_server.url + reverse("incidents:inform", args=[incident.pk])
    answers = []

    def click():
        answer = requests.post(
            inform,
            data={"csrfmiddlewaretoken": form_token},
            cookies=cookies,
            allow_redirects=False,
            timeout=30,
        )
        answers.append(answer.status_code)

    clicks = [threading.Thread(target=click) for _ in range(2)]
    with held_until_both_wait(Participation.objects.filter(incident=incident)):
        for thread in clicks:
            thread.start()
    for thread in clicks:
        thread.join()
    deliver_due()
    assert answers == [302, 302]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ray@police.example.org",
        "vrt@hospital.example.org",
    ]
    assert incident.timeline.filter(text__startswith="Partners informed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_taps_at_once_on_a_partners_acknowledgement_link_record_one(live_server, demo, demo_users):
    if connection.vendor != "postgresql":
        pytest.skip("The live server shares the test's one SQLite connection, so requests cannot overlap.")
    incident = with_contacts(demo, demo_users)
    services.inform_partners(incident=incident, by=demo_users["responder"])
    deliver_due()
    notice = next(message for message in mail.outbox if message.to == ["ray@police.example.org"])
    token = re.search(r"/incidents/acknowledge/(\S+)/", notice.body).group(1)
    link = live_server.url + reverse("incidents:acknowledge", args=[token])
    page = requests.get(link, timeout=10)
    cookies = {"csrftoken": page.cookies["csrftoken"]}
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    police = incident.participations.get(organisation__kind="police")
    with held_until_both_wait(Participation.objects.filter(pk=police.pk)):
        answers = posts_started([(link, {}), (link, {})], cookies=cookies, form_token=form_token)
    assert [answer.status_code for answer in answers()] == [200, 200]
    assert incident.timeline.filter(text__contains="acknowledged (").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_overdue_reminder_runs_remind_each_owner_once(demo, demo_users):
    if connection.vendor != "postgresql":
        pytest.skip(SHARED_CACHE)
    incident, overdue_for_spoc = demo_incident(demo, demo_users)
    Contact.objects.create(
        organisation=overdue_for_spoc.owner_organisation,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Door-knock Eastgate Road",
        guidance="",
        owner_organisation=None,
        owner=demo_users["responder"],
        due_at=timezone.now() - timedelta(minutes=5),
    )
    PlanAction.objects.filter(pk=overdue_for_spoc.pk).update(due_at=timezone.now() - timedelta(hours=1))
    runs = []

    def run():
        runs.append(send_overdue_reminders.call())
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with held_until_both_wait(PlanAction.objects.filter(incident=incident)):
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join()
    deliver_due()
    assert sum(runs) == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ray@police.example.org",
        "responder@example.org",
    ]


def overdue_owned_by(demo, demo_users, owner):
    """The demo incident's police action, overdue and named to ``owner``."""
    incident, action = demo_incident(demo, demo_users)
    PlanAction.objects.filter(pk=action.pk).update(owner=owner, due_at=timezone.now() - timedelta(hours=1))
    return incident


def reminded() -> list[str]:
    deliver_due()
    return sorted(message.to[0] for message in mail.outbox)


def test_an_owner_who_has_left_the_partnership_is_not_reminded_but_the_single_point_of_contact_is(
    demo, demo_users, other_partnership
):
    police = demo_users["police"]
    overdue_owned_by(demo, demo_users, police)
    left_the_partnership(police, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    spoc = Contact.objects.get(
        organisation__partnership=demo,
        organisation__kind="police",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    mail.outbox.clear()
    assert send_overdue_reminders.call() == 1
    assert reminded() == [spoc.email]


def test_a_switched_off_owner_of_an_action_of_no_organisation_is_not_reminded(demo, demo_users):
    police = demo_users["police"]
    incident = overdue_owned_by(demo, demo_users, police)
    incident.actions.update(owner_organisation=None)
    police.is_active = False
    police.save()
    mail.outbox.clear()
    assert send_overdue_reminders.call() == 0
    assert reminded() == []


def test_an_owner_of_a_partnership_the_incident_is_shared_with_is_reminded(
    demo, demo_users, other_partnership
):
    southmoor, southmoor_coordinator = other_partnership
    incident = overdue_owned_by(demo, demo_users, southmoor_coordinator.user)
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["coordinator"], **SHARE_BASIS
    )
    mail.outbox.clear()
    assert send_overdue_reminders.call() == 1
    assert reminded() == [southmoor_coordinator.user.email]


def test_an_owner_in_two_partnerships_gets_a_reminder_from_each_that_its_coordinators_can_resend(
    client_for, demo, demo_users, other_partnership
):
    """The defect: one reminder listed both partnerships' actions and belonged to neither, so its failure
    showed in no delivery log and no coordinator could send it again."""
    southmoor, southmoor_coordinator = other_partnership
    owner = southmoor_coordinator.user
    MembershipFactory(partnership=demo, user=owner, role="responder")
    ours_shared = overdue_owned_by(demo, demo_users, owner)  # shared with Southmoor, still Northbridge's
    services.share_incident(
        incident=ours_shared, partnership=southmoor, by=demo_users["coordinator"], **SHARE_BASIS
    )
    theirs = recorded_incident(southmoor, owner)
    visit = action_due(theirs, owner, timezone.now() - timedelta(hours=2), title="Visit the family")
    PlanAction.objects.filter(pk=visit.pk).update(owner=owner)
    assert send_overdue_reminders.call() == 2
    reminders = Notification.objects.filter(kind="overdue_reminder")
    assert sorted(reminders.values_list("partnership__slug", flat=True)) == ["northbridge", "southmoor"]
    ours = reminders.get(partnership=demo)
    assert "Review CCTV of the bus stop" in ours.body and "Visit the family" not in ours.body
    ours.deliveries.update(status=DeliveryStatus.FAILED, attempts=10, last_error="550 No such mailbox")

    coordinator = client_for("coordinator")
    log = coordinator.get(reverse("messaging:log"), {"status": "failed"}).content.decode()
    assert "550 No such mailbox" in log and owner.email in log
    failed = ours.deliveries.get()
    assert coordinator.post(reverse("messaging:resend", args=[failed.pk])).status_code == 302
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.QUEUED
    assert list(messaging_selectors.delivery_log(southmoor).values_list("notification__body", flat=True)) == [
        reminders.get(partnership=southmoor).body
    ]


def test_an_owner_in_two_partnerships_is_told_which_partnership_each_reminder_is_from(
    demo, demo_users, other_partnership
):
    southmoor, southmoor_coordinator = other_partnership
    owner = southmoor_coordinator.user
    MembershipFactory(partnership=demo, user=owner, role="responder")
    overdue_owned_by(demo, demo_users, owner)
    theirs = recorded_incident(southmoor, owner)
    visit = action_due(theirs, owner, timezone.now() - timedelta(hours=2), title="Visit the family")
    PlanAction.objects.filter(pk=visit.pk).update(owner=owner)
    assert send_overdue_reminders.call() == 2
    for partnership in (demo, southmoor):
        reminder = Notification.objects.get(kind="overdue_reminder", partnership=partnership)
        assert reminder.subject == f"1 overdue action in {partnership.name}"
        assert partnership.name in reminder.sms_text
        assert f"These actions you own in {partnership.name} are overdue:" in reminder.body
