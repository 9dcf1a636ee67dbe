"""Alerts through their services: raising, the rota, escalation, acknowledgement and the launch protocol."""

import html
import json
import re
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from svtoolkit import access
from svtoolkit.accounts import services as account_services
from svtoolkit.accounts.models import Role, User
from svtoolkit.alerts import selectors, services
from svtoolkit.alerts.defaults import Step
from svtoolkit.alerts.models import Alert, AlertListMember, AlertRecipient, AlertStep, DutyRole, DutyShift
from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import Incident, IncidentStatus
from svtoolkit.messaging import delivery, providers
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.messaging.models import Delivery, DeliveryStatus, Notification
from svtoolkit.partnerships import services as directory
from svtoolkit.partnerships.demo import DEMO_REGION_USERS
from svtoolkit.partnerships.models import Contact
from tests.alerts.builders import raise_police_alert, rota, stored_policy, token_of
from tests.concurrency import WAIT, Paused, held_until_both_wait, in_thread, overlapping
from tests.incidents.builders import categorise as categorise_incident
from tests.incidents.builders import moved_to
from tests.messaging.servers import notify_accepts

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def alerted(alert) -> dict[str, str]:
    return {r.user.email: r.reason for r in AlertRecipient.objects.filter(alert=alert).select_related("user")}


# --- Raising -------------------------------------------------------------------------------------------


