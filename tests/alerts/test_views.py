"""The alert and rota pages: who may use them, what they change, and bad input shown and refused."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import User
from svtoolkit.accounts.services import change_membership, remove_member
from svtoolkit.alerts import services as alert_services
from svtoolkit.alerts.models import (
    Alert,
    AlertListMember,
    DutyRole,
    DutyShift,
    EscalationPolicy,
    LaunchProtocol,
)
from svtoolkit.alerts.services import add_to_alert_list, escalate_alerts
from svtoolkit.incidents.models import Incident, IncidentStatus
from svtoolkit.messaging.delivery import deliver_due, deliver_due_alerts
from svtoolkit.messaging.models import Delivery, DeliveryStatus
from tests.alerts.builders import categorise, raise_police_alert, rota, token_of
from tests.factories import MembershipFactory
from tests.page_forms import form_on, refused_without_revision, saved_from_two_pages
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db


def words_of(page) -> str:
    """The page's text, its tags taken out and its spaces run together."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def alert_form(**changes):
    form = {
        "what": "Stabbing outside Northbridge Academy",
        "where": "Station Road bus stop",
        "occurred_at": local(timezone.now() - timedelta(minutes=5)),
        "how_they_know": "I am at the scene.",
        "callback_number": "07700 900013",
    }
    form.update(changes)
    return form


# --- Raising -------------------------------------------------------------------------------------------


def test_a_police_partner_asking_to_record_an_incident_is_given_the_alert_form(client_for, demo):
    """The defect: a police partner was refused (403) "Record an incident" and could not report at all."""
    client = client_for("police")
    response = client.get(reverse("incidents:record"))
    assert response.status_code == 302
    assert response["Location"] == reverse("alerts:raise")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Raise an incident alert" in page.content.decode()
    assert "Raise an incident alert" in client.get(reverse("incidents:list")).content.decode()


def test_a_police_partner_raises_an_alert_from_the_form_and_sees_the_incident(client_for, demo, demo_users):
    rota(demo, demo_users)
    client = client_for("police")
    response = client.post(reverse("alerts:raise"), alert_form())
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident", args=[alert.incident_id])
    page = client.get(response["Location"]).content.decode()
    assert "Not acknowledged yet" in page
    assert "Rosa Delgado" in page and "Duty officer" in page
    assert "Text message" in page and "Email" in page
    assert alert.incident.status == IncidentStatus.ALERTED


@pytest.mark.parametrize(
    "change, message",
    [
        ({"what": ""}, "Say what happened"),
        ({"where": ""}, "Say where it happened"),
        ({"occurred_at": "yesterday"}, "Enter a real date and time"),
        ({"callback_number": "ring me"}, "Enter a phone number, like 07700 900123"),
        ({"latitude": "51.5"}, "Give both the latitude and the longitude, or neither"),
        ({"occurred_at": local(timezone.now() + timedelta(hours=2))}, "cannot be in the future"),
    ],
)
def test_bad_input_on_the_alert_form_is_shown_and_changes_nothing(client_for, demo, change, message):
    response = client_for("police").post(reverse("alerts:raise"), alert_form(**change))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not Incident.objects.exists()


@pytest.mark.parametrize("role", ["responder", "health", "viewer"])
def test_members_whose_organisation_may_not_report_are_refused_the_alert_form(client_for, demo, role):
    assert client_for(role).post(reverse("alerts:raise"), alert_form()).status_code == 403
    assert not Incident.objects.exists()


def test_a_coordinator_lets_an_organisation_raise_alerts_on_its_edit_page(client_for, demo, demo_users):
    hospital = demo.organisations.get(kind="health_hospital")
    client = client_for("coordinator")
    form = client.get(reverse("partnerships:organisation_edit", args=[hospital.pk])).content.decode()
    assert "Its members may raise incident alerts" in form
    response = client.post(
        reverse("partnerships:organisation_edit", args=[hospital.pk]),
        {
            "name": hospital.name,
            "kind": hospital.kind,
            "may_report_incidents": "on",
            "owner": demo_users["coordinator"].pk,
            "review_due": "1/1/2030",
            "revision": hospital.revision,
        },
    )
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.may_report_incidents
    assert client_for("health").get(reverse("alerts:raise")).status_code == 200


