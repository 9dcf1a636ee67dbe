from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core import limits
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import Incident
from svtoolkit.meetings import selectors, services
from svtoolkit.meetings.models import Meeting, MeetingStatus
from svtoolkit.messaging.models import Notification
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import Contact, IncidentRole
from tests.factories import OrganisationFactory
from tests.incidents.builders import demo_incident
from tests.meetings.builders import demo_meeting, held, scheduled
from tests.messaging.servers import notify_accepts
from tests.page_forms import form_on
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


def test_agenda_is_drafted_from_the_incident(incident, demo_users):
    action = incident.actions.get()
    action.due_at = timezone.now() - timedelta(hours=1)
    action.save()
    agenda = selectors.draft_agenda(incident)
    assert "Added by the response team: 1 open, 1 overdue" in agenda
    assert "Review CCTV of the bus stop" in agenda
    assert "Is this a serious violence incident?" in agenda
    assert "Who leads the response?" in agenda


def test_agenda_lists_each_heading_with_its_entries_or_says_there_are_none(incident):
    action = incident.actions.get()
    action.due_at = timezone.now() - timedelta(hours=1)
    action.save()
    lines = selectors.draft_agenda(incident).splitlines()
    assert lines[2:5] == [
        "3. Checklist areas still open:",
        "   - Added by the response team: 1 open, 1 overdue",
        "4. Overdue actions:",
    ]
    assert lines[5].startswith("   - Review CCTV of the bus stop (")
    assert lines[6:8] == ["5. Community tension and communications", "6. Decisions needed:"]
    assert lines[-2:] == ["7. Actions, owners and deadlines", "8. Date of the next meeting"]

    incident.actions.all().delete()
    lines = selectors.draft_agenda(incident).splitlines()
    assert lines[2:5] == [
        "3. Checklist areas still open: none",
        "4. Overdue actions: none",
        "5. Community tension and communications",
    ]


def test_invitation_carries_a_valid_calendar_file(
    incident, demo, demo_users, django_capture_on_commit_callbacks
):
    police = incident.participations.get(organisation__kind="police").organisation
    Contact.objects.create(
        organisation=police,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = demo_meeting(demo, demo_users, incident)
    # The council's own team takes part too (the partnership's lead organisation): its contact is invited.
    message = next(message for message in mail.outbox if message.to == ["ray@police.example.org"])
    name, content, mimetype = message.attachments[0]
    assert name == "invite-OFFICIAL-SENSITIVE.ics" and mimetype.startswith("text/calendar")
    assert Calendar.from_ical(content)["X-PROTECTIVE-MARKING"] == "OFFICIAL-SENSITIVE"
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{meeting.uid}@svtoolkit"
    assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)  # iCalendar keeps seconds
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert str(event["SUMMARY"]) == f"Critical-incident meeting: {incident.reference}"
    assert "stabbed" not in str(content).lower()  # no details of people in the invitation
    # Outlook offers accept and decline: a request with an organiser (the chair) and attendees asked to reply.
    assert str(Calendar.from_ical(content)["METHOD"]) == "REQUEST"
    assert str(event["ORGANIZER"]) == f"mailto:{demo_users['responder'].email}"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    [attendee] = [invited for invited in attendees if str(invited) == "mailto:ray@police.example.org"]
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"], attendee.params["CN"]) == (
        "NEEDS-ACTION",
        "TRUE",
        "Insp. Ray Cole",
    )


def test_an_exercise_meetings_invitation_calendar_entry_and_cancellation_say_exercise(
    incident, demo, demo_users
):
    """The defect: only the invitation's body said EXERCISE; its subject, the calendar entry it adds and the
    whole cancellation did not, so a rehearsal's meeting sat in calendars as a real one. Now each subject
    starts with EXERCISE, as alerts and partner notices do; so do the entry and the cancellation's body."""
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident.refresh_from_db()
    meeting = demo_meeting(demo, demo_users, incident)
    services.cancel_meeting(meeting=meeting, by=demo_users["responder"], reason="Chair unavailable")
    invitation = Notification.objects.get(kind="meeting_invitation")
    cancellation = Notification.objects.get(kind="meeting_cancellation")
    assert invitation.subject == f"EXERCISE Critical-incident meeting: {incident.reference}"
    assert cancellation.subject == f"EXERCISE Cancelled: Critical-incident meeting: {incident.reference}"
    assert f"{incident.reference} (EXERCISE: not a real incident)" in cancellation.body
    for sent in (invitation, cancellation):
        event = Calendar.from_ical(sent.attachments[0]["content"]).walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == f"EXERCISE Critical-incident meeting: {incident.reference}"


