import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents.models import Incident
from svtoolkit.recovery import selectors, services, tasks
from svtoolkit.recovery.models import CalendarFeed, Milestone
from tests.incidents.builders import demo_incident
from tests.page_forms import form_on, saved_from_two_pages
from tests.recovery.builders import led_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    incident.occurred_at = timezone.make_aware(datetime(2026, 1, 31, 15, 40))
    incident.save()
    return incident


def test_anniversaries_are_proposed_and_the_lead_confirms(incident, demo_users):
    proposals = services.proposed_anniversaries(incident)
    assert [(p.title, p.date) for p in proposals] == [
        ("One month on", date(2026, 2, 28)),
        ("Six months on", date(2026, 7, 31)),
        ("One year on", date(2027, 1, 31)),
    ]
    services.confirm_anniversary(incident=incident, by=demo_users["responder"], index=2)
    assert [p.title for p in services.proposed_anniversaries(incident)] == ["One month on", "Six months on"]
    assert incident.timeline.filter(text__contains="One year on, 31 January 2027").exists()
    with pytest.raises(DomainError):
        services.confirm_anniversary(incident=incident, by=demo_users["responder"], index=5)


def test_a_page_opened_before_another_anniversary_was_confirmed_confirms_the_one_it_showed(
    client_for, incident
):
    client = client_for("responder")
    page = client.get(reverse("recovery:incident", args=[incident.pk])).content.decode()
    six_months = re.search(r'action="([^"]+)"[^>]*>[^<]*<input[^>]*>(?:<input[^>]*>)*Six months on', page)
    one_month = re.search(r'action="([^"]+)"[^>]*>[^<]*<input[^>]*>(?:<input[^>]*>)*One month on', page)
    client.post(one_month.group(1))  # another tab confirms the first
    client.post(six_months.group(1))  # this tab, opened before, confirms what it showed
    assert sorted(Milestone.objects.values_list("title", flat=True)) == ["One month on", "Six months on"]


def test_a_trial_date_goes_on_the_calendar(client_for, incident):
    client = client_for("responder")
    url = reverse("recovery:milestone_add", args=[incident.pk])
    bad = client.post(url, {"kind": "trial", "title": "", "date": "2027-02-30"})
    assert "Enter a title" in bad.content.decode() and "The date must be a real date" in bad.content.decode()
    client.post(url, {"kind": "trial", "title": "Trial begins", "date": "2027-05-10"})
    assert Milestone.objects.get().title == "Trial begins"


def test_a_funeral_goes_on_the_calendar_as_a_funeral(client_for, incident):
    client = client_for("responder")
    url = reverse("recovery:milestone_add", args=[incident.pk])
    assert "Funeral" in client.get(url).content.decode()
    client.post(url, {"kind": "funeral", "title": "Funeral at St Mark's", "date": "2027-01-12"})
    assert Milestone.objects.get().get_kind_display() == "Funeral"


def test_the_feed_carries_only_what_its_owner_may_see(incident, demo, demo_users, other_partnership):
    services.add_milestone(
        incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2027, 5, 10)
    )
    hidden, _ = demo_incident(demo, demo_users)
    hidden.participations.all().delete()  # the police take no part in this one
    services.add_milestone(
        incident=hidden, by=demo_users["responder"], kind="inquest", title="Inquest", date=date(2027, 6, 1)
    )

    token = services.issue_feed(user=demo_users["police"])
    calendar = Calendar.from_ical(_fetch(token))
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries == [f"{incident.reference}: Trial"]
    coordinator_view = [m.title for m in selectors.feed_milestones(demo_users["coordinator"])]
    assert coordinator_view == ["Trial", "Inquest"]
    assert [m.title for m in selectors.feed_milestones(other_partnership[1].user)] == []


def test_the_feed_marks_an_exercises_dates_as_exercise(incident, demo_users):
    """The defect: an exercise's recovery dates showed in calendars like a real incident's. Now their
    entries start with EXERCISE, as an exercise's meetings do."""
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    services.add_milestone(
        incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2027, 5, 10)
    )
    calendar = Calendar.from_ical(_fetch(services.issue_feed(user=demo_users["police"])))
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == [
        f"EXERCISE {incident.reference}: Trial"
    ]


def test_a_date_moved_is_sent_to_calendars_as_a_newer_version_of_the_event(incident, demo_users):
    """The defect: the feed stamped each date with when it was added (DTSTAMP) and no SEQUENCE, so a
    calendar app that had the date already could keep the old day after the trial moved. Now a changed date
    goes out with a higher SEQUENCE and a LAST-MODIFIED and DTSTAMP of when it was changed (RFC 5545)."""
    added_at = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
    with time_machine.travel(added_at, tick=False):
        trial = services.add_milestone(
            incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2027, 5, 10)
        )
    token = services.issue_feed(user=demo_users["police"])
    (before,) = Calendar.from_ical(_fetch(token)).walk("VEVENT")

    moved_at = added_at + timedelta(days=20)
    with time_machine.travel(moved_at, tick=False):
        services.change_milestone(
            milestone=trial,
            by=demo_users["responder"],
            expected_revision=trial.revision,
            kind="trial",
            title="Trial",
            date=date(2027, 6, 14),
        )
    (after,) = Calendar.from_ical(_fetch(token)).walk("VEVENT")

    assert str(after["UID"]) == str(before["UID"])
    assert after.decoded("DTSTART") == date(2027, 6, 14)
    assert int(after.get("SEQUENCE", 0)) > int(before.get("SEQUENCE", 0))
    assert after.decoded("LAST-MODIFIED") == moved_at
    assert after.decoded("DTSTAMP") == moved_at