def test_a_police_partner_raises_an_alert_that_becomes_an_incident_they_can_see(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    incident = alert.incident
    assert incident.status == IncidentStatus.ALERTED
    assert incident.partnership == demo
    assert incident.notification_source == "police"
    assert incident.scenes.get().description == "Station Road bus stop"
    assert [p.organisation.kind for p in incident.participations.select_related("organisation")] == [
        "police",
        "council",
    ]
    police = demo_users["police"]
    assert incident in access.visible_incidents(police, demo)
    assert not access.visible_incidents(demo_users["health"], demo).filter(pk=incident.pk).exists()
    assert "Call back on 07700 900013" in incident.timeline.first().text or any(
        "07700 900013" in entry.text for entry in incident.timeline.all()
    )


def test_an_alert_goes_at_once_to_the_duty_officer_and_the_alert_list_by_text_and_email(
    demo, demo_users, mailoutbox
):
    rota(demo, demo_users)
    gold = demo_users["coordinator"]
    services.add_to_alert_list(partnership=demo, user=gold, by=gold)
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {
        "responder@example.org": "Duty officer",
        "coordinator@example.org": "Alert list",
    }
    responder_deliveries = Delivery.objects.filter(recipient=demo_users["responder"])
    assert sorted(responder_deliveries.values_list("channel", "address")) == [
        ("email", "responder@example.org"),
        ("sms", "07700 900012"),
    ]
    assert set(Notification.objects.values_list("urgency", flat=True)) == {"alert"}
    delivery.deliver_due_alerts()
    # Beside the partnership's people, the region's duty contact hears of it (svtoolkit.regions).
    assert sorted(message.to[0] for message in mailoutbox) == [
        "coordinator@example.org",
        "region@example.org",
        "responder@example.org",
    ]
    email = next(m for m in mailoutbox if m.to == ["responder@example.org"])
    assert email.subject.startswith(f"ALERT {alert.incident.reference}")
    assert "Station Road bus stop" in email.body and "07700 900013" in email.body
    assert "/alerts/acknowledge/" in email.body
    # Only the hash of each person's token is kept with the alert.
    assert all(len(r.token_hash) == 64 for r in alert.recipients.all())


def test_an_alert_with_no_one_on_the_rota_still_reaches_the_coordinators(demo, demo_users):
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {"coordinator@example.org": services.FALLBACK_REASON}
    assert alert.steps.get().note == (
        "No one is on the rota as duty officer now. The coordinators were alerted instead."
    )


def test_an_alert_reaches_the_coordinators_at_once_when_the_duty_officers_account_is_switched_off(
    demo, demo_users
):
    rota(demo, demo_users)
    User.objects.filter(pk=demo_users["responder"].pk).update(is_active=False)
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {
        person.email: services.FALLBACK_REASON for person in selectors.coordinators_of(demo)
    }
    assert alert.steps.get().note == (
        f"{demo_users['responder']} is on the rota as duty officer but cannot be alerted: their account is "
        "switched off. The coordinators were alerted instead."
    )
    assert selectors.on_duty(demo, DutyRole.DUTY_OFFICER, timezone.now()) is None


def test_an_alert_is_raised_and_reaches_the_coordinators_whatever_the_length_of_the_name_on_the_rota(
    demo, demo_users
):
    rota(demo, demo_users, senior=demo_users["coordinator"])
    # The longest name an account may have, of someone made a viewer since they were put on the rota.
    User.objects.filter(pk=demo_users["responder"].pk).update(full_name="Alexandra " * 15)
    demo_users["responder"].memberships.filter(partnership=demo).update(role="viewer")
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {
        person.email: services.FALLBACK_REASON for person in selectors.coordinators_of(demo)
    }
    note = alert.steps.get().note
    assert "cannot be alerted: they are no longer a coordinator or responder" in note
    assert note.endswith("The coordinators were alerted instead.")


def test_a_policy_stored_with_no_step_at_once_still_alerts_the_duty_officer_and_the_alert_list_at_once(
    demo, demo_users
):
    """The defect: with the duty officer's step at 5 minutes, a new alert reached no one for 5 minutes, and
    the alert list was never alerted (it came only with a step taken as the alert was raised)."""
    coordinator = demo_users["coordinator"]
    stored_policy(demo, coordinator, {"duty_officer": 5, "deputy": 10})
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        demo_users["viewer"].memberships.filter(partnership=demo).update(role="responder")
        rota(demo, demo_users, deputy=demo_users["viewer"])
        services.add_to_alert_list(partnership=demo, user=coordinator, by=coordinator)
        alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {
        "responder@example.org": "Duty officer",
        "coordinator@example.org": "Alert list",
    }
    assert sorted(Delivery.objects.filter(recipient=coordinator).values_list("channel", flat=True)) == [
        "email",
        "sms",
    ]
    with time_machine.travel(raised + timedelta(minutes=5), tick=False):
        assert services.escalate_alerts() == 0  # the duty officer is not alerted a second time
    with time_machine.travel(raised + timedelta(minutes=10), tick=False):
        assert services.escalate_alerts() == 1
    assert alerted(alert)["viewer@example.org"] == "Deputy duty officer"


def test_a_policy_stored_with_no_steps_still_alerts_the_coordinators_at_once_when_no_one_is_on_the_rota(
    demo, demo_users
):
    stored_policy(demo, demo_users["coordinator"], {})
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {
        person.email: services.FALLBACK_REASON for person in selectors.coordinators_of(demo)
    }
    assert alert.steps.get().note.endswith("The coordinators were alerted instead.")


def test_an_alert_is_raised_by_someone_with_the_longest_name_in_an_organisation_with_a_long_name(
    demo, demo_users
):
    rota(demo, demo_users)
    gold = demo_users["coordinator"]
    services.add_to_alert_list(partnership=demo, user=gold, by=gold)
    police = demo_users["police"]
    User.objects.filter(pk=police.pk).update(full_name="Alexandra " * 15)
    organisation = access.lead_organisation_of(police, demo)
    organisation.name = (
        "Northbridge and Southmoor Metropolitan Police Service " * 3 + "Basic Command Unit Northwest"
    )
    organisation.save(update_fields=["name"])
    assert len(organisation.name) == 190
    police.refresh_from_db()
    alert = raise_police_alert(demo, demo_users)
    assert alert.incident.notified_by == f"{police.full_name}, {organisation.name}"
    assert alerted(alert) == {
        "responder@example.org": "Duty officer",
        "coordinator@example.org": "Alert list",
    }
    assert Delivery.objects.filter(recipient__in=[gold, demo_users["responder"]]).count() == 4


def _removed(membership, coordinator):
    account_services.remove_member(membership=membership, by=coordinator)


def _made_a_viewer(membership, coordinator):
    account_services.change_membership(
        membership=membership,
        role="viewer",
        organisation=membership.organisation,
        expected_revision=membership.revision,
        by=coordinator,
    )


@pytest.mark.parametrize("leaves_the_team", [_removed, _made_a_viewer])
def test_someone_no_longer_on_the_response_team_is_not_alerted(demo, demo_users, leaves_the_team):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    services.add_to_alert_list(partnership=demo, user=responder, by=coordinator)
    leaves_the_team(responder.memberships.get(partnership=demo), coordinator)
    alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {"coordinator@example.org": services.FALLBACK_REASON}
    assert alert.steps.get().note == (
        f"{responder} is on the rota as duty officer but cannot be alerted: they are no longer a "
        "coordinator or responder of the partnership. The coordinators were alerted instead."
    )
    assert not Delivery.objects.filter(recipient=responder).exists()


@pytest.mark.parametrize("leaves_the_team", [_removed, _made_a_viewer])
def test_someone_who_leaves_the_response_team_mid_alert_is_sent_none_of_its_messages_still_waiting(
    demo, demo_users, leaves_the_team, client_for
):
    """The defect: the texts and emails of an alert queued (or waiting for a retry) for someone removed from
    the partnership, or made a viewer, went on being sent to them."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    waiting = Delivery.objects.filter(recipient=responder)
    assert waiting.count() == 2 and {d.status for d in waiting} == {DeliveryStatus.QUEUED}

    leaves_the_team(responder.memberships.get(partnership=demo), coordinator)
    delivery.deliver_due_alerts()

    assert {d.status for d in waiting.all()} == {DeliveryStatus.WITHDRAWN}
    assert all("no longer on the partnership's response team" in d.last_error for d in waiting.all())
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    assert (
        f"Not sent: {responder} is no longer on the partnership&#x27;s response team."
        in page.content.decode()
    )


def test_the_delivery_log_says_why_an_alerts_messages_were_not_sent_to_someone_who_left_the_team(
    demo, demo_users, client_for
):
    """The defect: the delivery log (and the incident's messages page) built its "Not sent" line from the
    alert's own reason alone, so for texts and emails withdrawn from someone who left the response team
    mid-alert, while the alert itself waited, it said ", so it was not sent." with no reason."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    _removed(responder.memberships.get(partnership=demo), coordinator)
    delivery.deliver_due_alerts()

    client = client_for("coordinator")
    reason = f"{responder} is no longer on the partnership's response team."
    for url in (reverse("messaging:log"), reverse("incidents:messages", args=[alert.incident_id])):
        page = html.unescape(client.get(url).content.decode())
        assert ">, so it was not sent." not in page, url
        not_sent_row = re.search(r">Not sent</dt>\s*<dd[^>]*>([^<]*)</dd>", page)
        assert not_sent_row and reason in not_sent_row.group(1), url


def _switched_off(membership, coordinator):
    User.objects.filter(pk=membership.user_id).update(is_active=False)


@pytest.mark.parametrize("leaves_the_team", [_removed, _made_a_viewer, _switched_off])
def test_a_failed_alert_message_is_not_sent_again_to_someone_no_longer_on_the_response_team(
    demo, demo_users, leaves_the_team, client_for
):
    """The defect: a coordinator's "send again" of an alert email that had failed for good sent the alert
    (incident details, call-back number, acknowledgement link) to someone removed from the partnership, made a
    viewer or switched off since: only a withdrawal of the whole message stopped it."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    raise_police_alert(demo, demo_users)
    failed = Delivery.objects.get(recipient=responder, channel="email")
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, last_error="Mailbox full")

    leaves_the_team(responder.memberships.get(partnership=demo), coordinator)
    why = "account is switched off" if leaves_the_team is _switched_off else "no longer on the partnership"
    with pytest.raises(DomainError, match=f"Not sent: {responder}.* {why}"):
        messaging.resend(delivery=failed, by=coordinator)
    delivery.deliver_due_alerts()

    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED and failed.resends == 0
    log = client_for("coordinator").get(reverse("messaging:log")).content.decode()
    assert reverse("messaging:resend", args=[failed.pk]) not in log


@pytest.mark.django_db(transaction=True)
def test_an_alert_message_a_worker_has_just_claimed_as_its_recipient_leaves_the_team_shows_as_sent(
    demo, demo_users
):
    """The defect: on PostgreSQL, the withdrawal of someone's alert messages as they left the response team
    chose them through a join, which PostgreSQL does not check again after waiting for a worker's claim: the
    message the worker had just claimed and sent was overwritten as "Not sent", though it reached them."""
    if connection.vendor != "postgresql":
        pytest.skip("A claim and a withdrawal overlap only on PostgreSQL.")
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    raise_police_alert(demo, demo_users)
    email = Delivery.objects.get(recipient=responder, channel="email")
    Delivery.objects.filter(pk=email.pk).update(  # as it is before the worker takes it
        status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), sent_at=None
    )
    paused = Paused(delivery.deliver)  # the worker claims and sends it, and holds its row

    def worker():
        with transaction.atomic():
            return paused(email.pk)

    sent, left = overlapping(
        worker,
        lambda: _removed(responder.memberships.get(partnership=demo), coordinator),
        paused=paused,
    )

    assert sent == {"result": True} and "error" not in left, (sent, left)
    email.refresh_from_db()
    assert email.status in {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}, email.last_error


def test_someone_removed_from_the_partnership_leaves_its_alert_list(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    services.add_to_alert_list(partnership=demo, user=responder, by=coordinator)
    account_services.remove_member(membership=responder.memberships.get(partnership=demo), by=coordinator)
    assert not AlertListMember.objects.filter(user=responder).exists()
    assert AuditEntry.objects.filter(target_type="alerts.AlertListMember", action="delete").exists()


@pytest.mark.parametrize("role", ["viewer", "health", "responder"])
def test_members_whose_organisation_may_not_report_cannot_raise_an_alert(demo, demo_users, role):
    with pytest.raises(DomainError):
        services.raise_alert(
            partnership=demo,
            by=demo_users[role],
            what="x",
            details="",
            where="y",
            occurred_at=timezone.now(),
            how_they_know="z",
            callback_number="07700 900000",
        )


@pytest.mark.parametrize(
    "number",
    [
        "call me",
        # The defect: punctuation counted as digits, so these went on the rota and into every alert's text.
        "----------",
        "(((( ))))-",
        "07700 9001",  # a mobile number missing two digits
        "+44 7700 900123 4567",  # more digits than any phone number has
    ],
)
def test_an_alert_with_a_number_that_is_not_a_phone_number_is_refused_whoever_raises_it(
    demo, demo_users, number
):
    with pytest.raises(DomainError) as refused:
        raise_police_alert(demo, demo_users, callback_number=number)
    assert (refused.value.field, refused.value.message) == (
        "callback_number",
        "Enter a phone number, like 07700 900123.",
    )
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    "number", ["07700 900123", "020 7946 0199", "+44 (0)20 7946 0199", "+44 7700-900-123"]
)
def test_a_phone_number_written_in_any_usual_way_is_taken(number):
    services.check_phone_number(number=number, field="callback_number")


def test_a_rota_change_with_an_out_of_hours_number_that_is_not_a_phone_number_is_refused(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]

    def a_day_on_the_rota(person, role, **number):
        return services.add_shift(
            partnership=demo, person=person, role=role, starts_at=at(20, 8), ends_at=at(21, 8),
            by=coordinator, **number,
        )  # fmt: skip

    shift = a_day_on_the_rota(responder, "deputy")
    changes = (
        lambda number: a_day_on_the_rota(coordinator, "duty_officer", out_of_hours_number=number),
        lambda number: services.hand_over_shift(
            shift=shift,
            to=coordinator,
            out_of_hours_number=number,
            expected_revision=shift.revision,
            by=coordinator,
            at=at(20, 9),
        ),
        lambda number: services.cover_shift(
            shift=shift,
            person=coordinator,
            starts_at=at(20, 12),
            ends_at=at(20, 14),
            out_of_hours_number=number,
            by=coordinator,
        ),
    )
    for change in changes:
        with pytest.raises(DomainError) as refused:
            change("ring the office")
        assert (refused.value.field, refused.value.message) == (
            "out_of_hours_number",
            "Enter a phone number, like 020 7946 0199.",
        )
    assert list(DutyShift.objects.values_list("pk", flat=True)) == [shift.pk]
    shift.refresh_from_db()
    assert (shift.person, shift.ends_at) == (responder, at(21, 8))


def test_a_coordinator_allows_an_organisation_to_report(demo, demo_users):
    hospital = demo.organisations.get(kind="health_hospital")
    assert not access.can_raise_alert(demo_users["health"], demo)
    directory.update_organisation(
        organisation=hospital,
        expected_revision=hospital.revision,
        details={
            "name": hospital.name,
            "kind": hospital.kind,
            "owner": hospital.owner,
            "review_due": hospital.review_due,
            "may_report_incidents": True,
        },
        by=demo_users["coordinator"],
    )
    health = User.objects.get(pk=demo_users["health"].pk)  # as the next request reads them
    assert access.can_raise_alert(health, demo)


def test_new_police_organisations_may_report_and_others_may_not(demo, demo_users):
    made = {
        kind: directory.create_organisation(
            partnership=demo,
            details={"name": f"New {kind}", "kind": kind, "owner": None, "review_due": timezone.localdate()},
            by=demo_users["coordinator"],
        )
        for kind in ("police", "btp", "council")
    }
    assert {kind: o.may_report_incidents for kind, o in made.items()} == {
        "police": True,
        "btp": True,
        "council": False,
    }


def test_an_alert_cannot_say_it_happened_in_the_future(demo, demo_users):
    with pytest.raises(DomainError) as error:
        raise_police_alert(demo, demo_users, occurred_at=timezone.now() + timedelta(hours=1))
    assert error.value.field == "occurred_at"


# --- The rota ------------------------------------------------------------------------------------------


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


def test_an_overnight_shift_is_on_duty_until_the_morning_and_the_next_is_shown(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    for person, starts in ((responder, at(20, 22)), (coordinator, at(21, 8))):
        services.add_shift(
            partnership=demo,
            person=person,
            role=DutyRole.DUTY_OFFICER,
            starts_at=starts,
            ends_at=starts + timedelta(hours=10),
            by=coordinator,
        )
    for moment in (at(20, 23, 30), at(21, 3), at(21, 7, 59)):
        assert selectors.rota_now_and_next(demo, at=moment)[0].now.person == responder, moment
    position = selectors.rota_now_and_next(demo, at=at(21, 2))[0]
    assert (position.now.person, position.next.person) == (responder, coordinator)
    assert selectors.on_duty(demo, DutyRole.DUTY_OFFICER, at(21, 8)).person == coordinator
    gap = selectors.rota_now_and_next(demo, at=at(20, 12))[0]
    assert gap.now is None and gap.next.person == responder


def test_a_handover_puts_the_new_person_on_duty_from_then(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    shift = services.add_shift(
        partnership=demo,
        person=responder,
        role=DutyRole.DUTY_OFFICER,
        starts_at=at(20, 22),
        ends_at=at(21, 8),
        by=coordinator,
    )
    taking_over = services.hand_over_shift(
        shift=shift,
        to=coordinator,
        note="Quiet so far.",
        expected_revision=shift.revision,
        by=coordinator,
        at=at(21, 1),
    )
    assert selectors.on_duty(demo, DutyRole.DUTY_OFFICER, at(21, 0, 59)).person == responder
    assert selectors.on_duty(demo, DutyRole.DUTY_OFFICER, at(21, 1)).person == coordinator
    assert (taking_over.ends_at, taking_over.handed_over_from) == (at(21, 8), shift)
    shift.refresh_from_db()
    assert shift.ends_at == at(21, 1)


@pytest.mark.parametrize("handed_over_at", [10, 15])
def test_a_cover_booked_in_a_shift_handed_over_stands_in_for_the_one_who_took_it_over(
    demo, demo_users, handed_over_at
):
    """The defect: a cover of 14:00 to 16:00 stayed linked to the shift as it was before a handover (at 10:00,
    or during the cover at 15:00), so the rota said it was covering for the one who had handed over, though
    the shift it stands in for is now theirs who took it over."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    from tests.factories import MembershipFactory

    taker = MembershipFactory(partnership=demo, role=Role.RESPONDER).user
    shift = services.add_shift(
        partnership=demo,
        person=responder,
        role=DutyRole.DUTY_OFFICER,
        starts_at=at(20, 8),
        ends_at=at(20, 20),
        by=coordinator,
    )
    cover = services.cover_shift(
        shift=shift, person=coordinator, starts_at=at(20, 14), ends_at=at(20, 16), by=coordinator
    )
    services.hand_over_shift(
        shift=shift, to=taker, expected_revision=shift.revision, by=coordinator, at=at(20, handed_over_at)
    )

    position = selectors.rota_now_and_next(demo, at=at(20, 15, 30))[0]
    assert (position.now.person, position.now.covers.person) == (coordinator, taker)
    assert (position.next.person, position.next_from) == (taker, at(20, 16))
    cover.refresh_from_db()
    assert cover.covers.person == taker


def day_shift_covered(demo, demo_users, role, cover_from, cover_until, note):
    """The responder on duty in ``role`` from 08:00 on 20 November to 08:00 the next day, the coordinator
    covering from ``cover_from`` to ``cover_until`` for ``note``."""
    shift = services.add_shift(
        partnership=demo,
        person=demo_users["responder"],
        role=role,
        starts_at=at(20, 8),
        ends_at=at(21, 8),
        by=demo_users["coordinator"],
    )
    services.cover_shift(
        shift=shift,
        person=demo_users["coordinator"],
        starts_at=cover_from,
        ends_at=cover_until,
        note=note,
        by=demo_users["coordinator"],
    )
    return shift


def test_a_cover_stands_in_for_part_of_a_shift_and_the_shift_resumes_after(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    shift = day_shift_covered(demo, demo_users, DutyRole.DEPUTY, at(20, 12), at(20, 14), "Dentist")
    during = selectors.rota_now_and_next(demo, at=at(20, 13))[1]
    assert (during.now.person, during.next.person) == (coordinator, responder)
    assert selectors.on_duty(demo, DutyRole.DEPUTY, at(20, 14)).person == responder
    with pytest.raises(DomainError):
        services.cover_shift(
            shift=shift, person=coordinator, starts_at=at(21, 7), ends_at=at(21, 9), by=coordinator
        )


def test_the_next_on_duty_is_a_cover_coming_on_later_in_the_current_shift(client_for, demo, demo_users):
    """The defect: the rota's "Next" looked only at who is on duty when the current shift ends, so a cover
    booked for the evening of a day-long shift was missed: "Next" named tomorrow's shift, or no one, while
    someone else would be alerted from 18:00. Now it names the cover, from when it comes on, and whoever
    comes on when the cover ends."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    day_shift_covered(demo, demo_users, DutyRole.DUTY_OFFICER, at(20, 18), at(20, 20), "Evening off")
    morning = selectors.rota_now_and_next(demo, at=at(20, 10))[0]
    assert (morning.now.person, morning.next.person, morning.next_from) == (
        responder,
        coordinator,
        at(20, 18),
    )
    evening = selectors.rota_now_and_next(demo, at=at(20, 19))[0]
    assert (evening.now.person, evening.next.person, evening.next_from) == (
        coordinator,
        responder,
        at(20, 20),
    )
    with time_machine.travel(at(20, 10), tick=False):
        page = client_for("police").get(reverse("alerts:rota")).content.decode()
    assert f"{coordinator} from Fri 20 Nov 18:00" in page


def test_who_is_next_is_found_in_as_many_queries_however_long_the_rota_of_someone_who_cannot_be_alerted(
    demo, demo_users
):
    """Next skips shifts whose person cannot be alerted (switched off): it reads the rota once, so a month of
    such shifts ahead costs no more queries than a day of them."""
    from tests.factories import MembershipFactory

    absent = MembershipFactory(partnership=demo, role="responder").user

    def queries_for_next(days):
        DutyShift.objects.all().delete()
        for day in range(days):
            services.add_shift(
                partnership=demo,
                person=absent,
                role=DutyRole.DEPUTY,
                starts_at=at(20, 8) + timedelta(days=day),
                ends_at=at(20, 20) + timedelta(days=day),
                by=demo_users["coordinator"],
            )
        User.objects.filter(pk=absent.pk).update(is_active=False)
        with CaptureQueriesContext(connection) as counted:
            assert selectors.rota_now_and_next(demo, at=at(20, 7))[1].next is None
        User.objects.filter(pk=absent.pk).update(is_active=True)
        return len(counted)

    assert queries_for_next(30) == queries_for_next(1)


def test_two_ordinary_shifts_of_one_role_cannot_overlap(demo, demo_users):
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    services.add_shift(
        partnership=demo,
        person=responder,
        role="deputy",
        starts_at=at(20, 8),
        ends_at=at(21, 8),
        by=coordinator,
    )
    with pytest.raises(DomainError) as error:
        services.add_shift(
            partnership=demo,
            person=coordinator,
            role="deputy",
            starts_at=at(21, 7),
            ends_at=at(21, 20),
            by=coordinator,
        )
    assert "hand over or cover" in error.value.message
    # Another role at the same time is fine.
    services.add_shift(
        partnership=demo,
        person=coordinator,
        role="duty_officer",
        starts_at=at(21, 7),
        ends_at=at(21, 20),
        by=coordinator,
    )


def test_only_the_response_team_can_be_on_the_rota(demo, demo_users):
    with pytest.raises(DomainError) as error:
        services.add_shift(
            partnership=demo,
            person=demo_users["police"],
            role="duty_officer",
            starts_at=at(20, 8),
            ends_at=at(21, 8),
            by=demo_users["coordinator"],
        )
    assert error.value.field == "person"


# --- Escalation and acknowledgement --------------------------------------------------------------------


def test_escalation_follows_the_policy_minute_by_minute_until_someone_acknowledges(demo, demo_users):
    senior = demo_users["viewer"]
    senior_membership = senior.memberships.get(partnership=demo)
    senior_membership.role = "responder"
    senior_membership.save()
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users, senior=senior)
        alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {"responder@example.org": "Duty officer"}
    with time_machine.travel(raised + timedelta(minutes=9, seconds=59), tick=False):
        assert services.escalate_alerts() == 0
    with time_machine.travel(raised + timedelta(minutes=10), tick=False):
        assert services.escalate_alerts() == 1
        assert services.escalate_alerts() == 0
    assert alerted(alert)["coordinator@example.org"] == "Deputy duty officer"
    with time_machine.travel(raised + timedelta(minutes=15), tick=False):
        assert services.acknowledge(alert=alert, by=demo_users["coordinator"]) is True
    with time_machine.travel(raised + timedelta(minutes=25), tick=False):
        assert services.escalate_alerts() == 0
    assert "viewer@example.org" not in alerted(alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == demo_users["coordinator"]
    assert alert.recipients.get(user=demo_users["coordinator"]).acknowledged_at is not None
    assert any("Escalation stopped" in entry.text for entry in alert.incident.timeline.all())
    assert AuditEntry.objects.filter(target_type="alerts.Alert", detail__acknowledged=True).count() == 1


def test_without_acknowledgement_the_senior_manager_is_alerted_after_twenty_minutes(demo, demo_users):
    senior = demo_users["viewer"]
    senior.memberships.filter(partnership=demo).update(role="responder")
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users, senior=senior)
        alert = raise_police_alert(demo, demo_users)
    with time_machine.travel(raised + timedelta(minutes=30), tick=False):
        # A run that was late takes every step now due, each once.
        assert services.escalate_alerts() == 2
        assert services.escalate_alerts() == 0
    assert alerted(alert) == {
        "responder@example.org": "Duty officer",
        "coordinator@example.org": "Deputy duty officer",
        "viewer@example.org": "Senior manager (gold)",
    }


def test_an_unexpected_error_on_one_alert_holds_up_the_escalation_of_no_other(
    demo, demo_users, monkeypatch, caplog
):
    """The defect: an error on one alert ended the whole run, so every alert after it waited unescalated."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        failing = raise_police_alert(demo, demo_users)
    with time_machine.travel(raised + timedelta(seconds=1), tick=False):
        other = raise_police_alert(demo, demo_users, where="Market Square")
    take_step = services._take_step

    def failing_on_the_first(*, alert_id, **step):
        if alert_id == failing.pk:
            raise RuntimeError("something nobody foresaw")
        return take_step(alert_id=alert_id, **step)

    monkeypatch.setattr(services, "_take_step", failing_on_the_first)
    with time_machine.travel(raised + timedelta(minutes=10, seconds=1), tick=False):
        assert services.escalate_alerts() == 1
    assert alerted(other)["coordinator@example.org"] == "Deputy duty officer"
    assert "coordinator@example.org" not in alerted(failing)
    assert f"alert {failing.pk}" in caplog.text and "something nobody foresaw" in caplog.text


def test_an_escalation_that_keeps_failing_is_kept_on_the_alert_until_its_step_goes_through(
    demo, demo_users, monkeypatch
):
    """The defect: a step that failed was only logged, so nobody in the partnership knew the alert had stopped
    going up the rota. The failures are kept on the alert, naming the kind of error alone (its own words may
    name people), and once the step goes through it says how late it was and why."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    alert_people = services._alert_people

    def refused(*args, **kwargs):
        raise RuntimeError("Jo Bloggs's phone 07700 900999 refused the message")

    monkeypatch.setattr(services, "_alert_people", refused)
    for minute in (10, 11):
        with time_machine.travel(raised + timedelta(minutes=minute, seconds=1), tick=False):
            assert services.escalate_alerts() == 0
    alert.refresh_from_db()
    assert alert.escalation_failed_at == raised + timedelta(minutes=11, seconds=1)
    assert (alert.escalation_failures, alert.escalation_error) == (2, "RuntimeError")
    assert not alert.steps.filter(duty_role=DutyRole.DEPUTY).exists()

    monkeypatch.setattr(services, "_alert_people", alert_people)
    with time_machine.travel(raised + timedelta(minutes=12, seconds=1), tick=False):
        assert services.escalate_alerts() == 1
    alert.refresh_from_db()
    assert (alert.escalation_failed_at, alert.escalation_failures, alert.escalation_error) == (None, 0, "")
    assert alerted(alert)["coordinator@example.org"] == "Deputy duty officer"
    late = "Taken 2 minutes late: the 2 attempts before it failed (RuntimeError)."
    assert alert.steps.get(duty_role=DutyRole.DEPUTY).note == late
    assert any(late in entry.text for entry in alert.incident.timeline.all())
    assert not any("Jo Bloggs" in entry.text for entry in alert.incident.timeline.all())


def test_an_escalation_run_that_finds_the_database_busy_every_time_is_kept_on_the_alert(
    demo, demo_users, monkeypatch
):
    """The defect: a run that gave up after finding the database busy at every attempt kept nothing on the
    alert, so for three minutes the panel still showed the step to come as if all were well. Now the alert
    is marked as failing (the run counting once), and the step, taken by the next run, says it came late."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    take_step = services._take_step

    def busy(**step):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_take_step", busy)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    given_up_at = raised + timedelta(minutes=10, seconds=1)
    with time_machine.travel(given_up_at, tick=False), pytest.raises(OperationalError):
        services.escalate_alerts(attempts=3)
    alert.refresh_from_db()
    assert (alert.escalation_failed_at, alert.escalation_failures) == (given_up_at, 1)
    assert alert.escalation_error == "OperationalError"
    panel = selectors.alert_panel(incident=alert.incident, user=demo_users["coordinator"], partnership=demo)
    assert panel["escalation_failing"] and panel["overdue_step"]["label"] == "Deputy duty officer"

    monkeypatch.setattr(services, "_take_step", take_step)
    with time_machine.travel(raised + timedelta(minutes=11, seconds=1), tick=False):
        assert services.escalate_alerts() == 1
    alert.refresh_from_db()
    assert (alert.escalation_failed_at, alert.escalation_failures) == (None, 0)
    late = "Taken 1 minute late: the attempt before it failed (OperationalError)."
    assert alert.steps.get(duty_role=DutyRole.DEPUTY).note == late


def test_a_run_that_finds_the_database_busy_every_time_keeps_whoever_came_on_duty_unalerted_on_the_panel(
    demo, demo_users, monkeypatch
):
    """The defect: a run that gave up on a busy database marked as failing only the alerts with a step due,
    so the duty officer who had come on duty while the alert waited, and whom it did not reach, showed in the
    log alone, and the panel said nothing. The step now keeps it, as an unforeseen error would."""
    _duty_officer_alone(demo, demo_users)
    alert, handed_over = _alert_then_hand_over(demo, demo_users)
    alert_on_coming_on_duty = services._alert_on_coming_on_duty

    def busy(**came_on_duty):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_alert_on_coming_on_duty", busy)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    given_up_at = handed_over + timedelta(minutes=1)
    with pytest.raises(OperationalError):
        services.escalate_alerts(now=given_up_at, attempts=3)
    step = alert.steps.get(duty_role=DutyRole.DUTY_OFFICER)
    assert (step.came_on_duty_failed_at, step.came_on_duty_failures) == (given_up_at, 1)
    assert step.came_on_duty_error == "OperationalError"
    alert.refresh_from_db()
    assert alert.escalation_failures == 0  # no step of its own is late
    panel = selectors.alert_panel(incident=alert.incident, user=demo_users["coordinator"], partnership=demo)
    assert panel["came_on_duty_failing"] == [step]

    monkeypatch.setattr(services, "_alert_on_coming_on_duty", alert_on_coming_on_duty)
    assert services.escalate_alerts(now=given_up_at + timedelta(minutes=1)) == 1
    step.refresh_from_db()
    assert step.came_on_duty_failures == 0
    assert step.note.endswith(", after 1 failed attempt (OperationalError).")


def test_a_step_that_finds_no_one_on_the_rota_alerts_the_coordinators(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        services.add_shift(
            partnership=demo,
            person=demo_users["responder"],
            role=DutyRole.DUTY_OFFICER,
            starts_at=raised - timedelta(hours=1),
            ends_at=raised + timedelta(hours=23),
            out_of_hours_number="07700 900999",
            by=demo_users["coordinator"],
        )
        alert = raise_police_alert(demo, demo_users)
    assert alerted(alert) == {"responder@example.org": "Duty officer"}
    with time_machine.travel(raised + timedelta(minutes=10), tick=False):
        assert services.escalate_alerts() == 1
    deputy_step = alert.steps.get(duty_role=DutyRole.DEPUTY)
    stand_ins = AlertRecipient.objects.filter(step=deputy_step)
    assert {r.user for r in stand_ins} == set(selectors.coordinators_of(demo))
    assert {r.reason for r in stand_ins} == {services.FALLBACK_REASON}
    assert Delivery.objects.filter(
        recipient=demo_users["coordinator"], notification__urgency="alert"
    ).exists()
    assert deputy_step.note == (
        "No one is on the rota as deputy duty officer now. The coordinators were alerted instead."
    )
    assert any(deputy_step.note in entry.text for entry in alert.incident.timeline.all())


# --- Coming on duty while an alert waits ---------------------------------------------------------------


def _duty_officer_alone(demo, demo_users):
    """A policy that alerts the duty officer alone: no deputy or senior manager ever hears of an alert."""
    services.set_escalation_policy(
        partnership=demo, after_minutes={DutyRole.DUTY_OFFICER: 0}, by=demo_users["coordinator"]
    )


def _alert_then_hand_over(demo, demo_users, *, after=timedelta(minutes=5)):
    """An alert to the responder on duty, whose shift the coordinator takes over ``after`` it was raised."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        shifts = rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    shift = shifts[DutyRole.DUTY_OFFICER]
    services.hand_over_shift(
        shift=shift,
        to=demo_users["coordinator"],
        expected_revision=shift.revision,
        note="Alert waiting.",
        by=demo_users["coordinator"],
        at=raised + after,
    )
    return alert, raised + after


def test_someone_who_takes_over_the_duty_while_an_alert_waits_is_alerted_once_by_text_and_email(
    demo, demo_users, mailoutbox
):
    """The defect: each step went once to whoever was on duty then, so the duty officer taking over heard
    nothing of the alert waiting, and under a policy with no later step nobody on duty heard of it again."""
    _duty_officer_alone(demo, demo_users)
    alert, handed_over = _alert_then_hand_over(demo, demo_users)
    assert alerted(alert) == {"responder@example.org": "Duty officer"}
    sweep = handed_over + timedelta(minutes=1)
    assert services.escalate_alerts(now=sweep) == 1
    assert services.escalate_alerts(now=sweep + timedelta(minutes=1)) == 0
    assert alerted(alert) == {
        "responder@example.org": "Duty officer",
        "coordinator@example.org": "Came on duty as duty officer while the alert was waiting",
    }
    coordinator = demo_users["coordinator"]
    assert sorted(Delivery.objects.filter(recipient=coordinator).values_list("channel", flat=True)) == [
        "email",
        "sms",
    ]
    step = alert.steps.get(duty_role=DutyRole.DUTY_OFFICER)
    assert step.note == (
        f"{coordinator} came on duty as duty officer while the alert was waiting, and was alerted at "
        f"{timezone.localtime(sweep):%H:%M}."
    )
    timeline = [entry.text for entry in alert.incident.timeline.all()]
    assert f"Alerted: {coordinator} (came on duty as duty officer while the alert was waiting)." in timeline
    delivery.deliver_due_alerts()
    email = next(m for m in mailoutbox if m.to == ["coordinator@example.org"])
    assert "You came on duty as duty officer while this alert was waiting" in email.body
    text = Delivery.objects.get(recipient=coordinator, channel="sms").notification.sms_text
    assert "came on duty" in text
    # Their own link acknowledges, as anyone's alerted.
    recipient = alert.recipients.get(user=coordinator)
    assert services.acknowledge(alert=alert, by=coordinator, recipient=recipient, via="link") is True


def test_someone_covering_the_deputy_after_its_step_is_alerted_and_the_deputy_is_not_alerted_again(
    demo, demo_users
):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        shifts = rota(demo, demo_users, deputy=demo_users["responder"])
        alert = raise_police_alert(demo, demo_users)
    assert services.escalate_alerts(now=raised + timedelta(minutes=10)) == 1
    senior = demo_users["viewer"]
    senior.memberships.filter(partnership=demo).update(role="responder")
    services.cover_shift(
        shift=shifts[DutyRole.DEPUTY],
        person=senior,
        starts_at=raised + timedelta(minutes=12),
        ends_at=raised + timedelta(minutes=14),
        by=demo_users["coordinator"],
    )
    assert services.escalate_alerts(now=raised + timedelta(minutes=12)) == 1
    # The cover over, the deputy is on duty again, already alerted as duty officer: no one is alerted.
    assert services.escalate_alerts(now=raised + timedelta(minutes=15)) == 0
    assert alerted(alert)["viewer@example.org"] == (
        "Came on duty as deputy duty officer while the alert was waiting"
    )
    assert AlertRecipient.objects.filter(alert=alert, user=demo_users["responder"]).count() == 1


def test_someone_coming_on_duty_after_the_alert_was_acknowledged_is_not_alerted(demo, demo_users):
    _duty_officer_alone(demo, demo_users)
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        shifts = rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        services.acknowledge(alert=alert, by=demo_users["responder"])
    shift = shifts[DutyRole.DUTY_OFFICER]
    services.hand_over_shift(
        shift=shift,
        to=demo_users["coordinator"],
        expected_revision=shift.revision,
        by=demo_users["coordinator"],
        at=raised + timedelta(minutes=5),
    )
    assert services.escalate_alerts(now=raised + timedelta(minutes=6)) == 0
    assert alerted(alert) == {"responder@example.org": "Duty officer"}


def test_someone_coming_on_duty_after_the_incident_was_closed_is_not_alerted(demo, demo_users):
    _duty_officer_alone(demo, demo_users)
    alert, handed_over = _alert_then_hand_over(demo, demo_users)
    Incident.objects.filter(pk=alert.incident_id).update(status=IncidentStatus.CLOSED)
    assert services.escalate_alerts(now=handed_over + timedelta(minutes=1)) == 0
    assert alerted(alert) == {"responder@example.org": "Duty officer"}


def _alert_with_a_deputy_after_ten_minutes(demo, demo_users):
    """An alert to the duty officer on the rota, under a policy that alerts the deputy ten minutes on."""
    services.set_escalation_policy(
        partnership=demo,
        after_minutes={DutyRole.DUTY_OFFICER: 0, DutyRole.DEPUTY: 10},
        by=demo_users["coordinator"],
    )
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        return raise_police_alert(demo, demo_users), raised


def test_a_step_taken_late_with_no_failure_says_on_the_timeline_how_late_it_was_taken(demo, demo_users):
    """The defect: a step the worker took 25 minutes late (it was not running) was written to the timeline
    as if taken at its time, 10 minutes after the alert."""
    alert, raised = _alert_with_a_deputy_after_ten_minutes(demo, demo_users)
    assert services.escalate_alerts(now=raised + timedelta(minutes=35)) == 1
    late = (
        "Taken 25 minutes late: no escalation run took it at its time (the alerts worker may have stopped)."
    )
    assert alert.steps.get(duty_role=DutyRole.DEPUTY).note == late
    timeline = [entry.text for entry in alert.incident.timeline.all()]
    assert (
        "No acknowledgement 10 minutes after the alert: escalated to the deputy duty officer. " + late
    ) in timeline
    assert sum(entry.count("minutes late") for entry in timeline) == 1


def test_a_step_not_taken_for_over_a_day_is_taken_when_the_worker_comes_back_and_says_how_late(
    demo, demo_users
):
    """The defect: the escalation looked only at alerts raised in the last day, so an alert still waiting
    when the alerts worker came back after a day or more was never escalated, and nothing said so."""
    alert, raised = _alert_with_a_deputy_after_ten_minutes(demo, demo_users)
    rota(demo, demo_users, now=raised + timedelta(days=1))  # the next day's shifts, the same people
    back = raised + timedelta(days=1, hours=2, minutes=10)
    assert services.escalate_alerts(now=back) == 1
    assert alerted(alert)["coordinator@example.org"] == "Deputy duty officer"
    late = "Taken 26 hours late: no escalation run took it at its time (the alerts worker may have stopped)."
    assert alert.steps.get(duty_role=DutyRole.DEPUTY).note == late
    assert services.escalate_alerts(now=back + timedelta(minutes=1)) == 0


def test_someone_coming_on_duty_a_day_after_an_alert_no_one_acknowledged_is_alerted(demo, demo_users):
    """The defect: whoever came on duty more than a day after the alert was never told of it, however long it
    had waited unacknowledged with its incident open."""
    _duty_officer_alone(demo, demo_users)
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    services.add_shift(
        partnership=demo,
        person=demo_users["coordinator"],
        role=DutyRole.DUTY_OFFICER,
        starts_at=raised + timedelta(hours=23),
        ends_at=raised + timedelta(hours=35),
        by=demo_users["coordinator"],
    )
    assert services.escalate_alerts(now=raised + timedelta(hours=25)) == 1
    assert alerted(alert)["coordinator@example.org"] == (
        "Came on duty as duty officer while the alert was waiting"
    )


def test_an_escalation_run_reads_as_many_rows_however_many_alerts_wait(demo, demo_users):
    """No alert drops out of the escalation with age, so a run must stay cheap however many wait: the steps
    and recipients of every waiting alert are read together, not alert by alert."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        raise_police_alert(demo, demo_users)
    sweep = raised + timedelta(minutes=5)
    with CaptureQueriesContext(connection) as one:
        assert services.escalate_alerts(now=sweep) == 0
    with time_machine.travel(raised, tick=False):
        for place in ("Market Square", "Mill Lane", "Quay Street"):
            raise_police_alert(demo, demo_users, where=place)
    with CaptureQueriesContext(connection) as four:
        assert services.escalate_alerts(now=sweep) == 0
    assert len(four) == len(one)


def test_a_step_taken_within_a_minute_or_so_of_its_time_says_nothing_of_being_late(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    assert services.escalate_alerts(now=raised + timedelta(minutes=11, seconds=30)) == 1
    assert alert.steps.get(duty_role=DutyRole.DEPUTY).note == ""


def test_a_second_acknowledgement_is_kept_but_the_first_stands(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    assert services.acknowledge(alert=alert, by=demo_users["responder"]) is True
    assert services.acknowledge(alert=alert, by=demo_users["coordinator"]) is False
    alert.refresh_from_db()
    assert alert.acknowledged_by == demo_users["responder"]


def _notify_answers(notify, *, busy: list[bool], handled: dict[str, list]):
    """Notify's stand-in: each text and email kept in ``handled`` by channel, answered 500 while ``busy``."""

    def answer(channel):
        def handler(request):
            handled[channel].append(json.loads(request.data))
            if busy[0]:
                return Response(json.dumps({"errors": [], "status_code": 500}), 500)
            return notify_accepts([])(request)

        return handler

    for channel in ("sms", "email"):
        notify.expect_request(f"/v2/notifications/{channel}", method="POST").respond_with_handler(
            answer(channel)
        )
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"notifications": [], "links": {}}
    )


def test_an_alert_text_waiting_for_its_retry_is_not_sent_once_a_colleague_acknowledges(
    demo, demo_users, notify, client_for
):
    """The duty officer's phone was off: their alert text failed its first try and waits for the next. Once a
    colleague acknowledges, it is not sent (nor the email), and every page showing it says why; a message
    about the same incident that is not the alert is still tried again."""
    busy, handled = [True], {"sms": [], "email": []}
    _notify_answers(notify, busy=busy, handled=handled)
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    meeting = messaging.send(
        kind="meeting_invitation",
        subject=f"{alert.incident.reference}: strategy meeting at 09:00",
        body="The strategy meeting is at 09:00.",
        recipients=[messaging.Recipient(label="Youth justice", email="yjs@example.org")],
        incident=alert.incident,
    )
    delivery.deliver_due_alerts()
    delivery.deliver_due()
    duty_officer = Delivery.objects.filter(recipient=demo_users["responder"])
    assert set(duty_officer.values_list("status", "attempts")) == {(DeliveryStatus.QUEUED, 1)}
    busy[0] = False
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    alerts_deliveries = Delivery.objects.filter(notification__in=alert.recipients.values("notification"))
    alerts_references = {f"delivery-{pk}" for pk in alerts_deliveries.values_list("pk", flat=True)}
    tried = {channel: len(requests) for channel, requests in handled.items()}
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        delivery.deliver_due_alerts()
        delivery.deliver_due()
    after = [sent for channel, requests in handled.items() for sent in requests[tried[channel] :]]
    assert not [sent for sent in after if sent["reference"] in alerts_references], "no alert after it"
    assert "yjs@example.org" in [sent.get("email_address") for sent in after]
    assert meeting.deliveries.get().status == DeliveryStatus.SENT
    assert set(duty_officer.values_list("status", flat=True)) == {DeliveryStatus.WITHDRAWN}
    assert messaging_selectors.failed_count(alert.incident_id) == 0
    client = client_for("coordinator")
    because = f"The alert was acknowledged by {demo_users['coordinator']}"
    for page in ("incidents:messages", "incidents:incident"):
        shown = client.get(reverse(page, args=[alert.incident.pk])).content.decode()
        assert because in shown, page
    log = client.get(reverse("messaging:log"), {"status": DeliveryStatus.WITHDRAWN}).content.decode()
    assert because in log and "Send again" not in log


def test_the_regions_duty_contacts_alert_waiting_for_its_retry_is_not_sent_once_the_alert_is_acknowledged(
    demo, demo_users, notify, client_for
):
    """The region's duty contact is told of every alert raised in its boroughs: their text and email failed
    their first try, and once someone acknowledges they are not sent, saying why, as the alert's own are
    not."""
    busy, handled = [True], {"sms": [], "email": []}
    _notify_answers(notify, busy=busy, handled=handled)
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    delivery.deliver_due_alerts()
    duty_contact = User.objects.get(email=DEMO_REGION_USERS[0].email)
    regions = Delivery.objects.filter(recipient=duty_contact, notification__kind="region_alert")
    assert set(regions.values_list("status", "attempts")) == {(DeliveryStatus.QUEUED, 1)}
    busy[0] = False
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    references = {f"delivery-{pk}" for pk in regions.values_list("pk", flat=True)}
    tried = {channel: len(requests) for channel, requests in handled.items()}
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        delivery.deliver_due_alerts()
    after = [sent for channel, requests in handled.items() for sent in requests[tried[channel] :]]
    assert not [sent for sent in after if sent["reference"] in references], "no region alert after it"
    assert set(regions.values_list("status", flat=True)) == {DeliveryStatus.WITHDRAWN}
    because = f"the alert was acknowledged by {demo_users['coordinator']}"
    assert regions.first().notification.withdrawn_because.startswith(because)


@pytest.mark.parametrize("how_the_send_ended", ["its worker stopped", "the mail server was busy"])
def test_an_alert_email_being_sent_as_its_recipient_leaves_the_team_is_not_tried_again_to_them(
    demo, demo_users, smtp_server, settings, how_the_send_ended
):
    """The defect: only the messages still waiting were withdrawn from someone who left the response team;
    one a worker was sending at that moment, tried again after its worker stopped or after a failure that
    may pass, was still sent to them, alert text, link and all."""
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    raise_police_alert(demo, demo_users)
    email = Delivery.objects.get(recipient=responder, channel="email")
    claimed_until = timezone.now() + (
        timedelta(seconds=-1) if how_the_send_ended == "its worker stopped" else timedelta(minutes=1)
    )
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_until=claimed_until
    )

    _removed(responder.memberships.get(partnership=demo), coordinator)
    if how_the_send_ended == "the mail server was busy":
        email.refresh_from_db()
        delivery.SENDER._record_retry(email, providers.TemporaryFailure("451 Try again later"))
        Delivery.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    delivery.deliver_due_alerts()

    email.refresh_from_db()
    assert responder.email not in {message["To"] for message in smtp_server.received}
    assert email.status == DeliveryStatus.WITHDRAWN
    assert "no longer on the partnership's response team" in email.last_error
    assert "An earlier try may have been sent." in email.last_error


def test_an_alert_email_a_stopped_worker_may_have_handed_to_the_mail_server_says_so_once_withdrawn(
    demo, demo_users, smtp_server, settings, client_for
):
    """A worker handed the duty officer's alert email to the mail server and stopped before recording it;
    then the alert was acknowledged. The mail server cannot be asked whether it took it: the email is not
    sent again, and shows as not sent with a note, on every page showing it, that an earlier try may have
    gone."""
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    email = Delivery.objects.get(recipient=demo_users["responder"], channel="email", status="queued")
    providers.send(email)
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    delivery.deliver_due_alerts()
    email.refresh_from_db()
    assert len(smtp_server.received) == 1, "not sent again"
    assert email.status == DeliveryStatus.WITHDRAWN
    assert "An earlier try may have been sent." in email.last_error
    client = client_for("coordinator")
    for page in (
        reverse("incidents:incident", args=[alert.incident.pk]),
        reverse("incidents:messages", args=[alert.incident.pk]),
        reverse("messaging:log") + f"?status={DeliveryStatus.WITHDRAWN}",
    ):
        shown = client.get(page).content.decode()
        assert "An earlier try may have been sent." in shown, page


def test_an_alert_email_whose_send_failed_as_the_alert_was_acknowledged_is_withdrawn_by_the_next_sweep(
    demo, demo_users, smtp_server, settings
):
    """The defect: the duty officer's alert email, at its sixth try when the alert was acknowledged, met a
    mail server asking to try later, and was put back to wait for a retry it was never to have: for the
    eight minutes of that wait (up to half an hour at a later try) the alert panel showed it to be tried
    again, and its acknowledgement link stayed in the stored message, until the sweep at that time withdrew
    it. It now waits for no retry: the alerts' next sweep, within a minute, withdraws it."""
    settings.SVTOOLKIT_SMS_PROVIDER = ""  # by email alone: its link goes once the email is withdrawn
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    email = Delivery.objects.get(recipient=demo_users["responder"], channel="email")
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=6,
        claimed_until=timezone.now() + timedelta(minutes=1),
        last_error="The mail server asked to try later: 451",
    )
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    email.refresh_from_db()
    delivery.SENDER._record_retry(
        email, providers.TemporaryFailure("The mail server asked to try later: 451")
    )

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        delivery.deliver_due_alerts()
    email.refresh_from_db()
    assert email.status == DeliveryStatus.WITHDRAWN
    assert "An earlier try may have been sent." in email.last_error
    assert smtp_server.received == []
    stored = Notification.objects.get(pk=email.notification_id)
    assert stored.secret == ""


def test_the_acknowledgement_link_is_removed_once_an_acknowledged_alerts_messages_can_no_longer_be_sent(
    demo, demo_users, notify
):
    """The duty officer's alert text failed for good (a number Notify refuses) while their email waited for a
    retry. Once the alert is acknowledged the email is not sent (the next sweep finds Notify did not take its
    earlier try), and the failed text cannot be sent again: the link's secret is no longer needed, and is
    taken out of the stored message."""
    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_json(
        {"errors": [{"error": "ValidationError", "message": "Not a UK mobile number"}], "status_code": 400},
        status=400,
    )
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_json(
        {"errors": [], "status_code": 500}, status=500
    )
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"notifications": [], "links": {}}
    )
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    delivery.deliver_due_alerts()
    recipient = alert.recipients.get(user=demo_users["responder"])
    token = token_of(recipient)
    statuses = set(recipient.notification.deliveries.values_list("channel", "status"))
    assert statuses == {("sms", DeliveryStatus.FAILED), ("email", DeliveryStatus.QUEUED)}
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    delivery.deliver_due_alerts()
    assert set(recipient.notification.deliveries.values_list("channel", "status")) == {
        ("sms", DeliveryStatus.FAILED),
        ("email", DeliveryStatus.WITHDRAWN),
    }
    stored = Notification.objects.get(pk=recipient.notification_id)
    assert stored.secret == "" and token not in stored.body + stored.sms_text


