"""Getting partners round the table: a critical-incident meeting from scheduling to its outcome."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships.models import Contact, IncidentRole
from tests.browser.conftest import assert_accessible
from tests.browser.pages import fill_date, sign_in_as
from tests.incidents.builders import demo_incident


def test_critical_incident_meeting(page, demo, demo_users, transactional_db):
    incident, _ = demo_incident(demo, demo_users)
    police = incident.participations.get(organisation__kind="police").organisation
    Contact.objects.create(
        organisation=police,
        name="Insp. Ray Cole",
        email="ray@police.example.org",
        incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT,
    )
    sign_in_as(page, "responder")
    page.goto(f"/incidents/{incident.pk}/")
    page.get_by_role("link", name="Meetings").click()
    page.get_by_role("button", name="Schedule a meeting").click()
    expect(page.get_by_label("Agenda")).to_have_value(re.compile("Who leads the response?"))
    assert_accessible(page)
    page.get_by_label("Place").fill("Committee room 2, Northbridge Town Hall")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("invitations are on their way")

    # The police's single point of contact is invited, once (with the other invited contacts, in any order).
    [invitation] = [sent for sent in mail.outbox if sent.to == ["ray@police.example.org"]]
    event = Calendar.from_ical(invitation.attachments[0][1]).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Critical-incident meeting: {incident.reference}"

    # The meeting begins: only then can its outcome be recorded.
    Meeting.objects.filter(incident=incident).update(starts_at=timezone.now() - timedelta(minutes=5))
    page.reload()
    page.get_by_role("button", name="Record attendance and outcome").click()
    page.get_by_label(police.name).check()
    page.get_by_label("Minutes").fill("Police gave an update. The school reopens tomorrow with extra staff.")
    page.locator("#id_decision-0-what").fill("Extra patrols at home time for a week")
    page.locator("#id_decision-0-why").fill("Reassurance for pupils and parents")
    page.locator("#id_action-0-title").fill("Brief the head teacher")
    tomorrow = timezone.localtime() + timedelta(days=1)
    fill_date(page.get_by_role("group", name="Action 1", exact=True), "Due", f"{tomorrow:%Y-%m-%d}T09:00")
    page.locator("#id_action-1-title").fill("Arrange patrols at the bus stop")
    page.locator("#id_action-1-owner_organisation").select_option(label=police.name)
    fill_date(page.get_by_role("group", name="Action 2", exact=True), "Due", f"{tomorrow:%Y-%m-%d}T15:00")
    assert_accessible(page)
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("decisions are in the log")

    page.goto(f"/incidents/{incident.pk}/decisions/")
    expect(page.get_by_text("Extra patrols at home time for a week")).to_be_visible()
    page.get_by_role("link", name="Response plan").click()
    # The plan is a task list: each action's title is the link to update it.
    expect(page.get_by_role("link", name="Brief the head teacher", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Arrange patrols at the bus stop", exact=True)).to_be_visible()