def test_an_exercise_meetings_emailed_calendar_files_are_named_exercise(incident, demo, demo_users):
    """The defect: the invitation's and the cancellation's calendar files were named ``invite-...ics`` and
    ``cancel-...ics`` for an exercise as for a real incident; saved from the email, nothing in the name said
    it was a rehearsal. Now an exercise's start ``EXERCISE-``, as its downloads do (tests/core)."""
    real = demo_meeting(demo, demo_users, incident)
    services.cancel_meeting(meeting=real, by=demo_users["responder"], reason="Chair unavailable")
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident.refresh_from_db()
    exercise = demo_meeting(demo, demo_users, incident)
    services.cancel_meeting(meeting=exercise, by=demo_users["responder"], reason="Chair unavailable")

    names = [
        (sent.dedupe_key.split(":")[1], sent.attachments[0]["filename"])
        for sent in Notification.objects.filter(kind__in=["meeting_invitation", "meeting_cancellation"])
    ]
    assert sorted(names) == sorted(
        [
            (str(real.pk), "invite-OFFICIAL-SENSITIVE.ics"),
            (str(real.pk), "cancel-OFFICIAL-SENSITIVE.ics"),
            (str(exercise.pk), "EXERCISE-invite-OFFICIAL-SENSITIVE.ics"),
            (str(exercise.pk), "EXERCISE-cancel-OFFICIAL-SENSITIVE.ics"),
        ]
    )


def test_an_invitation_sent_through_notify_which_takes_no_files_says_how_to_add_the_meeting_to_a_calendar(
    client_for, incident, demo, demo_users, notify, django_capture_on_commit_callbacks
):
    emails = []
    notify.expect_request("/v2/notifications/email", method="POST").respond_with_handler(
        notify_accepts(emails)
    )
    Contact.objects.create(
        organisation=incident.participations.get(organisation__kind="police").organisation,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = demo_meeting(demo, demo_users, incident)
    [invitation] = [sent for sent in emails if sent["email_address"] == "ray@police.example.org"]
    body = invitation["personalisation"]["body"]
    assert "attached" not in body
    assert "To add the meeting to your calendar, create an event with the date, time and place above" in body
    calendar_link = reverse("meetings:calendar", args=[incident.pk, meeting.pk])
    assert f"download one instead: {settings.SITE_URL}{calendar_link}" in body
    download = client_for("viewer").get(calendar_link)
    assert download["Content-Type"].startswith("text/calendar")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting=meeting, by=demo_users["responder"], reason="Superseded")
    [cancellation] = [
        sent
        for sent in emails
        if sent["email_address"] == "ray@police.example.org" and sent is not invitation
    ]
    assert "If the meeting is in your calendar, delete it" in cancellation["personalisation"]["body"]