# --- Acknowledging and leading -------------------------------------------------------------------------


def test_the_link_in_the_alert_acknowledges_with_one_button_and_no_sign_in(client, demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    url = reverse("alerts:acknowledge", args=[token_of(alert.recipients.get())])
    page = client.get(url).content.decode()
    assert "Acknowledge the alert" in page
    assert Alert.objects.get().acknowledged_at is None, "opening the link acknowledges nothing"
    done = client.post(url).content.decode()
    assert "Acknowledged" in done
    alert.refresh_from_db()
    assert alert.acknowledged_by == demo_users["responder"]
    assert client.get(reverse("alerts:acknowledge", args=["not-a-token"])).status_code == 404


def test_the_link_of_someone_removed_since_they_were_alerted_no_longer_stops_the_escalation(
    client, demo, demo_users
):
    raised = timezone.now()
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    url = reverse("alerts:acknowledge", args=[token_of(alert.recipients.get(user=responder))])
    remove_member(membership=responder.memberships.get(partnership=demo), by=coordinator)
    refused = client.post(url)
    assert refused.status_code == 404
    assert "no longer works" in refused.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert alert.recipients.get(user=responder).acknowledged_at is None
    with time_machine.travel(raised + timedelta(minutes=11), tick=False):
        assert escalate_alerts() == 1
    assert alert.recipients.get(step__duty_role=DutyRole.DEPUTY).user == coordinator


def test_the_duty_officer_acknowledges_on_the_incident_page_then_takes_the_lead(client_for, demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    client = client_for("responder")
    page = client.get(reverse("incidents:incident", args=[alert.incident_id])).content.decode()
    assert "Acknowledge the alert" in page and "I will lead the response" in page
    client.post(reverse("alerts:acknowledge_here", args=[alert.incident_id]))
    alert.refresh_from_db()
    assert alert.acknowledged_by == demo_users["responder"]
    response = client.post(reverse("alerts:accept_lead", args=[alert.incident_id]))
    assert response["Location"] == reverse("incidents:categorise", args=[alert.incident_id])
    alert.refresh_from_db()
    assert alert.lead_accepted_by == demo_users["responder"]
    assert alert.incident.leads.get().officer == demo_users["responder"]


def test_the_incident_page_shows_a_duty_officer_with_no_mobile_number_was_not_texted(
    client_for, demo, demo_users
):
    duty_officer = demo_users["responder"]
    duty_officer.mobile_number = ""
    duty_officer.save(update_fields=["mobile_number"])
    coordinator = demo_users["coordinator"]
    coordinator.mobile_number = "07700 900456"
    coordinator.save(update_fields=["mobile_number"])
    rota(demo, demo_users)
    add_to_alert_list(partnership=demo, user=coordinator, by=coordinator)
    alert = raise_police_alert(demo, demo_users)
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    alerted = words[words.index("Who was alerted") :]
    duty_officers_row = alerted[alerted.index(f"{duty_officer} Duty officer") :]
    assert (
        duty_officers_row.index("Email:")
        < duty_officers_row.index("Text message: Not sent they had no mobile number when they were alerted")
        < duty_officers_row.index("Has not acknowledged")
    )
    coordinators_row = alerted[alerted.index(f"{coordinator} Alert list") :]
    assert "Text message:" in coordinators_row
    assert "Not sent" not in coordinators_row[: coordinators_row.index("acknowledged")]


def test_the_incident_page_shows_an_escalation_step_not_taken_after_its_time_as_overdue(
    client_for, demo, demo_users
):
    """The defect: with no escalation run at all (no alerts worker running), the panel went on saying who was
    next and when, a time long gone, with no warning."""
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    due = f"{timezone.localtime(raised + timedelta(minutes=10)):%H:%M}"
    with time_machine.travel(raised + timedelta(minutes=11), tick=False):
        page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
        assert f"Next: the deputy duty officer at {due}." in words_of(page)  # the next run may yet take it
    with time_machine.travel(raised + timedelta(minutes=25), tick=False):
        page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = words_of(page)
    assert (
        f"Escalation to the deputy duty officer is overdue: it was due at {due} and has not been taken."
        in words
    )
    assert "Next: the deputy duty officer" not in words
    assert f"the deputy duty officer at {due} (overdue)" in words


def test_the_incident_page_shows_an_escalation_that_keeps_failing_not_a_next_step_gone_by(
    client_for, demo, demo_users, monkeypatch
):
    """The defect: while each escalation attempt failed, the alert panel still said who was next and when, a
    time long gone, as if all were well."""
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    alert_people = alert_services._alert_people

    def refused(*args, **kwargs):
        raise RuntimeError("Jo Bloggs's phone 07700 900999 refused the message")

    monkeypatch.setattr(alert_services, "_alert_people", refused)
    for minute in (10, 11, 12):
        with time_machine.travel(raised + timedelta(minutes=minute), tick=False):
            escalate_alerts()
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    due, last_try = (f"{timezone.localtime(raised + timedelta(minutes=m)):%H:%M}" for m in (10, 12))
    assert (
        f"Escalation to the deputy duty officer is overdue: it was due at {due}, and the last attempt, at "
        f"{last_try}, failed (RuntimeError): 3 attempts in a row have failed. It is tried again each minute; "
        "until it goes through, ring them: the rota has their number." in words
    )
    assert "Next: the deputy duty officer" not in words
    assert f"Still to come unless someone acknowledges: the deputy duty officer at {due} (overdue)" in words
    assert "Jo Bloggs" not in words and "07700 900999" not in words

    monkeypatch.setattr(alert_services, "_alert_people", alert_people)
    with time_machine.travel(raised + timedelta(minutes=13), tick=False):
        assert escalate_alerts() == 1
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "is overdue" not in words
    assert "After 10 minutes: Taken 3 minutes late: the 3 attempts before it failed (RuntimeError)." in words


def test_a_closed_incidents_alert_panel_promises_no_escalation_step_still_to_come(
    client_for, demo, demo_users
):
    """The defect: an incident closed before anyone acknowledged its alert kept saying "Next: the deputy duty
    officer at ..." and "Still to come unless someone acknowledges", long after that time, though the
    escalation stops at closing and nobody more will be alerted. Now a closed incident's panel lists no step
    to come."""
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
    closed(alert.incident, demo_users["coordinator"])
    assert escalate_alerts(now=raised + timedelta(minutes=11)) == 0
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "Raised at" in words
    assert "Next: the deputy duty officer" not in words
    assert "Still to come unless someone acknowledges" not in words


def test_the_incident_page_shows_that_whoever_came_on_duty_has_not_been_alerted_until_they_are(
    client_for, demo, demo_users, monkeypatch
):
    """The defect: when alerting whoever came on duty while the alert waited failed, it was only logged, so
    the panel never said the incoming duty officer had not heard of the alert. It says so, apart from the
    steps' own escalation, until the sweep alerts them."""
    coordinator = demo_users["coordinator"]
    alert_services.set_escalation_policy(
        partnership=demo, after_minutes={DutyRole.DUTY_OFFICER: 0}, by=coordinator
    )
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        shift = rota(demo, demo_users)[DutyRole.DUTY_OFFICER]
        alert = raise_police_alert(demo, demo_users)
    alert_services.hand_over_shift(
        shift=shift,
        to=coordinator,
        expected_revision=shift.revision,
        by=coordinator,
        at=raised + timedelta(minutes=5),
    )
    alert_people = alert_services._alert_people

    def refused(*args, **kwargs):
        raise RuntimeError("Jo Bloggs's phone 07700 900999 refused the message")

    monkeypatch.setattr(alert_services, "_alert_people", refused)
    for minute in (6, 7):
        with time_machine.travel(raised + timedelta(minutes=minute), tick=False):
            assert escalate_alerts() == 0
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = words_of(page)
    last_try = f"{timezone.localtime(raised + timedelta(minutes=7)):%H:%M}"
    assert (
        "Whoever came on duty as duty officer while the alert was waiting has not been alerted: the last "
        f"attempt, at {last_try}, failed (RuntimeError): 2 attempts in a row have failed. It is tried again "
        "each minute; until it goes through, ring them: the rota has their number." in words
    )
    assert "The escalation is failing" not in words and "is overdue" not in words
    assert "Jo Bloggs" not in words

    monkeypatch.setattr(alert_services, "_alert_people", alert_people)
    alerted_at = raised + timedelta(minutes=8)
    with time_machine.travel(alerted_at, tick=False):
        assert escalate_alerts() == 1
    page = client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
    words = words_of(page)
    assert "has not been alerted" not in words
    assert (
        f"{coordinator} came on duty as duty officer while the alert was waiting, and was alerted at "
        f"{timezone.localtime(alerted_at):%H:%M}, after 2 failed attempts (RuntimeError)." in words
    )
    assert "Came on duty as duty officer while the alert was waiting" in words


def test_naming_the_lead_on_the_lead_page_acknowledges_the_alert_and_takes_the_lead(
    client_for, demo, demo_users
):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    responder = demo_users["responder"]
    client = client_for("coordinator")
    organisation = responder.memberships.get(partnership=demo).organisation_id
    client.post(
        reverse("incidents:lead", args=[alert.incident_id]),
        {"organisation": organisation, "officer": responder.pk},
    )
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.lead_accepted_by) == (demo_users["coordinator"], responder)
    page = client.get(reverse("incidents:incident", args=[alert.incident_id])).content.decode()
    assert "I will lead the response" not in page
    assert f"{responder} took the lead at" in page


def test_who_may_acknowledge_and_lead_on_the_incident_page(client_for, demo, demo_users):
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    incident_id = alert.incident_id
    # The police partner who raised it sees it, but neither acknowledges nor leads for the council.
    assert (
        client_for("police").post(reverse("alerts:acknowledge_here", args=[incident_id])).status_code == 403
    )
    assert client_for("police").post(reverse("alerts:accept_lead", args=[incident_id])).status_code == 403
    # The health partner does not see the incident at all.
    assert (
        client_for("health").post(reverse("alerts:acknowledge_here", args=[incident_id])).status_code == 404
    )
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.lead_accepted_at is None


# --- The rota and the alerting set-up ------------------------------------------------------------------


def test_every_member_sees_who_is_on_duty_now_and_next(client_for, demo, demo_users):
    rota(demo, demo_users)
    page = client_for("police").get(reverse("alerts:rota")).content.decode()
    assert "Rosa Delgado" in page and "07700 900999" in page
    assert "Add a shift" not in page


def test_every_member_reads_how_an_alert_escalates_in_words(client_for, demo):
    """The defect: the rota page's "How an alert escalates" named each step's duty role by its code ("the
    duty_officer at once ... the senior_manager after 20 minutes")."""
    section = words_of(client_for("police").get(reverse("alerts:rota"))).split("How an alert escalates")[1]
    assert "duty_officer" not in section and "senior_manager" not in section
    assert "goes to: the duty officer at once" in section


def test_a_coordinator_adds_a_shift(client_for, demo, demo_users):
    starts = timezone.now() + timedelta(days=1)
    response = client_for("coordinator").post(
        reverse("alerts:shift_add"),
        {
            "person": demo_users["responder"].pk,
            "role": "duty_officer",
            "starts_at": local(starts),
            "ends_at": local(starts + timedelta(hours=12)),
            "out_of_hours_number": "020 7946 0199",
        },
    )
    assert response.status_code == 302
    assert DutyShift.objects.get().person == demo_users["responder"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"person": ""}, "Choose who is on duty"),
        ({"role": ""}, "Choose the duty role"),
        ({"ends_at": local(timezone.now())}, "The shift must end after it starts"),
        ({"out_of_hours_number": "none"}, "Enter a phone number"),
    ],
)
def test_a_shift_with_bad_input_is_refused_and_changes_nothing(client_for, demo, demo_users, change, message):
    starts = timezone.now() + timedelta(days=1)
    form = {
        "person": demo_users["responder"].pk,
        "role": "duty_officer",
        "starts_at": local(starts),
        "ends_at": local(starts + timedelta(hours=12)),
        **change,
    }
    response = client_for("coordinator").post(reverse("alerts:shift_add"), form)
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert not DutyShift.objects.exists()