def test_a_failed_alert_message_is_not_sent_again_once_the_alert_is_acknowledged(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    failed = Delivery.objects.filter(recipient=demo_users["responder"]).first()
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, last_error="No such number")
    services.acknowledge(alert=alert, by=demo_users["coordinator"])
    with pytest.raises(DomainError, match="acknowledged by"):
        messaging.resend(delivery=failed, by=demo_users["coordinator"])
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("notify_answer", ["takes it", "is busy"])
def test_an_alert_text_being_sent_as_the_alert_is_acknowledged_is_sent_once_and_not_tried_again(
    demo, demo_users, notify, notify_answer
):
    """The worker claimed a text before the acknowledgement: it is the worker's to send, once, and recorded
    as sent; the alert's messages still waiting are not sent. Had Notify been busy, the text is not tried
    again."""
    if connection.vendor != "postgresql":
        pytest.skip("An acknowledgement committed while a worker sends needs two connections at once.")
    rota(demo, demo_users)
    sent, at_the_acknowledgement, errors = [], [], []
    duty_officers_number = demo_users["responder"].mobile_number

    def acknowledged_while_the_duty_officers_text_is_sent(request):
        if at_the_acknowledgement or json.loads(request.data)["phone_number"] != duty_officers_number:
            return notify_accepts(sent)(request)
        at_the_acknowledgement.append(json.loads(request.data)["reference"])
        try:
            services.acknowledge(alert=Alert.objects.get(), by=demo_users["coordinator"])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()
        if notify_answer == "is busy":
            return Response(json.dumps({"errors": [], "status_code": 500}), 500)
        return notify_accepts(sent)(request)

    notify.expect_request("/v2/notifications/sms", method="POST").respond_with_handler(
        acknowledged_while_the_duty_officers_text_is_sent
    )
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_handler(notify_accepts(sent))
    notify.expect_request("/v2/notifications", method="GET").respond_with_json(
        {"notifications": [], "links": {}}
    )
    alert = raise_police_alert(demo, demo_users)  # sent straight after the commit
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        delivery.deliver_due_alerts()
    assert errors == []
    [reference] = at_the_acknowledgement
    claimed = Delivery.objects.get(pk=reference.removeprefix("delivery-"))
    alerts = Delivery.objects.filter(notification__in=alert.recipients.values("notification"))
    assert claimed in alerts
    sent_again = [message for message in sent if message["reference"] == reference]
    if notify_answer == "takes it":
        assert claimed.status == DeliveryStatus.SENT and len(sent_again) == 1, "sent once, and recorded"
    else:
        assert claimed.status == DeliveryStatus.WITHDRAWN and not sent_again, "not tried again"
    others = alerts.exclude(pk=claimed.pk)
    assert others and set(others.values_list("status", flat=True)) == {DeliveryStatus.WITHDRAWN}
    assert not {f"delivery-{pk}" for pk in others.values_list("pk", flat=True)} & {
        m["reference"] for m in sent
    }