def _fetch(token):
    from django.test import Client

    response = Client().get(reverse("recovery:feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return response.content


def test_a_new_link_replaces_the_old_and_revoking_stops_it(client_for, demo_users):
    first = services.issue_feed(user=demo_users["viewer"])
    second = services.issue_feed(user=demo_users["viewer"])
    assert selectors.feed_owner(first) is None
    assert selectors.feed_owner(second) == demo_users["viewer"]
    assert CalendarFeed.objects.get(revoked_at__isnull=True).token_hash != second  # only the hash is kept
    client_for("viewer").post(reverse("recovery:feed_revoke"))
    assert selectors.feed_owner(second) is None
    from django.test import Client

    assert Client().get(reverse("recovery:feed", args=[second])).status_code == 404


def test_issuing_a_link_shows_it_once(client_for):
    response = client_for("viewer").post(reverse("recovery:feed_issue"))
    assert "/calendar/feed/" in response.content.decode()


def test_partnership_calendar_lists_coming_dates(client_for, incident, demo_users):
    services.add_milestone(
        incident=incident,
        by=demo_users["responder"],
        kind="memorial",
        title="Memorial walk",
        date=timezone.localdate() + timedelta(days=10),
    )
    services.add_milestone(
        incident=incident,
        by=demo_users["responder"],
        kind="court",
        title="First hearing",
        date=timezone.localdate() - timedelta(days=10),
    )
    content = client_for("viewer").get(reverse("recovery:calendar")).content.decode()
    assert "Memorial walk" in content and "First hearing" not in content
    assert "Memorial walk" not in client_for("health").get(reverse("recovery:calendar")).content.decode()


def test_a_trial_date_moved_is_changed_on_the_calendar_and_reminded_of_again(
    client_for, incident, demo_users
):
    """The court moves the trial: its date is changed (not a second trial added beside the old one), the
    timeline says from when to when, and the lead is reminded of the new date too."""
    responder = demo_users["responder"]
    led_by(incident, responder)
    today = timezone.localdate()
    trial = services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=today + timedelta(days=6)
    )
    assert tasks.send_recovery_reminders.call() == 1
    client = client_for("responder")
    url = reverse("recovery:milestone_change", args=[incident.pk, trial.pk])
    assert url in client.get(reverse("recovery:incident", args=[incident.pk])).content.decode()
    page = client.get(url)

    bad = client.post(url, form_on(page, having="revision") | {"date": "2027-02-30"}).content.decode()
    assert "The date must be a real date" in bad and "Trial begins" in bad  # what was typed is kept
    moved = today + timedelta(days=3)
    client.post(url, form_on(page, having="revision") | {"date": moved.isoformat()})

    assert list(incident.milestones.values_list("title", "date")) == [("Trial begins", moved)]
    assert incident.timeline.filter(
        text=f"On the recovery calendar: Trial begins moved from {today + timedelta(days=6):%d %B %Y} to "
        f"{moved:%d %B %Y}."
    ).exists()
    assert tasks.send_recovery_reminders.call() == 1  # the new date is reminded of
    assert tasks.send_recovery_reminders.call() == 0


def test_a_date_changed_but_not_moved_while_its_reminder_goes_out_is_not_reminded_of_again(
    incident, demo_users
):
    """The defect: a change saved as the week-before reminder went out (the date read by the saving request
    before the reminder marked it sent) wrote back the old "not reminded yet", so the next morning's run
    reminded the lead of the same date again. Now a change that keeps the date leaves the reminder as sent."""
    responder = demo_users["responder"]
    led_by(incident, responder)
    services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=timezone.localdate()
    )
    read_to_change = Milestone.objects.get()
    assert tasks.send_recovery_reminders.call() == 1
    services.change_milestone(
        milestone=read_to_change, by=responder, expected_revision=read_to_change.revision, kind="trial",
        title="Trial begins at the Old Bailey", date=read_to_change.date,
    )  # fmt: skip
    assert Milestone.objects.get().reminded_on == timezone.localdate()
    assert tasks.send_recovery_reminders.call() == 0


def test_two_people_changing_one_date_do_not_overwrite_each_other(client_for, incident, demo_users):
    trial = services.add_milestone(
        incident=incident,
        by=demo_users["responder"],
        kind="trial",
        title="Trial begins",
        date=date(2027, 5, 10),
    )
    refused = saved_from_two_pages(
        client_for("responder"),
        reverse("recovery:milestone_change", args=[incident.pk, trial.pk]),
        first={"date": "2027-06-14"},
        second={"title": "Trial begins at the Old Bailey"},
    )
    page = refused.content.decode()
    assert "Someone else changed this date" in page
    theirs = page[page.index('id="their-version"') :]  # their version, beside the form
    assert "Their version, saved now" in theirs and "14 June 2027" in theirs
    trial.refresh_from_db()
    assert (trial.title, trial.date) == ("Trial begins at the Old Bailey", date(2027, 6, 14))