def test_a_partner_cannot_be_put_on_the_rota(client_for, demo, demo_users):
    starts = timezone.now()
    response = client_for("coordinator").post(
        reverse("alerts:shift_add"),
        {
            "person": demo_users["police"].pk,
            "role": "duty_officer",
            "starts_at": local(starts),
            "ends_at": local(starts + timedelta(hours=8)),
        },
    )
    assert "There is a problem" in response.content.decode()
    assert not DutyShift.objects.exists()


def test_a_coordinator_hands_over_and_covers_shifts(client_for, demo, demo_users):
    shifts = rota(demo, demo_users)
    client = client_for("coordinator")
    duty = shifts["duty_officer"]
    url = reverse("alerts:shift_handover", args=[duty.pk])
    response = client.post(
        url,
        form_on(client.get(url), having="note")
        | {"to": demo_users["coordinator"].pk, "note": "Going off sick."},
    )
    assert response.status_code == 302
    assert DutyShift.objects.filter(handed_over_from=duty, person=demo_users["coordinator"]).exists()
    deputy = shifts["deputy"]
    response = client.post(
        reverse("alerts:shift_cover", args=[deputy.pk]),
        {
            "person": demo_users["responder"].pk,
            "starts_at": local(timezone.now() + timedelta(hours=2)),
            "ends_at": local(timezone.now() + timedelta(hours=3)),
        },
    )
    assert response.status_code == 302
    assert DutyShift.objects.filter(covers=deputy).count() == 1


