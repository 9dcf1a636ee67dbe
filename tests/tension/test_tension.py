from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from svtoolkit.core.errors import DomainError
from svtoolkit.incidents.models import Incident
from svtoolkit.messaging.models import DeliveryStatus
from svtoolkit.tension import selectors, services
from svtoolkit.tension.scale import scale
from tests.incidents.builders import demo_incident, left_the_partnership
from tests.recovery.test_after import closed
from tests.tension.builders import led_incident, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(demo, demo_users):
    return led_incident(demo, demo_users)


def test_rising_past_the_alert_level_tells_the_lead_once(
    incident, demo_users, django_capture_on_commit_callbacks
):
    police = demo_users["police"]
    with django_capture_on_commit_callbacks(execute=True):
        assert record(incident, police, 2, hours_ago=48)[1] is False
        assert record(incident, police, 3, hours_ago=24)[1] is False
        assert record(incident, police, 4, hours_ago=2)[1] is True
        assert record(incident, police, 5, hours_ago=1)[1] is False  # already past it
    assert [message.to for message in mail.outbox] == [["responder@example.org"]]
    assert "tension in Northbridge Central is now 4" in mail.outbox[0].subject
    assert incident.timeline.filter(text__contains="past the alert level of 4").count() == 1


def test_a_late_report_of_an_earlier_time_does_not_alert_the_lead_again(
    incident, demo_users, django_capture_on_commit_callbacks
):
    police = demo_users["police"]
    with django_capture_on_commit_callbacks(execute=True):
        record(incident, police, 2, hours_ago=3)
        assert record(incident, police, 4, hours_ago=1)[1] is True
        # Recorded now, of what was seen two hours ago: the area's latest reading is still the 4.
        assert record(incident, police, 5, hours_ago=2)[1] is False
    assert [message.to for message in mail.outbox] == [["responder@example.org"]]
    assert incident.notifications.filter(kind="tension_alert").count() == 1
    assert incident.timeline.filter(text="Tension in Northbridge Central: 5 (Critical).").exists()
    assert selectors.trends(incident)[0].latest.level == 4


def test_the_lead_is_alerted_by_text_as_well_at_any_hour(
    incident, demo_users, settings, django_capture_on_commit_callbacks
):
    settings.SVTOOLKIT_SMS_PROVIDER = "outbox"
    lead = demo_users["responder"]
    lead.mobile_number, lead.quiet_from, lead.quiet_until = "07700900123", time(0, 0), time(23, 59)
    lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        record(incident, demo_users["police"], 4, hours_ago=1)
    alert = incident.notifications.get(kind="tension_alert")
    assert sorted(alert.deliveries.values_list("channel", "status")) == [
        ("email", DeliveryStatus.SENT),
        ("sms", DeliveryStatus.DELIVERED),
    ]
    assert "is now 4" in alert.sms_text and "/tension/" in alert.sms_text