def _police_contact_on_the_incident(incident, by) -> Contact:
    """DS Lee Hart (lee@police.example.org), the police's contact on the incident, whom an invitation goes to;
    Insp. Ray Cole (ray@police.example.org) is the police's single point of contact, who takes over when
    Lee leaves the directory."""
    police = incident.participations.get(organisation__kind="police").organisation
    contact = Contact.objects.create(organisation=police, name="DS Lee Hart", email="lee@police.example.org")
    Contact.objects.create(
        organisation=police,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    incident_services.add_participant(incident=incident, organisation=police, contact=contact, by=by)
    return contact


def test_a_contact_taken_out_of_the_directory_is_not_invited_its_single_point_of_contact_is(
    incident, demo, demo_users, django_capture_on_commit_callbacks
):
    left = _police_contact_on_the_incident(incident, demo_users["responder"])
    partnership_services.deactivate_contact(
        contact=left, expected_revision=left.revision, by=demo_users["coordinator"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        demo_meeting(demo, demo_users, incident)
    invited = [address for message in mail.outbox for address in message.to]
    assert "ray@police.example.org" in invited and "lee@police.example.org" not in invited
    invitation = next(message for message in mail.outbox if message.to == ["ray@police.example.org"])
    event = Calendar.from_ical(invitation.attachments[0][1]).walk("VEVENT")[0]
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert "mailto:lee@police.example.org" not in [str(attendee) for attendee in attendees]
    assert "mailto:ray@police.example.org" in [str(attendee) for attendee in attendees]


def test_an_invited_organisation_with_no_contact_to_email_is_named_as_not_invited(
    client_for, incident, demo, demo_users
):
    """The defect: an organisation invited that had no contact with an email address (none on the incident,
    no single point of contact in the directory) was sent nothing, yet the page said the invitations were on
    their way and the timeline said nothing. Now both name it, so the meeting's organiser invites it another
    way."""
    mosque = OrganisationFactory(partnership=demo, name="Eastgate Mosque Committee")
    police = incident.participations.get(organisation__kind="police").organisation
    client = client_for("responder")
    url = reverse("meetings:schedule", args=[incident.pk])
    typed = form_on(client.get(url), having="agenda") | {
        "starts_at": timezone.localtime(timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Committee room 2",
        "organisations": [str(police.pk), str(mosque.pk)],
    }
    page = client.post(url, typed, follow=True)
    content = page.content.decode()
    assert "Eastgate Mosque Committee has no contact with an email address" in content
    meeting = Meeting.objects.get()
    assert [organisation.name for organisation in selectors.organisations_not_reached(meeting)] == [
        "Eastgate Mosque Committee"
    ]
    assert incident.timeline.filter(
        text__contains="No contact with an email address for: Eastgate Mosque Committee"
    ).exists()
    assert (
        not Notification.objects.get(kind="meeting_invitation")
        .deliveries.filter(address__contains="mosque")
        .exists()
    )


def test_the_calendar_file_carries_the_online_link(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    Meeting.objects.filter(pk=meeting.pk).update(online_link="https://teams.example.org/l/meetup/123")
    response = client_for("police").get(reverse("meetings:calendar", args=[incident.pk, meeting.pk]))
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["URL"]) == "https://teams.example.org/l/meetup/123"
    assert (
        str(event["LOCATION"])
        == "Committee room 2, Northbridge Town Hall / https://teams.example.org/l/meetup/123"
    )
    assert "Join online: https://teams.example.org/l/meetup/123" in str(event["DESCRIPTION"])


def _schedule_data(incident, demo_users, **changes):
    return {
        "kind": "review",
        "starts_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "60",
        "online_link": "https://teams.example.org/l/meetup/123",
        "chair": demo_users["responder"].pk,
        "organisations": [p.organisation_id for p in incident.participations.all()],
        "agenda": "1. Introductions",
        "daily_for": "1",
        "then_weekly_for": "0",
        **changes,
    }


def test_a_long_online_link_like_a_teams_one_is_kept_and_one_past_the_limit_is_explained(
    client_for, incident, demo_users
):
    client = client_for("responder")
    url = reverse("meetings:schedule", args=[incident.pk])
    # Teams' join links run to several hundred characters.
    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + "N2Q5" * 80 + "%40thread.v2/0"
    assert client.post(url, _schedule_data(incident, demo_users, online_link=teams)).status_code == 302
    assert Meeting.objects.get().online_link == teams

    too_long = "https://teams.example.org/" + "a" * limits.LINK
    refused = client.post(url, _schedule_data(incident, demo_users, online_link=too_long))
    assert refused.status_code == 200
    assert f"The link must be {limits.LINK:,} characters or fewer" in refused.content.decode()
    assert Meeting.objects.count() == 1


def test_a_meeting_starting_before_the_incident_happened_is_refused_on_its_start(
    client_for, incident, demo, demo_users
):
    """The defect: a mistyped year (last year for this year) was accepted: invitations went out for a date a
    year ago, its outcome could be recorded at once and the time to the first critical-incident meeting
    became negative. Now the form shows the service's refusal on the start, as the action rows do, and the
    service refuses it whoever calls it (the API too)."""
    last_year = timezone.localtime() + timedelta(days=1) - timedelta(days=365)
    response = client_for("responder").post(
        reverse("meetings:schedule", args=[incident.pk]),
        _schedule_data(incident, demo_users, starts_at=f"{last_year:%Y-%m-%dT%H:%M}"),
    )
    assert response.status_code == 200
    assert 'href="#id_starts_at_day">A meeting cannot start before the incident happened' in (
        response.content.decode()
    )
    with pytest.raises(DomainError, match="cannot start before the incident happened") as refused:
        demo_meeting(demo, demo_users, incident, starts_in=-timedelta(days=364))
    assert refused.value.field == "starts_at"
    assert not Meeting.objects.exists()


def test_a_series_steps_down_from_daily_to_weekly_at_the_same_time_on_the_clock(
    demo, demo_users, time_machine
):
    """The clocks go forward on 29 March 2026: the meetings after it are at 10:00 BST, not 11:00."""
    time_machine.move_to(datetime(2026, 3, 20, 9, 0, tzinfo=UTC), tick=False)
    incident = demo_incident(demo, demo_users)[0]  # happened before the series starts
    start = datetime(2026, 3, 26, 10, 0, tzinfo=UTC)  # 10:00 GMT
    meetings = scheduled(incident, demo_users["responder"], starts_at=start, daily_for=5, then_weekly_for=2)
    assert [f"{timezone.localtime(m.starts_at):%a %d %b %H:%M}" for m in meetings] == [
        "Thu 26 Mar 10:00",
        "Fri 27 Mar 10:00",
        "Sat 28 Mar 10:00",
        "Sun 29 Mar 10:00",
        "Mon 30 Mar 10:00",
        "Mon 06 Apr 10:00",
        "Mon 13 Apr 10:00",
    ]
    assert len({m.series for m in meetings}) == 1 and meetings[0].series is not None


def test_each_meeting_of_a_series_has_its_creation_in_the_audit_log_written_at_once(incident, demo_users):
    """The defect: a series wrote one audit entry, the first meeting's: the others, made and invited, left no
    trace in the audit log (docs/security.md: every creation is audited). Now each meeting has its entry,
    written in one statement however long the series."""
    with CaptureQueriesContext(connection) as captured:
        meetings = scheduled(incident, demo_users["responder"], daily_for=3, then_weekly_for=2)
    audited = AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="meetings.Meeting")
    assert sorted(audited.values_list("target_id", flat=True)) == sorted(str(m.pk) for m in meetings)
    assert sum('INSERT INTO "audit_auditentry"' in query["sql"] for query in captured) == 1


def test_a_meeting_needs_a_place_or_a_link(incident, demo_users):
    with pytest.raises(DomainError):
        services.schedule_meetings(
            incident=incident,
            by=demo_users["responder"],
            kind="review",
            starts_at=timezone.now(),
            duration_minutes=60,
            place=" ",
            online_link="",
            chair=None,
            organisations=[],
            agenda="x",
        )


def test_outcome_feeds_the_decision_log_and_the_plan(incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    police = incident.participations.get(organisation__kind="police").organisation
    services.record_outcome(
        meeting=meeting,
        by=demo_users["responder"],
        attended=[police],
        minutes="Police update given; school reopens tomorrow.",
        decisions=[{"what": "Extra patrols at home time for a week", "why": "Reassurance"}],
        actions=[
            {
                "title": "Brief the head teacher",
                "owner_organisation": None,
                "owner": None,
                "due_at": timezone.now() + timedelta(hours=12),
            },
            {
                "title": "Arrange patrols",
                "owner_organisation": police,
                "owner": None,
                "due_at": timezone.now() + timedelta(hours=6),
            },
        ],
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.attendance.get(organisation=police).attended
    decision = incident.decisions.get()
    assert (
        decision.what == "Extra patrols at home time for a week"
        and "Critical-incident meeting" in decision.why
    )
    assert set(incident.actions.values_list("title", flat=True)) >= {
        "Brief the head teacher",
        "Arrange patrols",
    }


def test_scheduling_from_the_incident_page(client_for, incident):
    client = client_for("responder")
    page = client.get(reverse("meetings:schedule", args=[incident.pk]))
    assert "Who leads the response?" in page.context["form"].initial["agenda"]
    bad = client.post(reverse("meetings:schedule", args=[incident.pk]), {"kind": "review", "agenda": "x"})
    content = bad.content.decode()
    for message in [
        "Enter when the meeting starts",
        "Give a place or an online link",
        "Invite at least one organisation",
    ]:
        assert message in content
    assert not Meeting.objects.exists()


def test_the_outcome_of_a_meeting_that_has_not_started_cannot_be_recorded(
    client_for, incident, demo, demo_users
):
    meeting = demo_meeting(demo, demo_users, incident)
    with pytest.raises(DomainError, match="has not started yet"):
        services.record_outcome(
            meeting=meeting, by=demo_users["responder"], attended=[], minutes="Met.", decisions=[], actions=[]
        )
    client = client_for("responder")
    outcome = reverse("meetings:outcome", args=[incident.pk, meeting.pk])
    assert (
        outcome
        not in client.get(reverse("meetings:meeting", args=[incident.pk, meeting.pk])).content.decode()
    )
    page = client.get(outcome).content.decode()
    assert "has not started yet" in page and "Record the outcome" not in page
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_outcome_form_explains_half_filled_rows(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    data = {
        "minutes": "Met.",
        "decision-TOTAL_FORMS": "2",
        "decision-INITIAL_FORMS": "0",
        "decision-0-what": "Hold a vigil meeting",
        "decision-0-why": "",
        "action-TOTAL_FORMS": "3",
        "action-INITIAL_FORMS": "0",
        "action-0-title": "Call the family liaison officer",
        "action-0-due_at": "",
    }
    response = client_for("responder").post(reverse("meetings:outcome", args=[incident.pk, meeting.pk]), data)
    content = response.content.decode()
    assert "Say why it was decided" in content and "Enter when the action is due" in content
    assert 'href="#id_decision-0-why"' in content
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not incident.decisions.exists()


@pytest.mark.parametrize("count", ["two", ""])
def test_an_outcome_sent_with_a_garbled_row_count_keeps_the_typed_rows_and_can_be_saved(
    client_for, incident, demo, demo_users, count
):
    """The defect: a garbled or missing hidden row count made the rows refused with no error shown, the
    typed decision gone from the page, and the page sent again refused the same way for ever. Now the page
    always reads the rows it offers: the problems shown are what was typed, the decision is kept and, put
    right, recorded."""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    url = reverse("meetings:outcome", args=[incident.pk, meeting.pk])
    client = client_for("responder")
    typed = form_on(client.get(url), having="minutes") | {
        "minutes": "",
        "decision-TOTAL_FORMS": count,
        "decision-0-what": "Hold a vigil meeting",
        "decision-0-why": "The community asked for one",
    }
    page = client.post(url, typed)
    content = page.content.decode()
    assert page.status_code == 200 and 'href="#id_minutes">Enter the minutes' in content
    assert "Hold a vigil meeting" in content
    client.post(url, form_on(page, having="minutes") | {"minutes": "Met."})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert list(incident.decisions.values_list("what", flat=True)) == ["Hold a vigil meeting"]


def test_an_outcome_takes_no_more_than_the_two_decisions_and_three_actions_it_offers(
    client_for, incident, demo, demo_users
):
    """The defect: the hidden row count was trusted up to 2,000 rows, so 40 decisions were taken where the
    page offers two. Now only the rows the page offers are read."""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    due = f"{timezone.localtime() + timedelta(days=1):%Y-%m-%d %H:%M}"
    data = {"minutes": "Met."}
    for rows in ("decision", "action"):
        data |= {f"{rows}-TOTAL_FORMS": "40", f"{rows}-INITIAL_FORMS": "0"}
    for row in range(40):
        data |= {f"decision-{row}-what": f"Decision {row}", f"decision-{row}-why": "Because"}
        data |= {f"action-{row}-title": f"Action {row}", f"action-{row}-due_at": due}
    client_for("responder").post(reverse("meetings:outcome", args=[incident.pk, meeting.pk]), data)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert incident.decisions.count() == 2
    assert incident.actions.filter(title__startswith="Action ").count() == 3


def outcome_with_actions(rows: dict) -> dict:
    """A meeting's outcome form as sent with no decision and the action ``rows`` filled in."""
    return {
        "minutes": "Met.",
        "decision-TOTAL_FORMS": "2",
        "decision-INITIAL_FORMS": "0",
        "action-TOTAL_FORMS": "3",
        "action-INITIAL_FORMS": "0",
        **rows,
    }


def test_an_action_row_due_before_the_incident_is_refused_on_its_own_row(
    client_for, incident, demo, demo_users
):
    """The defect: the service's refusal was shown above the form, linked to nothing, naming no row."""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    too_early = timezone.localtime(incident.occurred_at - timedelta(days=2))
    data = outcome_with_actions(
        {
            "action-1-title": "Call the family liaison officer",
            "action-1-due_at": f"{too_early:%Y-%m-%d %H:%M}",
        }
    )
    response = client_for("responder").post(reverse("meetings:outcome", args=[incident.pk, meeting.pk]), data)
    content = response.content.decode()
    assert 'href="#id_action-1-due_at' in content
    assert 'href="#main-content">An action cannot be due' not in content
    assert "Call the family liaison officer" in content
    meeting.refresh_from_db()
    assert (
        meeting.status == MeetingStatus.PLANNED
        and not incident.actions.filter(title__startswith="Call").exists()
    )


def test_an_action_row_given_to_an_organisation_not_taking_part_is_refused_on_its_own_row(
    client_for, incident, demo, demo_users
):
    """The defect: a meeting's action could be given to an organisation not taking part in the incident,
    whose members could not see it. Refused on its row, saying to add it as a partner first."""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    hospital = demo.organisations.get(kind="health_hospital")
    due = timezone.localtime(timezone.now() + timedelta(days=1))
    data = outcome_with_actions(
        {
            "action-0-title": "Visit the ward",
            "action-0-owner_organisation": str(hospital.pk),
            "action-0-due_at": f"{due:%Y-%m-%d %H:%M}",
        }
    )
    response = client_for("responder").post(reverse("meetings:outcome", args=[incident.pk, meeting.pk]), data)
    content = response.content.decode()
    assert 'href="#id_action-0-owner_organisation' in content and "add it as a partner first" in content
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not incident.actions.filter(title="Visit the ward")


def test_a_closed_incident_offers_no_meeting_to_schedule(client_for, incident, demo_users):
    client = client_for("responder")
    meetings = reverse("meetings:list", args=[incident.pk])
    schedule = reverse("meetings:schedule", args=[incident.pk])
    assert schedule in client.get(meetings).content.decode()
    closed(incident, demo_users["responder"])
    assert schedule not in client.get(meetings).content.decode()  # scheduling would be refused


def test_partner_not_taking_part_cannot_see_meetings(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    client = client_for("health")
    assert client.get(reverse("meetings:meeting", args=[incident.pk, meeting.pk])).status_code == 404
    assert client.get(reverse("meetings:calendar", args=[incident.pk, meeting.pk])).status_code == 404


def test_meeting_pack_prints_the_agenda_and_the_plan(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    incident_services.record_decision(
        incident=incident, by=demo_users["responder"], what="Open a rest centre", why="x"
    )
    content = (
        client_for("police").get(reverse("meetings:pack", args=[incident.pk, meeting.pk])).content.decode()
    )
    assert (
        "1. Introductions" in content and "Open a rest centre" in content and "OFFICIAL-SENSITIVE" in content
    )


def test_calendar_download_is_a_valid_ics(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    response = client_for("viewer").get(reverse("meetings:calendar", args=[incident.pk, meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "Committee room 2, Northbridge Town Hall"


def test_cancelling_a_meeting_tells_those_invited_with_a_calendar_cancellation(
    client_for, incident, demo, demo_users, django_capture_on_commit_callbacks
):
    Contact.objects.create(
        organisation=incident.participations.get(organisation__kind="police").organisation,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    meeting = demo_meeting(demo, demo_users, incident)
    url = reverse("meetings:cancel", args=[incident.pk, meeting.pk])
    client = client_for("responder")
    assert "Say why the meeting is cancelled" in client.post(url, {"reason": ""}).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Superseded by the gold group at 10:00"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 1)
    message = next(message for message in mail.outbox if message.to == ["ray@police.example.org"])
    assert message.subject.startswith("Cancelled:")
    name, content, _ = message.attachments[0]
    calendar = Calendar.from_ical(content)
    assert name == "cancel-OFFICIAL-SENSITIVE.ics"
    assert calendar["X-PROTECTIVE-MARKING"] == "OFFICIAL-SENSITIVE"
    event = calendar.walk("VEVENT")[0]
    assert (str(calendar["METHOD"]), str(event["STATUS"]), event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 1)
    assert str(event["UID"]) == f"{meeting.uid}@svtoolkit"
    assert incident.timeline.filter(text__endswith="Reason: Superseded by the gold group at 10:00").exists()
    with pytest.raises(DomainError, match="cancelled"):
        services.record_outcome(
            meeting=meeting, by=demo_users["responder"], attended=[], minutes="", decisions=[], actions=[]
        )


def test_partners_cannot_cancel_a_meeting(client_for, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    response = client_for("police").post(
        reverse("meetings:cancel", args=[incident.pk, meeting.pk]), {"reason": "Not needed"}
    )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_a_meeting_scheduled_or_held_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    incident, demo, demo_users
):
    """Scheduling a meeting, or recording one's outcome, from a page opened while the incident was open is
    refused once a colleague has closed it: the meeting stays planned, the timeline as it was closed."""
    begun = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    as_opened = Incident.objects.get(pk=incident.pk)
    closed(incident, demo_users["responder"])
    entries = as_opened.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        demo_meeting(demo, demo_users, as_opened)
    with pytest.raises(DomainError, match="closed meanwhile"):
        services.record_outcome(
            meeting=begun,
            by=demo_users["responder"],
            attended=[],
            minutes="Partners agreed the plan.",
            decisions=[],
            actions=[],
        )
    assert list(as_opened.meetings.values_list("status", flat=True)) == [MeetingStatus.PLANNED]
    assert as_opened.timeline.count() == entries


def test_a_meeting_cancelled_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    incident, demo, demo_users
):
    """The defect: scheduling and recording an outcome were refused once the incident was closed meanwhile,
    but cancelling was not: the closed incident's meeting was cancelled, its timeline written and a
    cancellation emailed. Now cancelling is refused too: the meeting stays planned, nothing is sent. (Under
    way at the closing: one still to come is called off by closing itself.)"""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=20))
    as_opened = Meeting.objects.select_related("incident__partnership").get(pk=meeting.pk)
    closed(incident, demo_users["responder"])
    entries = incident.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        services.cancel_meeting(meeting=as_opened, by=demo_users["responder"], reason="No longer needed")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.sequence == as_opened.sequence
    assert incident.timeline.count() == entries
    assert not Notification.objects.filter(kind="meeting_cancellation").exists()


def test_closing_an_incident_calls_off_its_meetings_still_to_come_and_tells_those_invited(
    incident, demo, demo_users, django_capture_on_commit_callbacks
):
    """The defect: a weekly review series stayed planned after the incident closed, in the calendars of
    everyone invited, and nobody could cancel it any more (a closed incident refuses changes)."""
    responder = demo_users["responder"]
    _police_contact_on_the_incident(incident, responder)
    with django_capture_on_commit_callbacks(execute=True):
        series = scheduled(incident, responder, kind="review", daily_for=1, then_weekly_for=2)
    under_way = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=20))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        closed(incident, responder)

    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert {statuses[meeting.pk] for meeting in series} == {MeetingStatus.CANCELLED}
    assert statuses[under_way.pk] == MeetingStatus.PLANNED  # to record as held or not
    cancelled = [message for message in mail.outbox if "lee@police.example.org" in message.to]
    assert len(cancelled) == len(series)
    assert Meeting.objects.filter(pk=series[0].pk, cancelled_reason="The incident was closed.").exists()


def test_a_cancellation_goes_to_those_invited_even_once_their_organisations_contact_has_changed(
    incident, demo, demo_users, django_capture_on_commit_callbacks
):
    """The defect: a cancellation went to the organisations' contacts of the day it was sent, so when the
    police's contact had changed since the invitation, the officer invited was not told (the meeting stayed
    in their calendar) and their successor was sent the cancellation of a meeting they never had. Now it
    goes to those the invitation went to, and its calendar file names them."""
    invited = _police_contact_on_the_incident(incident, demo_users["responder"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting = demo_meeting(demo, demo_users, incident)
    assert "lee@police.example.org" in [address for message in mail.outbox for address in message.to]
    partnership_services.deactivate_contact(
        contact=invited, expected_revision=invited.revision, by=demo_users["coordinator"]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(meeting=meeting, by=demo_users["responder"], reason="Superseded")
    told = [address for message in mail.outbox for address in message.to]
    assert "lee@police.example.org" in told and "ray@police.example.org" not in told
    cancellation = next(message for message in mail.outbox if message.to == ["lee@police.example.org"])
    event = Calendar.from_ical(cancellation.attachments[0][1]).walk("VEVENT")[0]
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert "mailto:lee@police.example.org" in [str(attendee) for attendee in attendees]
    assert "mailto:ray@police.example.org" not in [str(attendee) for attendee in attendees]


def test_a_meeting_already_over_is_recorded_as_not_held_not_cancelled_with_emails(
    client_for, incident, demo, demo_users, django_capture_on_commit_callbacks
):
    """The defect: a planned meeting whose time had passed still offered Cancel the meeting, which emailed
    everyone invited a calendar cancellation of a meeting already past. Now its page offers to record that it
    did not take place instead: the reason goes on the timeline and nobody is emailed."""
    meeting = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(hours=2))
    client = client_for("responder")
    page = client.get(reverse("meetings:meeting", args=[incident.pk, meeting.pk])).content.decode()
    assert "Cancel the meeting" not in page and "Record that it did not take place" in page
    url = reverse("meetings:cancel", args=[incident.pk, meeting.pk])
    assert "Why did the meeting not take place?" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "The chair was called to the scene"})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert not Notification.objects.filter(kind="meeting_cancellation").exists()
    assert incident.timeline.filter(
        text__endswith="did not take place. Reason: The chair was called to the scene"
    ).exists()


def test_a_meeting_that_did_not_take_place_is_shown_so_and_not_as_cancelled(
    client_for, incident, demo, demo_users
):
    """The defect: a meeting recorded, once its time had passed, as not having taken place was shown as
    "Cancelled" on its page, in the incident's list of meetings and on its outcome page (and through the
    API, tests/api/test_incident_parts.py), as if partners had been told in advance that it was off: the
    record of the response said what did not happen. Now it says "Did not take place", and a meeting called
    off in advance still says "Cancelled"."""
    responder = demo_users["responder"]
    over = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(hours=2))
    services.cancel_meeting(meeting=over, by=responder, reason="The chair was called to the scene")
    ahead = demo_meeting(demo, demo_users, incident, starts_in=timedelta(days=1))
    services.cancel_meeting(meeting=ahead, by=responder, reason="Superseded by the daily call")
    client = client_for("responder")

    def shown(name, meeting):
        return client.get(reverse(name, args=[incident.pk, meeting.pk])).content.decode()

    page = shown("meetings:meeting", over)
    assert "Did not take place: The chair was called to the scene" in page and "Cancelled" not in page
    assert "Cancelled: Superseded by the daily call" in shown("meetings:meeting", ahead)
    assert "This meeting did not take place: there is no outcome to record." in shown(
        "meetings:outcome", over
    )
    assert "This meeting was cancelled: there is no outcome to record." in shown("meetings:outcome", ahead)
    listed = client.get(reverse("meetings:list", args=[incident.pk])).content.decode()
    assert listed.count("Did not take place") == 1 and listed.count("Cancelled") == 1


def test_the_cancel_page_of_a_meeting_held_or_called_off_says_why_and_offers_no_form(
    client_for, incident, demo, demo_users
):
    """The defect: the cancel page of a meeting whose outcome was recorded (by a colleague meanwhile, or from
    an old link) was headed "The ... did not take place" and offered to record so, refusing only once the
    reason was typed, with "Only a planned meeting can be cancelled"; one cancelled already offered its form
    again. Now, as the outcome page does, it says why there is nothing to do and offers no form; a refusal
    on saving says the same."""
    done = held(
        demo_meeting(demo, demo_users, incident, starts_in=-timedelta(hours=2)), demo_users["responder"]
    )
    called_off = demo_meeting(demo, demo_users, incident, starts_in=timedelta(days=1))
    services.cancel_meeting(meeting=called_off, by=demo_users["responder"], reason="Superseded")
    client = client_for("responder")
    for meeting, why in [
        (done, "The outcome of this meeting has been recorded: it took place."),
        (called_off, "This meeting was cancelled already."),
    ]:
        url = reverse("meetings:cancel", args=[incident.pk, meeting.pk])
        page = client.get(url).content.decode()
        assert why in page and "did not take place" not in page and 'name="reason"' not in page
        refused = client.post(url, {"reason": "Nobody came"}).content.decode()
        assert why in refused and "Nobody came" in refused
    assert Meeting.objects.get(pk=done.pk).status == MeetingStatus.HELD


def test_the_schedule_page_offers_a_start_that_exists_on_the_night_the_clocks_go_forward(
    client_for, incident, time_machine
):
    """The defect: the schedule page offers a start two hours on, on the hour; opened at 23:30 on the
    Saturday before the clocks go forward (27 March 2027), it added two hours on the clock and offered 01:00,
    a time that night does not have, then refused its own suggestion. Two hours on is 02:30 summer time: it
    offers 02:00, which it takes."""
    time_machine.move_to(datetime(2027, 3, 27, 23, 30, tzinfo=UTC), tick=False)
    client = client_for("responder")
    url = reverse("meetings:schedule", args=[incident.pk])
    typed = form_on(client.get(url), having="agenda") | {"place": "Committee room 2"}
    assert typed["starts_at_time"] == "02:00"
    assert client.post(url, typed).status_code == 302
    assert Meeting.objects.get(incident=incident).starts_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_the_outcome_page_of_a_meeting_cancelled_or_held_says_why_and_offers_no_form(
    client_for, incident, demo, demo_users
):
    """The defect: the outcome page showed its form for a meeting cancelled or already held, and refused it
    only once saved, after the minutes had been typed. Now it says why there is nothing to record, and
    offers no form."""
    called_off = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=30))
    services.cancel_meeting(meeting=called_off, by=demo_users["responder"], reason="Superseded")
    begun = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=20))
    done = held(begun, demo_users["responder"])
    client = client_for("responder")
    for meeting, why in [
        (called_off, "This meeting was cancelled: there is no outcome to record."),
        (done, "The outcome of this meeting has already been recorded."),
    ]:
        page = client.get(reverse("meetings:outcome", args=[incident.pk, meeting.pk])).content.decode()
        assert why in page and "Record the outcome" not in page and 'name="minutes"' not in page
    typed = {"minutes": "Partners agreed the plan.", "decision-TOTAL_FORMS": "2", "action-TOTAL_FORMS": "3"}
    page = client.post(reverse("meetings:outcome", args=[incident.pk, called_off.pk]), typed).content.decode()
    assert "This meeting was cancelled" in page and "Partners agreed the plan." in page