def test_a_handover_from_a_page_opened_before_someone_elses_handover_is_refused_and_keeps_what_was_typed(
    client_for, demo, demo_users
):
    later = timezone.now() + timedelta(days=2)
    shift = rota(demo, demo_users, now=later)[
        "duty_officer"
    ]  # not started yet: a handover replaces its person
    client = client_for("coordinator")
    url = reverse("alerts:shift_handover", args=[shift.pk])
    one, other = form_on(client.get(url), having="note"), form_on(client.get(url), having="note")
    client.post(url, one | {"to": demo_users["coordinator"].pk, "note": "I will take it."})

    colleague = MembershipFactory(partnership=demo, role="responder").user
    refused = client.post(url, other | {"to": colleague.pk, "note": "Sam covers it."})
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed this shift while you were editing it" in page
    assert "Sam covers it." in page and f'value="{colleague.pk}" selected' in page
    shift.refresh_from_db()
    assert (shift.person, shift.note) == (demo_users["coordinator"], "I will take it.")
    client.post(url, form_on(refused, having="note"))  # handed over again, now knowing of the first
    shift.refresh_from_db()
    assert (shift.person, shift.note) == (colleague, "Sam covers it.")


def test_a_handover_sent_without_the_shifts_revision_keeps_a_colleagues_handover(
    client_for, demo, demo_users
):
    shift = rota(demo, demo_users, now=timezone.now() + timedelta(days=2))["duty_officer"]
    colleague = MembershipFactory(partnership=demo, role="responder").user
    refused_without_revision(
        client_for("coordinator"),
        reverse("alerts:shift_handover", args=[shift.pk]),
        first={"to": demo_users["coordinator"].pk, "note": "I will take it."},
        second={"to": colleague.pk, "note": "Sam covers it."},
        having="note",
    )
    shift.refresh_from_db()
    assert (shift.person, shift.note) == (demo_users["coordinator"], "I will take it.")