@pytest.mark.django_db(transaction=True)
def test_two_escalation_runs_at_once_alert_each_step_once(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    later = raised + timedelta(minutes=11)
    taken, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            with time_machine.travel(later, tick=False):
                taken.append(services.escalate_alerts())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert errors == []
    assert sorted(taken) == [0, 1]
    assert AlertStep.objects.filter(alert=alert, duty_role="deputy").count() == 1
    assert AlertRecipient.objects.filter(alert=alert, user=demo_users["coordinator"]).count() == 1
    assert Notification.objects.filter(dedupe_key__startswith=f"alert:{alert.pk}:").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_escalation_runs_at_once_alert_someone_who_came_on_duty_once(demo, demo_users):
    _duty_officer_alone(demo, demo_users)
    alert, handed_over = _alert_then_hand_over(demo, demo_users)
    sweep = handed_over + timedelta(minutes=1)
    # On PostgreSQL both runs have found the newcomer not alerted and wait for the alert's row together.
    with held_until_both_wait(Alert.objects.filter(pk=alert.pk)):
        runs = [in_thread(lambda: services.escalate_alerts(now=sweep)) for _ in range(2)]
    for thread, _outcome in runs:
        thread.join(WAIT)
    outcomes = [outcome for _thread, outcome in runs]
    assert [outcome.get("error") for outcome in outcomes] == [None, None]
    assert sorted(outcome["result"] for outcome in outcomes) == [0, 1]
    coordinator = demo_users["coordinator"]
    assert AlertRecipient.objects.filter(alert=alert, user=coordinator).count() == 1
    assert Notification.objects.filter(dedupe_key=f"alert:{alert.pk}:user:{coordinator.pk}").count() == 1
    assert Delivery.objects.filter(recipient=coordinator).count() == 2


# --- Leading and the launch protocol -------------------------------------------------------------------


def test_accepting_the_lead_acknowledges_names_the_lead_and_moves_to_assessing(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    lead = services.accept_lead(
        alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
    )
    alert.refresh_from_db()
    assert (lead.officer, lead.organisation.kind) == (responder, "council")
    assert alert.acknowledged_by == responder and alert.lead_accepted_by == responder
    assert alert.incident.status == IncidentStatus.ASSESSING
    with pytest.raises(DomainError):
        services.accept_lead(alert=alert, by=demo_users["coordinator"], organisation=lead.organisation)


@pytest.mark.parametrize("route", ["I will lead", "the Lead page"])
def test_the_first_lead_named_either_way_moves_the_alerted_incident_on_to_assessing(demo, demo_users, route):
    """The defect: a lead named on the Lead page left the incident "Alerted", as if nobody had taken it."""
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    organisation = access.lead_organisation_of(responder, demo)
    if route == "I will lead":
        services.accept_lead(alert=alert, by=responder, organisation=organisation)
    else:
        incident_services.assign_lead(
            incident=alert.incident,
            organisation=organisation,
            officer=responder,
            by=demo_users["coordinator"],
        )
    incident = Incident.objects.get(pk=alert.incident_id)
    assert incident.status == IncidentStatus.ASSESSING
    assert incident.timeline.filter(text="Status: Alerted → Assessing.").count() == 1
    # A handover later leaves the status where the response has taken it.
    moved_to(incident, IncidentStatus.RESPONDING, by=responder)
    coordinator = demo_users["coordinator"]
    incident_services.assign_lead(
        incident=incident,
        organisation=access.lead_organisation_of(coordinator, demo),
        officer=coordinator,
        by=coordinator,
    )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESPONDING


def categorise(incident, by, *, young_person=True, serious_violence=True):
    factors = ["young_person"] if young_person else []
    return categorise_incident(incident, by, factors=factors, serious_violence=serious_violence)


def test_categorising_after_the_lead_is_taken_informs_the_partners_the_category_calls_for(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    services.accept_lead(alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo))
    categorise(alert.incident, responder)
    participations = {
        p.organisation.kind: p
        for p in alert.incident.participations.select_related("organisation", "contact")
    }
    # The shipped protocol: the police always; hospital and youth groups for serious violence; schools,
    # children's social care and youth justice for a young person. The council leads.
    assert set(participations) == {
        "council",
        "police",
        "health_hospital",
        "voluntary",
        "education",
        "childrens_social_care",
        "youth_justice",
    }
    informed = {kind for kind, p in participations.items() if p.informed_at}
    assert informed == {"police", "health_hospital", "voluntary", "education", "childrens_social_care"}
    assert participations["police"].contact.name == "Detective Inspector Ruth Adeyemi"
    assert any(
        "No contact with an email address for: Northbridge Youth Justice Service" in entry.text
        for entry in alert.incident.timeline.all()
    )
    # Categorised as not serious violence, a second time: nothing more is called for.
    categorise(alert.incident, responder, young_person=False, serious_violence=False)
    assert alert.incident.participations.count() == 7


def test_the_launch_protocol_waits_for_a_lead_taken_from_the_alert(demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    categorise(alert.incident, demo_users["responder"])
    # The police (who raised it) and the partnership's own lead organisation, taking part from the start.
    assert [p.organisation.kind for p in alert.incident.participations.select_related("organisation")] == [
        "police",
        "council",
    ]


def launch_protocol_lines(incident) -> int:
    return incident.timeline.filter(text__startswith="Launch protocol:").count()


def partner_notices(incident) -> int:
    return Notification.objects.filter(incident=incident, kind="partner_notice").count()


def test_taking_the_lead_after_the_categorisation_runs_the_launch_protocol_once(demo, demo_users):
    """The defect: an incident categorised before "I will lead" never had its partners added or told."""
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    categorise(alert.incident, responder)
    assert partner_notices(alert.incident) == 0
    services.accept_lead(alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo))
    informed = {
        p.organisation.kind
        for p in alert.incident.participations.select_related("organisation")
        if p.informed_at is not None
    }
    assert informed == {"police", "health_hospital", "voluntary", "education", "childrens_social_care"}
    assert (launch_protocol_lines(alert.incident), partner_notices(alert.incident)) == (1, 5)
    # The same category again informs nobody a second time.
    categorise(alert.incident, responder)
    assert partner_notices(alert.incident) == 5


def test_a_young_victim_recorded_after_the_categorisation_brings_in_and_tells_the_partners_it_calls_for(
    demo, demo_users
):
    """The defect: the launch protocol ran only on a categorisation or a lead taken, so the partners that a
    fact learned later calls for (a young victim: schools and children's social care) were never told."""
    from tests.incidents.builders import demo_person

    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    services.accept_lead(alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo))
    categorise(alert.incident, responder, young_person=False)

    def informed():
        return {
            p.organisation.kind
            for p in alert.incident.participations.select_related("organisation")
            if p.informed_at is not None
        }

    assert "education" not in informed()
    lines = launch_protocol_lines(alert.incident)
    demo_person(alert.incident, responder)  # a victim of 16 or 17
    assert {"education", "childrens_social_care"} <= informed()
    assert launch_protocol_lines(alert.incident) == lines + 1
    # A fact that calls for no one new says nothing more.
    incident_services.redraw_plan(incident=alert.incident, by=responder, reason="a scene was added")
    assert launch_protocol_lines(alert.incident) == lines + 1


def test_a_lead_named_on_the_lead_page_takes_the_alert_and_the_next_categorisation_launches(demo, demo_users):
    """The defect: naming a colleague as lead of an alerted incident left the alert unacknowledged (the
    escalation went on) and no categorisation ever ran the launch protocol."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    with time_machine.travel(raised + timedelta(minutes=5), tick=False):
        incident_services.assign_lead(
            incident=alert.incident,
            organisation=access.lead_organisation_of(responder, demo),
            officer=responder,
            by=coordinator,
        )
        categorise(alert.incident, coordinator)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.lead_accepted_by) == (coordinator, responder)
    assert (launch_protocol_lines(alert.incident), partner_notices(alert.incident)) == (1, 5)
    with time_machine.travel(raised + timedelta(minutes=30), tick=False):
        assert services.escalate_alerts() == 0
    # A handover later is not a new start: nobody is told again.
    incident_services.assign_lead(
        incident=alert.incident,
        organisation=access.lead_organisation_of(coordinator, demo),
        officer=coordinator,
        by=coordinator,
    )
    assert (launch_protocol_lines(alert.incident), partner_notices(alert.incident)) == (1, 5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL")
@pytest.mark.parametrize("route", ["I will lead", "the Lead page"])
def test_a_lead_and_a_categorisation_at_once_both_go_through_and_launch_once(demo, demo_users, route):
    """Both lock the incident and then its alert, in that order: neither waits for the other for ever."""
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    organisation = access.lead_organisation_of(responder, demo)
    errors = []

    def lead():
        if route == "I will lead":
            services.accept_lead(alert=alert, by=responder, organisation=organisation)
        else:
            incident_services.assign_lead(
                incident=alert.incident, organisation=organisation, officer=responder, by=coordinator
            )

    def run(work):
        try:
            work()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    both = [
        threading.Thread(target=run, args=(lead,)),
        threading.Thread(target=run, args=(lambda: categorise(alert.incident, coordinator),)),
    ]
    with held_until_both_wait(Alert.objects.filter(pk=alert.pk)):
        for thread in both:
            thread.start()
    for thread in both:
        thread.join()
    assert errors == []
    incident = Incident.objects.get(pk=alert.incident_id)
    assert incident.status == IncidentStatus.ASSESSING
    assert Alert.objects.get(pk=alert.pk).lead_accepted_by == responder
    assert (launch_protocol_lines(incident), partner_notices(incident)) == (1, 5)


def _waiting_for_a_lock_or_done(thread) -> None:
    with connection.cursor() as cursor:
        for _ in range(500):
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] or not thread.is_alive():
                return
            time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("acknowledging", ["the link", "an escalation step"])
def test_an_acknowledgement_or_a_step_while_a_lead_is_named_both_go_through(demo, demo_users, acknowledging):
    """Naming a lead locks the incident, then its alert; whatever else locks the alert must not then wait for
    the incident, or PostgreSQL ends one of the two as a deadlock (the lead's page fails)."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks and deadlocks are PostgreSQL's.")
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    recipient = alert.recipients.get(user=demo_users["responder"])

    def acknowledge():
        if acknowledging == "the link":
            return services.acknowledge(alert=alert, by=recipient.user, recipient=recipient, via="link")
        with time_machine.travel(raised + timedelta(minutes=11), tick=False):
            return services._take_step(alert_id=alert.pk, step=Step(DutyRole.DEPUTY, 10), now=timezone.now())

    with transaction.atomic():
        incident = Incident.objects.get(pk=alert.incident_id)
        incident_services.locked_incidents().get(pk=incident.pk)  # what naming a lead does first
        thread, outcome = in_thread(acknowledge)
        _waiting_for_a_lock_or_done(thread)
        assert services._locked_alert(incident) is not None  # and then
    thread.join(WAIT)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]


def test_a_partnerships_own_protocol_starts_from_the_shipped_one(demo, demo_users):
    coordinator = demo_users["coordinator"]
    youth_justice = demo.organisations.get(kind="youth_justice")
    rule = services.add_launch_rule(
        partnership=demo, category="serious_violence", organisation=youth_justice, by=coordinator
    )
    stored = selectors.launch_rules(demo)
    assert len(stored) == 1 + len(services.default_launch_rules())
    services.remove_launch_rule(rule=rule, by=coordinator)
    names = {o.name for o in selectors.organisations_called_for(demo, {"serious_violence"})}
    assert "Northbridge Youth Justice Service" not in names
    with pytest.raises(DomainError):
        services.add_launch_rule(partnership=demo, category="serious_violence", by=coordinator)


def test_an_escalation_policy_must_alert_someone_at_once(demo, demo_users):
    coordinator = demo_users["coordinator"]
    with pytest.raises(DomainError) as error:
        services.set_escalation_policy(
            partnership=demo, after_minutes={"duty_officer": 5, "deputy": 15}, by=coordinator
        )
    assert error.value.field == "duty_officer"
    services.set_escalation_policy(
        partnership=demo,
        after_minutes={"duty_officer": 0, "deputy": 5, "senior_manager": None},
        by=coordinator,
    )
    assert [(s.duty_role, s.after_minutes) for s in selectors.escalation_steps(demo)] == [
        ("duty_officer", 0),
        ("deputy", 5),
    ]


def test_an_alerted_incident_moves_on_but_nothing_moves_back_to_alerted(demo, demo_users):
    rota(demo, demo_users)
    incident = raise_police_alert(demo, demo_users).incident
    responder = demo_users["responder"]
    moved_to(incident, IncidentStatus.REPORTED, by=responder)
    with pytest.raises(DomainError):
        moved_to(incident, IncidentStatus.ALERTED, by=responder)
    other = raise_police_alert(demo, demo_users).incident
    categorise(other, responder)
    other.refresh_from_db()
    assert other.status == IncidentStatus.ASSESSING


# --- Updates ---------------------------------------------------------------------------------------------


def test_those_alerted_hear_of_police_measures_added_and_lifted(
    demo, demo_users, django_capture_on_commit_callbacks
):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    scene = alert.incident.scenes.get()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        cordon = measures_services.add_measure(
            scene=scene,
            by=demo_users["police"],
            kind="cordon",
            description="Inner cordon, Station Road from the bus stop to the school gates",
            area="Northbridge Central",
            latitude=None,
            longitude=None,
            starts_at=now,
            ends_at=None,
            authorised_by="Insp B. Osei",
        )
    with django_capture_on_commit_callbacks(execute=True):
        measures_services.lift_measure(measure=cordon, by=demo_users["police"])
    added, lifted = Notification.objects.filter(kind="alert_update").order_by("id")
    assert added.subject.startswith(f"UPDATE {alert.incident.reference}: Cordon in place")
    assert "Inner cordon, Station Road" in added.body and "Insp B. Osei" in added.body
    assert "Cordon lifted" in lifted.subject and "No police measures are in place now" in lifted.body
    alerted = set(AlertRecipient.objects.filter(alert=alert).values_list("user__email", flat=True))
    assert set(added.deliveries.values_list("address", flat=True)) >= alerted
    assert set(added.deliveries.values_list("channel", flat=True)) == {"email", "sms"}


def _close_station_road(scene, *, by):
    return measures_services.add_measure(
        scene=scene,
        by=by,
        kind="road_closure",
        description="Station Road closed",
        area="",
        latitude=None,
        longitude=None,
        starts_at=timezone.now(),
        ends_at=None,
        authorised_by="",
    )


def test_the_update_on_a_measure_is_queued_with_the_measure_not_after_it(
    demo, demo_users, django_capture_on_commit_callbacks
):
    """A worker that stops between the measure's commit and anything run after it loses no update."""
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    with django_capture_on_commit_callbacks(execute=False):
        _close_station_road(alert.incident.scenes.get(), by=demo_users["police"])
    update = Notification.objects.get(kind="alert_update")
    assert update.deliveries.exists()


def test_an_exercises_measure_update_says_exercise_first_as_its_alert_did(
    demo, demo_users, django_capture_on_commit_callbacks
):
    """Woken at 02:00 by "UPDATE ...: Cordon in place", nobody should take a rehearsal for a real incident."""
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users, is_exercise=True)
    assert Notification.objects.get(kind="incident_alert").subject.startswith("EXERCISE ALERT")
    with django_capture_on_commit_callbacks(execute=True):
        _close_station_road(alert.incident.scenes.get(), by=demo_users["police"])
    update = Notification.objects.get(kind="alert_update")
    assert update.subject.startswith(f"EXERCISE UPDATE {alert.incident.reference}: Road closure in place")
    assert update.sms_text.startswith(f"EXERCISE UPDATE {alert.incident.reference}: Road closure in place")

    hospital = demo.organisations.get(kind="health_hospital")
    contact = Contact.objects.create(
        organisation=hospital, name="Dr Ana Sousa", email="vrt@hospital.example.org"
    )
    incident_services.add_participant(
        incident=alert.incident, organisation=hospital, contact=contact, by=demo_users["responder"]
    )
    incident_services.inform_partners(incident=alert.incident, by=demo_users["responder"])
    assert Notification.objects.get(kind="partner_notice").subject.startswith(
        f"EXERCISE {alert.incident.reference}:"
    )