def test_a_date_entered_by_mistake_is_taken_off_the_calendar(client_for, incident, demo_users):
    """The defect: a date on the recovery calendar could be changed but never removed, so a trial listed on
    the wrong incident, or an event called off, stayed in partners' calendars and was reminded of. Now the
    response team removes it, after a question; the timeline and the audit log keep what it was."""
    responder = demo_users["responder"]
    led_by(incident, responder)
    today = timezone.localdate()
    services.add_milestone(
        incident=incident,
        by=responder,
        kind="community_event",
        title="Vigil",
        date=today + timedelta(days=20),
    )
    wrong = services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=today + timedelta(days=5)
    )
    token = services.issue_feed(user=demo_users["police"])
    client = client_for("responder")
    calendar_page = reverse("recovery:incident", args=[incident.pk])
    url = reverse("recovery:milestone_remove", args=[incident.pk, wrong.pk])
    assert url in client.get(calendar_page).content.decode()
    question = client.get(url)
    assert "Take Trial begins" in question.content.decode()
    response = client.post(url, form_on(question, having="revision"))
    assert response.status_code == 302 and response["Location"] == calendar_page
    assert list(incident.milestones.values_list("title", flat=True)) == ["Vigil"]
    assert incident.timeline.filter(
        text=f"Taken off the recovery calendar: Trial begins, {wrong.date:%d %B %Y}."
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, target_type="recovery.Milestone", target_id=str(wrong.pk)
    ).exists()
    feed = Calendar.from_ical(_fetch(token))
    assert [str(event["SUMMARY"]) for event in feed.walk("VEVENT")] == [f"{incident.reference}: Vigil"]
    assert tasks.send_recovery_reminders.call() == 0  # the vigil is three weeks off; the trial is gone


def test_a_date_moved_while_someone_decided_to_remove_it_is_not_removed_unseen(
    client_for, incident, demo_users
):
    trial = services.add_milestone(
        incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2027, 5, 10)
    )
    client = client_for("coordinator")
    url = reverse("recovery:milestone_remove", args=[incident.pk, trial.pk])
    question = form_on(client.get(url), having="revision")
    services.change_milestone(
        milestone=trial, by=demo_users["responder"], expected_revision=trial.revision, kind="trial",
        title="Trial", date=date(2027, 6, 14),
    )  # fmt: skip
    refused = client.post(url, question)
    page = refused.content.decode()
    assert "Someone else changed this date while you were deciding to remove it" in page
    assert "14 June 2027" in page[page.index('id="their-version"') :]
    assert incident.milestones.filter(pk=trial.pk).exists()
    client.post(url, form_on(refused, having="revision"))  # asked again about it as it is now
    assert not incident.milestones.exists()


def test_a_date_a_colleague_took_off_the_calendar_meanwhile_is_said_so_not_page_not_found(
    client_for, incident, demo_users
):
    """The defect: two of the response team had a date's pages open; once one removed it, the other's Remove
    this date (or Save on its change page, losing what they typed) answered Page not found, though the service
    has words for exactly this. Now removing it again says someone else took it off meanwhile; a change to it
    is shown again, as typed, under the same words."""
    trial = services.add_milestone(
        incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2027, 5, 10)
    )
    client = client_for("responder")
    remove = reverse("recovery:milestone_remove", args=[incident.pk, trial.pk])
    change = reverse("recovery:milestone_change", args=[incident.pk, trial.pk])
    question = form_on(client.get(remove), having="revision")
    typed = form_on(client.get(change), having="revision") | {"title": "Trial of the second defendant"}
    services.remove_milestone(milestone=trial, by=demo_users["coordinator"], expected_revision=trial.revision)

    again = client.post(remove, question, follow=True)
    assert again.status_code == 200
    assert "Someone else took this date off the calendar meanwhile." in again.content.decode()
    changed = client.post(change, typed)
    page = changed.content.decode()
    assert changed.status_code == 200 and "Someone else took this date off the calendar meanwhile." in page
    assert 'value="Trial of the second defendant"' in page
    assert not incident.milestones.exists()
    assert client.get(remove).status_code == 404  # a link to a date long gone


def test_an_anniversary_moved_to_another_day_is_not_proposed_again(client_for, incident, demo_users):
    """The family mark the first year on the Saturday before: the one-year anniversary is still confirmed."""
    year_on = services.confirm_anniversary(incident=incident, by=demo_users["responder"], index=2)
    url = reverse("recovery:milestone_change", args=[incident.pk, year_on.pk])
    client = client_for("responder")
    client.post(url, form_on(client.get(url), having="revision") | {"date": "2027-01-30"})
    assert [p.title for p in services.proposed_anniversaries(incident)] == ["One month on", "Six months on"]