def test_the_responder_cannot_change_the_rota(client_for, demo, demo_users):
    shifts = rota(demo, demo_users)
    client = client_for("responder")
    assert client.post(reverse("alerts:shift_add"), {}).status_code == 403
    assert client.post(reverse("alerts:shift_handover", args=[shifts["deputy"].pk]), {}).status_code == 403
    assert client.post(reverse("alerts:escalation"), {"duty_officer": "0"}).status_code == 403
    assert client.post(reverse("alerts:protocol"), {"category": "any"}).status_code == 403
    assert DutyShift.objects.count() == 2 and not EscalationPolicy.objects.exists()


def test_a_coordinator_keeps_the_alert_list(client_for, demo, demo_users):
    client = client_for("coordinator")
    client.post(reverse("alerts:alert_list"), {"user": demo_users["responder"].pk})
    entry = AlertListMember.objects.get()
    again = client.post(reverse("alerts:alert_list"), {"user": demo_users["responder"].pk}).content.decode()
    assert "is on the alert list already" in again
    refused = client.post(reverse("alerts:alert_list"), {"user": demo_users["viewer"].pk}).content.decode()
    assert "There is a problem" in refused
    client.post(reverse("alerts:alert_list_remove", args=[entry.pk]))
    assert not AlertListMember.objects.exists()