def test_a_measure_update_goes_to_those_the_alert_reached_not_to_one_whose_alert_was_withdrawn(
    demo, demo_users, settings, django_capture_on_commit_callbacks
):
    """The deputy's alert was still waiting when the duty officer acknowledged, so it was never sent: a
    cordon added at 03:00 does not wake them with an update of an alert they never had."""
    settings.SVTOOLKIT_EMAIL_PROVIDER = settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    duty_officer, deputy = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    delivery.deliver_due_alerts()
    services.escalate_alerts(now=timezone.now() + timedelta(minutes=12))
    deputys = Delivery.objects.filter(recipient=deputy, notification__kind="incident_alert")
    assert deputys.exists()
    services.acknowledge(alert=alert, by=duty_officer)
    assert set(deputys.values_list("status", flat=True)) == {DeliveryStatus.WITHDRAWN}

    with django_capture_on_commit_callbacks(execute=True):
        _close_station_road(alert.incident.scenes.get(), by=demo_users["police"])

    update = Notification.objects.get(kind="alert_update")
    assert set(update.deliveries.values_list("recipient", flat=True)) == {duty_officer.pk}


def test_an_incident_not_raised_as_an_alert_sends_no_measure_update(
    demo, demo_users, django_capture_on_commit_callbacks
):
    from tests.incidents.builders import demo_incident

    incident, _ = demo_incident(demo, demo_users)
    with django_capture_on_commit_callbacks(execute=True):
        _close_station_road(incident.scenes.get(), by=demo_users["responder"])
    assert not Notification.objects.filter(kind="alert_update").exists()