def test_with_no_lead_the_timeline_says_no_one_was_alerted(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    record(incident, demo_users["police"], 4, hours_ago=1)
    assert incident.timeline.filter(text__endswith="No lead officer is named to tell.").exists()
    assert not incident.notifications.exists()


def test_a_lead_who_has_left_the_partnership_is_not_alerted(demo, demo_users, other_partnership):
    incident = led_incident(demo, demo_users)
    responder = demo_users["responder"]
    left_the_partnership(responder, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    assert record(incident, demo_users["police"], 4, hours_ago=1).lead_told is False
    assert incident.timeline.filter(text__endswith="No lead officer is named to tell.").exists()
    assert not incident.notifications.exists()


def test_a_reading_past_the_alert_level_says_whether_the_lead_was_told(client_for, demo, demo_users):
    reading = {
        "area": "Northbridge Central",
        "area_kind": "ward",
        "level": "4",
        "source": "Neighbourhood policing team",
        "confidence": "medium",
        "observed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    client = client_for("police")
    no_lead, _ = demo_incident(demo, demo_users)
    page = client.post(reverse("tension:record", args=[no_lead.pk]), reading, follow=True).content.decode()
    assert "the lead has been told" not in page
    assert "No lead officer is named to tell: nobody was alerted." in page

    led = led_incident(demo, demo_users)
    page = client.post(reverse("tension:record", args=[led.pk]), reading, follow=True).content.decode()
    assert "Tension is past the alert level; the lead has been told." in page


def test_each_area_has_its_own_trend(incident, demo_users):
    record(incident, demo_users["police"], 2, hours_ago=5, area="Eastgate estate")
    record(incident, demo_users["police"], 4, hours_ago=4)
    record(incident, demo_users["police"], 3, hours_ago=1, area="eastgate estate")
    trends = selectors.trends(incident)
    assert [t.area for t in trends] == ["Northbridge Central", "Eastgate estate"]  # alerts first
    assert trends[1].chart_data()["values"] == [2, 3]
    assert trends[0].chart_data()["alert"] == scale()["alert_at"]


def test_an_area_with_accented_letters_typed_in_another_case_is_the_same_area_and_alerts_once(
    incident, demo_users, django_capture_on_commit_callbacks
):
    police = demo_users["police"]
    with django_capture_on_commit_callbacks(execute=True):
        assert record(incident, police, 4, hours_ago=4, area="Élan Estate").crossed is True
        # Past the alert level already, whatever the case of the É.
        assert record(incident, police, 5, hours_ago=3, area="élan estate").crossed is False
        assert record(incident, police, 2, hours_ago=2, area="ÉLAN ESTATE").crossed is False
        # Back past the alert level, typed in small letters, its accent as a letter and a separate mark.
        assert record(incident, police, 5, hours_ago=1, area="e\u0301lan  estate").crossed is True
    assert [message.to for message in mail.outbox] == [["responder@example.org"]] * 2
    trends = selectors.trends(incident)
    assert [(t.area, t.chart_data()["values"]) for t in trends] == [("Élan Estate", [4, 5, 2, 5])]


def test_suggested_actions_go_into_the_plan(client_for, incident, demo_users):
    record(incident, demo_users["police"], 4)
    client = client_for("responder")
    page = client.get(reverse("tension:overview", args=[incident.pk])).content.decode()
    first = scale()["suggested_actions"][0]["title"]
    assert first in page
    client.post(reverse("tension:add_action", args=[incident.pk, 0]))
    assert incident.actions.filter(title=first).exists()
    client.post(reverse("tension:add_action", args=[incident.pk, 99]))
    assert incident.actions.count() == 2


def test_a_suggested_action_is_refused_when_no_area_is_at_the_alert_level(client_for, incident, demo_users):
    """The defect: the suggestions, offered only while an area is at or past the alert level, were put in the
    plan when none was (a page opened before tension fell, a form sent again), their guidance saying tension
    "rose past the alert level"."""
    record(incident, demo_users["police"], 4, hours_ago=2)
    record(incident, demo_users["police"], 2, hours_ago=1)  # back below the alert level
    with pytest.raises(DomainError, match="not at the alert level in any area") as refused:
        services.add_suggested_action(incident=incident, by=demo_users["responder"], index=0)
    assert "Nothing was added to the plan" in str(refused.value)
    response = client_for("responder").post(reverse("tension:add_action", args=[incident.pk, 0]), follow=True)
    assert "Nothing was added to the plan" in response.content.decode()
    assert not incident.actions.filter(title=scale()["suggested_actions"][0]["title"]).exists()


def test_a_suggested_action_still_open_in_the_plan_is_not_added_again(client_for, incident, demo_users):
    """The defect: a suggestion could be put in the plan twice (by two people, or one clicking again from a
    page opened earlier), each copy reminded and escalated to its owner. While one is open the page says it is
    in the plan and adding it again is refused; once it is done it may be added again if tension rises."""
    record(incident, demo_users["police"], 4)
    first = scale()["suggested_actions"][0]["title"]
    services.add_suggested_action(incident=incident, by=demo_users["responder"], index=0)
    with pytest.raises(DomainError, match="already in the plan"):
        services.add_suggested_action(incident=incident, by=demo_users["coordinator"], index=0)
    response = client_for("responder").post(reverse("tension:add_action", args=[incident.pk, 0]), follow=True)
    page = response.content.decode()
    assert f"“{first}” is already in the plan" in page
    assert page.count(f'Add to the plan<span class="govuk-visually-hidden">: {first}') == 0
    assert incident.actions.filter(title=first).count() == 1
    incident.actions.filter(title=first).update(status="done")
    services.add_suggested_action(incident=incident, by=demo_users["responder"], index=0)
    assert incident.actions.filter(title=first).count() == 2


def test_the_page_has_a_table_of_the_charted_figures(client_for, incident, demo_users):
    record(incident, demo_users["police"], 2, hours_ago=3)
    record(incident, demo_users["police"], 3, hours_ago=1)
    content = client_for("viewer").get(reverse("tension:overview", args=[incident.pk])).content.decode()
    assert 'data-chart-source="trend-data-1"' in content
    assert 'id="trend-data-1" type="application/json"' in content
    assert content.count('govuk-table__cell--numeric">2 (Unsettled)') == 1
    assert "3 (Raised)" in content


def test_each_reading_is_dated_with_its_year(client_for, incident, demo_users):
    """The defect: the readings' table gave day, month and time only, so a trend running over a new year read
    as out of order, or as this year's."""
    reading = record(incident, demo_users["police"], 3).reading
    observed = timezone.make_aware(datetime(2025, 12, 31, 23, 30))
    type(reading).objects.filter(pk=reading.pk).update(observed_at=observed)
    content = client_for("viewer").get(reverse("tension:overview", args=[incident.pk])).content.decode()
    assert '<td class="govuk-table__cell">31 Dec 2025 23:30</td>' in content


def test_a_readings_notes_are_shown_with_it(client_for, incident, demo_users):
    """The defect: the notes typed with a reading (what the officer saw and heard) were kept but shown
    nowhere on the tension page, so whoever read the trend never saw them. Now each reading's row shows
    them, and a reading without notes shows a dash."""
    services.record_reading(
        incident=incident,
        by=demo_users["police"],
        area="Northbridge Central",
        area_kind="ward",
        level=3,
        indicators=[],
        source="Neighbourhood policing team",
        confidence="high",
        notes="Group of young men gathering outside the chicken shop after school.",
        observed_at=timezone.now() - timedelta(hours=1),
    )
    record(incident, demo_users["police"], 2)
    page = client_for("viewer").get(reverse("tension:overview", args=[incident.pk]))
    content = page.content.decode()
    assert '<th scope="col" class="govuk-table__header">Notes</th>' in content
    assert "Group of young men gathering outside the chicken shop after school." in content


def test_a_closed_incident_offers_no_reading_to_record_nor_action_to_add(client_for, incident, demo_users):
    record(incident, demo_users["police"], 4)
    client = client_for("responder")
    overview = reverse("tension:overview", args=[incident.pk])
    offered = [
        reverse("tension:record", args=[incident.pk]),
        reverse("tension:add_action", args=[incident.pk, 0]),
    ]
    page = client.get(overview).content.decode()
    assert all(link in page for link in offered)
    closed(incident, demo_users["responder"])
    page = client.get(overview).content.decode()
    assert [link for link in offered if link in page] == []  # each would be refused


def test_a_reading_from_a_clock_a_little_fast_is_taken_and_one_further_ahead_is_refused():
    """The defect: a reading sent with its device's time 30 seconds ahead of the server's was refused as in
    the future, where an incident or an alert is given five minutes' grace for a fast clock."""
    services.check_observed_at(observed_at=timezone.now() + timedelta(seconds=30))
    with pytest.raises(DomainError, match="cannot be in the future"):
        services.check_observed_at(observed_at=timezone.now() + timedelta(minutes=6))


def test_bad_readings_are_explained(client_for, incident):
    response = client_for("police").post(
        reverse("tension:record", args=[incident.pk]),
        {"area": "Eastgate", "level": "9", "observed_at": "2099-01-01T10:00"},
    )
    content = response.content.decode()
    assert "Select a valid choice" in content and "A reading cannot be in the future" in content
    assert "Enter the source" in content
    assert not incident.tension_readings.exists()


def test_viewers_cannot_record_readings(client_for, incident):
    assert client_for("viewer").post(reverse("tension:record", args=[incident.pk]), {}).status_code == 403


def test_levels_outside_the_scale_are_refused(incident, demo_users):
    with pytest.raises(DomainError):
        record(incident, demo_users["police"], 7)


def test_a_reading_saved_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    incident, demo_users
):
    """A tension reading, or a suggested action put in the plan, from a page opened while the incident was
    open, is refused once a colleague has closed it: nothing is kept and the lead is not alerted."""
    as_opened = Incident.objects.get(pk=incident.pk)
    closed(incident, demo_users["responder"])
    entries = as_opened.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        record(as_opened, demo_users["responder"], 5)
    with pytest.raises(DomainError, match="closed meanwhile"):
        services.add_suggested_action(incident=as_opened, by=demo_users["responder"], index=0)
    assert not as_opened.tension_readings.exists()
    assert not mail.outbox
    assert as_opened.timeline.count() == entries


def test_a_tension_alert_about_an_exercise_says_exercise_in_its_subject_text_and_email(demo, demo_users):
    """The defect: the alert about a rehearsal's tension read like a real incident's, in its subject, its
    text message and its email, so a lead woken by it could take it for one. Now each says EXERCISE."""
    incident = led_incident(demo, demo_users)
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident.refresh_from_db()
    assert record(incident, demo_users["police"], 4).lead_told
    alert = incident.notifications.get(kind="tension_alert")
    assert alert.subject.startswith(f"EXERCISE {incident.reference}: tension in"), alert.subject
    assert alert.sms_text.startswith(f"EXERCISE {incident.reference}: "), alert.sms_text
    assert f"{incident.reference} (EXERCISE: not a real incident)" in alert.body, alert.body