def test_a_coordinator_sets_the_escalation_policy_and_must_alert_someone_at_once(client_for, demo):
    client = client_for("coordinator")
    page = client.post(reverse("alerts:escalation"), {"duty_officer": "5", "deputy": "10"}).content.decode()
    assert "There is a problem" in page and "give 0 minutes for at least one role" in page
    assert not EscalationPolicy.objects.exists()
    client.post(reverse("alerts:escalation"), {"duty_officer": "0", "deputy": "5", "senior_manager": ""})
    assert sorted(EscalationPolicy.objects.get().steps.values_list("duty_role", "after_minutes")) == [
        ("deputy", 5),
        ("duty_officer", 0),
    ]


def test_the_admin_refuses_an_escalation_policy_that_alerts_no_one_at_once(client, demo):
    """The defect: the Django admin saved a policy the policy page refuses, and new alerts reached no one."""
    from tests.accounts.builders import signed_in_superuser

    signed_in_superuser(client)
    url = reverse("admin:alerts_escalationpolicy_add")
    form = form_on(client.get(url), having="steps-TOTAL_FORMS") | {
        "partnership": str(demo.pk),
        "steps-TOTAL_FORMS": "1",
        "steps-0-duty_role": "duty_officer",
        "steps-0-after_minutes": "5",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "give 0 minutes for at least one role" in refused.content.decode()
    assert not EscalationPolicy.objects.exists()
    refused = client.post(url, form | {"steps-TOTAL_FORMS": "0"})
    assert refused.status_code == 200 and "Someone must be alerted at once" in refused.content.decode()
    assert client.post(url, form | {"steps-0-after_minutes": "0"}).status_code == 302
    assert list(EscalationPolicy.objects.get().steps.values_list("duty_role", "after_minutes")) == [
        ("duty_officer", 0)
    ]

    policy = EscalationPolicy.objects.get()
    change = reverse("admin:alerts_escalationpolicy_change", args=[policy.pk])
    opened = form_on(client.get(change), having="steps-TOTAL_FORMS")
    refused = client.post(change, opened | {"steps-0-after_minutes": "300"})
    assert refused.status_code == 200 and "from 0 to 240" in refused.content.decode()
    assert policy.steps.get().after_minutes == 0


def test_two_coordinators_changing_the_escalation_policy_at_once_keep_both_changes(client_for, demo):
    client = client_for("coordinator")
    url = reverse("alerts:escalation")
    # The first save of the partnership's own policy, and a second page opened before it.
    saved_from_two_pages(client, url, first={"deputy": "7"}, second={"senior_manager": "30"})
    steps = dict(EscalationPolicy.objects.get().steps.values_list("duty_role", "after_minutes"))
    assert (steps["deputy"], steps["senior_manager"]) == (7, 30)


def test_an_escalation_policy_saved_without_its_revision_keeps_a_colleagues_change(client_for, demo):
    client = client_for("coordinator")
    url = reverse("alerts:escalation")
    client.post(url, form_on(client.get(url), having="revision"))  # the shipped default, saved as the own
    refused_without_revision(client, url, first={"deputy": "7"}, second={"deputy": "45"})
    steps = dict(EscalationPolicy.objects.get().steps.values_list("duty_role", "after_minutes"))
    assert steps["deputy"] == 7


def test_the_launch_protocol_is_shown_to_members_and_kept_by_coordinators(client_for, demo):
    assert (
        "Every police organisation" in client_for("viewer").get(reverse("alerts:protocol")).content.decode()
    )
    client = client_for("coordinator")
    refused = client.post(
        reverse("alerts:protocol"), {"category": "cross_borough", "organisation_kind": "", "organisation": ""}
    ).content.decode()
    assert "Choose a kind of organisation or one organisation" in refused
    assert not LaunchProtocol.objects.exists()
    client.post(reverse("alerts:protocol"), {"category": "cross_borough", "organisation_kind": "housing"})
    rules = LaunchProtocol.objects.get().rules
    assert rules.filter(category="cross_borough", organisation_kind="housing").exists()
    client.post(reverse("alerts:protocol_remove", args=[rules.get(category="cross_borough").pk]))
    assert not rules.filter(category="cross_borough").exists()


@pytest.mark.parametrize(
    "since_alerted",
    [
        "nothing",
        "removed",
        "working in another partnership",
        "made a partner",
        "made a viewer",
        "switched off",
    ],
)
def test_alerts_waiting_on_the_home_page_are_shown_only_to_the_response_team_they_went_to(
    client_for, demo, demo_users, other_partnership, since_alerted
):
    """Whoever is no longer on that partnership's response team no longer sees its alerts at home (nor their
    incidents' titles): they could no longer acknowledge them, and a partner may not see the incident."""
    rota(demo, demo_users)
    raise_police_alert(demo, demo_users)
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    southmoor, _ = other_partnership
    MembershipFactory(user=responder, partnership=southmoor)
    client = client_for("responder")
    membership = responder.memberships.get(partnership=demo)
    if since_alerted == "removed":
        remove_member(membership=membership, by=coordinator)
    elif since_alerted == "working in another partnership":
        client.post(reverse("accounts:switch_partnership"), {"partnership": southmoor.pk})
    elif since_alerted in {"made a partner", "made a viewer"}:
        change_membership(
            membership=membership,
            role=since_alerted.removeprefix("made a "),
            organisation=membership.organisation,
            expected_revision=membership.revision,
            by=coordinator,
        )
    elif since_alerted == "switched off":
        User.objects.filter(pk=responder.pk).update(is_active=False)
    page = client.get(reverse("core:home")).content.decode()
    assert ("Alerts waiting for you" in page) == (since_alerted == "nothing")


@pytest.mark.parametrize("is_exercise", [True, False])
def test_an_exercise_alert_waiting_on_the_home_page_is_marked_as_an_exercise(
    client_for, demo, demo_users, is_exercise
):
    """The defect: the home page's "Alerts waiting for you", the first thing the duty officer opens, showed an
    exercise alert as a real incident, though every other place it reaches marks it as an exercise."""
    rota(demo, demo_users)
    raise_police_alert(demo, demo_users, is_exercise=is_exercise)
    page = client_for("responder").get(reverse("core:home")).content.decode()
    waiting = page.split('id="waiting-alerts-title"', 1)[1].split("</ul>", 1)[0]
    assert ("Exercise" in waiting) == is_exercise, waiting


@pytest.mark.parametrize("how", ["no one could be reminded", "every message of the reminder failed"])
def test_the_alert_panel_does_not_say_those_who_took_the_alert_were_reminded_when_the_reminder_reached_no_one(
    client_for, demo, demo_users, smtp_server, how
):
    """The defect: the panel said "Those who took the alert were reminded at …" when no one could be reminded
    (every coordinator switched off, no lead, no one acknowledged), and when every email and text of the
    reminder failed."""
    raised = timezone.now().replace(second=0, microsecond=0)
    responder = demo_users["responder"]
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        if how == "every message of the reminder failed":
            User.objects.filter(pk=responder.pk).update(mobile_number="")
            alert_services.acknowledge(alert=alert, by=User.objects.get(pk=responder.pk))
    coordinators = [person.pk for person in alert_services.selectors.coordinators_of(demo)]
    if how == "no one could be reminded":
        User.objects.filter(pk__in=coordinators).update(is_active=False)
    smtp_server.mode = "reject"
    with time_machine.travel(raised + timedelta(minutes=45), tick=False):
        assert alert_services.remind_partners_not_told() == 1
        deliver_due_alerts()
    User.objects.filter(pk__in=coordinators).update(is_active=True)

    with time_machine.travel(raised + timedelta(minutes=50), tick=False):
        words = words_of(
            client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id]))
        )

    at = f"{timezone.localtime(raised + timedelta(minutes=45)):%H:%M}"
    assert "were reminded at" not in words
    said = {
        "no one could be reminded": f"At {at} no one who took the alert, nor any coordinator, could be "
        "reminded.",
        "every message of the reminder failed": f"The reminder sent at {at} reached no one: every message of "
        "it failed.",
    }
    assert said[how] in words