def test_an_alert_whose_text_runs_over_two_lines_is_emailed_with_the_text_on_one_line_of_the_subject(
    demo, demo_users, mailoutbox
):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users, what="Stabbing\r\nat the bus stop\x0b\t")
    delivery.deliver_due_alerts()
    email = next(m for m in mailoutbox if m.to == ["responder@example.org"])
    assert email.subject == f"ALERT {alert.incident.reference}: Stabbing at the bus stop"
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {"sent"}


# --- Partners within the hour --------------------------------------------------------------------------


def partners_reminders(incident) -> list[tuple[str, set]]:
    """Each reminder that no partner was told: its text message and who it went to."""
    return [
        (reminder.sms_text, {delivery.recipient.email for delivery in reminder.deliveries.all()})
        for reminder in Notification.objects.filter(incident=incident, kind="partners_not_told")
    ]


def test_an_alert_taken_with_no_partner_told_three_quarters_of_an_hour_on_reminds_who_took_it_once(
    demo, demo_users
):
    """The defect: an alert acknowledged but never categorised, or given no lead, told no partner, and nobody
    was reminded: the hour in which partners are to hear went by in silence."""
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    with time_machine.travel(raised + timedelta(minutes=3), tick=False):
        services.acknowledge(alert=alert, by=responder)
    with time_machine.travel(raised + timedelta(minutes=44, seconds=59), tick=False):
        assert services.remind_partners_not_told() == 0
    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert services.remind_partners_not_told() == 1
        assert services.remind_partners_not_told() == 0
    due = f"{timezone.localtime(raised + timedelta(hours=1)):%H:%M}"
    [(text, to)] = partners_reminders(alert.incident)
    assert to == {responder.email}
    assert f"no partner told yet; they are to hear by {due}. Waiting for a categorisation and a lead." in text
    reminder = Notification.objects.get(incident=alert.incident, kind="partners_not_told")
    assert f"/incidents/{alert.incident_id}/categorise/" in reminder.body
    assert f"/incidents/{alert.incident_id}/lead/" in reminder.body
    assert reminder.urgency == "alert"
    assert alert.incident.timeline.filter(
        text=f"No partner told 45 minutes after the alert: reminded {responder}."
    ).exists()
    with time_machine.travel(raised + timedelta(hours=3), tick=False):
        assert services.remind_partners_not_told() == 0