def test_the_incident_page_says_by_when_partners_are_to_hear_and_warns_once_the_hour_is_gone(
    client_for, demo, demo_users
):
    """The defect: the alert panel said nothing of the partners, so an acknowledged alert waiting for its
    categorisation and lead let the hour in which partners are to hear go by unseen."""
    raised = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(raised, tick=False):
        rota(demo, demo_users)
        alert = raise_police_alert(demo, demo_users)
        alert_services.acknowledge(alert=alert, by=demo_users["responder"])
    due = f"{timezone.localtime(raised + timedelta(hours=1)):%H:%M}"
    page_of = reverse("incidents:incident", args=[alert.incident_id])
    with time_machine.travel(raised + timedelta(minutes=50), tick=False):
        alert_services.remind_partners_not_told()
        words = words_of(client_for("coordinator").get(page_of))
    reminded = f"{timezone.localtime(raised + timedelta(minutes=50)):%H:%M}"
    assert (
        f"No partner has been told yet: they are to hear by {due}, an hour after the alert. They are told "
        "once the incident has a categorisation and a lead: categorise it and name the lead" in words
    )
    assert f"Those who took the alert were reminded at {reminded}." in words
    with time_machine.travel(raised + timedelta(minutes=61), tick=False):
        words = words_of(client_for("coordinator").get(page_of))
    assert (
        f"Warning No partner has been told yet: they were to hear by {due}, an hour after the alert." in words
    )