def test_no_one_is_reminded_of_partners_once_the_launch_protocol_has_told_them(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        responder = demo_users["responder"]
        services.accept_lead(
            alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
        )
        categorise(alert.incident, responder)
    with time_machine.travel(raised + timedelta(minutes=50), tick=False):
        assert services.remind_partners_not_told() == 0
    assert partners_reminders(alert.incident) == []


def test_partners_whose_every_notice_failed_are_not_told_and_whoever_took_the_alert_is_reminded(
    demo, demo_users, smtp_server
):
    """The defect: a notice the mail server refused counted as the partner told, so once the launch
    protocol had sent its notices the alert panel said nothing was missing and nobody was reminded, though
    no partner had heard of the incident (informing partners, for its part, knew they had not: it sends such
    a notice again)."""
    raised = timezone.now().replace(second=0, microsecond=0)
    responder = demo_users["responder"]
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        services.accept_lead(
            alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
        )
        smtp_server.mode = "reject"
        categorise(alert.incident, responder)
        delivery.deliver_due()
    incident = alert.incident
    sent = incident.participations.filter(notice__isnull=False).select_related("organisation")
    names = sorted(participation.organisation.name for participation in sent)
    assert names and all(d.status == DeliveryStatus.FAILED for p in sent for d in p.notice.deliveries.all())
    alert.refresh_from_db()
    waiting = selectors.partners_not_told(alert=alert, incident=incident, now=raised + timedelta(minutes=61))
    assert waiting is not None and waiting["overdue"]
    assert waiting["waiting_for"] == "" and waiting["not_reached"] == names

    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert services.remind_partners_not_told() == 1
    [(text, to)] = partners_reminders(incident)
    assert to == {responder.email}
    reminder = Notification.objects.get(incident=incident, kind="partners_not_told")
    assert f"The notice to {', '.join(names)} reached no one" in " ".join(reminder.body.split())
    assert "reached no one" in text

    # Sent again and taken by the mail server: they are told.
    smtp_server.mode = "accept"
    with time_machine.travel(raised + timedelta(minutes=50), tick=False):
        incident_services.inform_partners(incident=incident, by=responder)
        delivery.deliver_due()
    assert selectors.partners_not_told(alert=alert, incident=incident) is None


def test_the_reminder_names_what_is_still_missing_and_goes_to_the_lead_and_whoever_acknowledged(
    demo, demo_users
):
    raised = timezone.now()
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        services.acknowledge(alert=alert, by=coordinator)
        services.accept_lead(
            alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
        )
    with time_machine.travel(raised + timedelta(minutes=46), tick=False):
        assert services.remind_partners_not_told() == 1
    [(text, to)] = partners_reminders(alert.incident)
    assert to == {coordinator.email, responder.email}
    assert "Waiting for a categorisation." in text


def test_the_reminder_goes_to_the_lead_as_handed_over_not_the_first(demo, demo_users):
    raised = timezone.now()
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        services.accept_lead(
            alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
        )
        incident_services.assign_lead(
            incident=alert.incident,
            organisation=access.lead_organisation_of(coordinator, demo),
            officer=coordinator,
            by=coordinator,
        )
    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert services.remind_partners_not_told() == 1
    [(_, to)] = partners_reminders(alert.incident)
    assert to == {coordinator.email, responder.email}  # the lead now, and who acknowledged


def test_an_alert_no_one_took_reminds_the_coordinators_of_the_partners_not_told(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        alert = raise_police_alert(demo, demo_users)
    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert services.remind_partners_not_told() == 1
    [(_, to)] = partners_reminders(alert.incident)
    assert to == {person.email for person in selectors.coordinators_of(demo)}


def test_an_alert_waiting_over_a_day_with_no_partner_told_still_reminds_the_coordinators(demo, demo_users):
    """The defect: the reminder looked only at alerts raised in the last day, so with the alerts worker
    stopped for longer nobody was ever reminded that no partner had been told."""
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        alert = raise_police_alert(demo, demo_users)
    with time_machine.travel(raised + timedelta(days=1, minutes=1), tick=False):
        assert services.remind_partners_not_told() == 1
        assert services.remind_partners_not_told() == 0
    [(_, to)] = partners_reminders(alert.incident)
    assert to == {person.email for person in selectors.coordinators_of(demo)}
    noted = "No partner told 24 hours after the alert"
    assert alert.incident.timeline.filter(text__startswith=noted).exists()


def test_a_closed_incident_is_not_reminded_of_partners(demo, demo_users):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        alert = raise_police_alert(demo, demo_users)
    Incident.objects.filter(pk=alert.incident_id).update(status=IncidentStatus.CLOSED)
    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert services.remind_partners_not_told() == 0


def test_an_alerts_messages_still_waiting_are_not_sent_once_its_incident_is_closed_unacknowledged(
    demo, demo_users, client
):
    """The defect: closing an incident nobody acknowledged left its alert's texts and emails waiting (a worker
    stopped, a phone off and retried), and the next sweep sent them, with a link that no longer works, though
    nobody more is alerted once an incident is closed. Now closing withdraws them, saying why."""
    from svtoolkit.alerts.models import AlertRecipient
    from tests.alerts.builders import token_of
    from tests.recovery.test_after import closed

    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    waiting = Delivery.objects.filter(recipient=responder)
    assert waiting.count() == 2 and {d.status for d in waiting} == {DeliveryStatus.QUEUED}
    token = token_of(AlertRecipient.objects.get(alert=alert, user=responder))

    closed(alert.incident, coordinator)  # moved on, reviewed and closed: never acknowledged
    delivery.deliver_due_alerts()

    assert client.get(reverse("alerts:acknowledge", args=[token])).status_code == 404
    assert {d.status for d in waiting.all()} == {DeliveryStatus.WITHDRAWN}
    assert "the incident was closed" in Notification.objects.get(deliveries__in=waiting[:1]).withdrawn_because


def test_the_regions_duty_contacts_alert_still_waiting_is_not_sent_once_its_incident_is_closed_unacknowledged(
    demo, demo_users
):
    """The defect: closing an incident nobody acknowledged withdrew its alert's own texts and emails but not
    the region's duty contacts' (only an acknowledgement did), so the next sweep told the region of an alert
    on an incident already closed."""
    from tests.recovery.test_after import closed

    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    duty_contact = User.objects.get(email=DEMO_REGION_USERS[0].email)
    regions = Delivery.objects.filter(recipient=duty_contact, notification__kind="region_alert")
    assert regions.exists() and {d.status for d in regions} == {DeliveryStatus.QUEUED}

    closed(alert.incident, demo_users["coordinator"])
    delivery.deliver_due_alerts()

    assert {d.status for d in regions.all()} == {DeliveryStatus.WITHDRAWN}
    assert regions.first().notification.withdrawn_because.startswith("the incident was closed")