def test_the_incident_page_names_the_partners_whose_notice_reached_no_one(
    client_for, demo, demo_users, smtp_server
):
    """The defect: once the launch protocol had sent its notices the panel said nothing of the partners,
    though every one of them had been refused by the mail server and no partner had heard."""
    responder = demo_users["responder"]
    rota(demo, demo_users)
    alert = raise_police_alert(demo, demo_users)
    alert_services.accept_lead(
        alert=alert, by=responder, organisation=access.lead_organisation_of(responder, demo)
    )
    smtp_server.mode = "reject"
    categorise(alert.incident, responder, young_person=False)
    deliver_due()
    sent = alert.incident.participations.filter(notice__isnull=False)
    names = ", ".join(sorted(sent.values_list("organisation__name", flat=True)))
    words = words_of(client_for("coordinator").get(reverse("incidents:incident", args=[alert.incident_id])))
    assert "No partner has been told yet" in words
    assert f"The notice to {names} reached no one: every email to them failed." in words


def test_the_alert_panel_shows_an_alert_message_that_keeps_failing_not_one_on_its_way(
    client_for, demo, demo_users, smtp_server
):
    """The defect: an alert email the mail server kept turning away showed on the alert panel as Queued, as
    a message not tried yet does, until it was given up on (an hour and a half later for an alert): nothing
    there said the duty officer had not got it."""
    duty_officer = demo_users["responder"]
    rota(demo, demo_users)
    smtp_server.mode = "defer"
    alert = raise_police_alert(demo, demo_users)
    page_of = reverse("incidents:incident", args=[alert.incident_id])
    assert "Email: Queued Text message: Queued Has not acknowledged" in words_of(
        client_for("coordinator").get(page_of)
    )

    deliver_due_alerts()
    email = Delivery.objects.get(recipient=duty_officer, channel="email", notification__kind="incident_alert")
    assert (email.status, email.attempts) == (DeliveryStatus.QUEUED, 1)
    words = words_of(client_for("coordinator").get(page_of))
    row = words[words.index(f"{duty_officer} Duty officer") :]
    retry = f"{timezone.localtime(email.next_attempt_at):%H:%M}"
    assert row.startswith(
        f"{duty_officer} Duty officer Alerted at {timezone.localtime(alert.raised_at):%H:%M}, at once Email: "
        f"Not sent yet 1 try failed, trying again at {retry} Text message: Delivered Has not acknowledged"
    )
    assert "Email: Queued" not in row
    assert "451" not in words, "the mail server's answer, which may name the address, is in the log"
