"""A whole first day of an incident, through the real pages, as the people who would do each step."""

import re

from django.core import mail
from playwright.sync_api import expect

from svtoolkit.audit.models import AuditEntry
from svtoolkit.incidents import services
from svtoolkit.partnerships.models import Contact
from svtoolkit.playbooks import services as playbook_services
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import (
    ActionPage,
    CategorisePage,
    OpenPersonRecordPage,
    RecordIncidentPage,
    signed_in,
)
from tests.incidents.builders import demo_incident


def test_first_day_of_an_incident(new_page, demo, demo_users, transactional_db, settings, live_server):
    settings.SITE_URL = live_server.url
    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )
    police = demo.organisations.get(kind="police")
    hospital = demo.organisations.get(kind="health_hospital")
    Contact.objects.create(organisation=police, name="Insp. Ray Cole", email="ray.cole@police.example.org")
    Contact.objects.create(organisation=hospital, name="Dr Ana Sousa", email="vrt@hospital.example.org")

    responder = signed_in(new_page, "responder")
    responder.get_by_role("link", name="Incidents").click()
    responder.get_by_role("button", name="Record an incident").click()
    RecordIncidentPage(responder).record(
        title="Stabbing near Northbridge Academy",
        incident_type="Knife crime",
        occurred_at="2026-11-25T15:40",
        notified_at="2026-11-25T16:05",
        summary="A teenager was stabbed at the bus stop outside the school.",
        scene="Bus stop, Northbridge Academy",
    )
    expect(responder.locator(".govuk-notification-banner")).to_contain_text("recorded")
    assert_accessible(responder)
    incident_url = responder.url

    responder.get_by_role("link", name="Categorise the incident").click()
    categorise = CategorisePage(responder)
    categorise.tick("A child or young person involved", "Community tension").show_suggestion()
    expect(responder.locator("#suggestion")).to_contain_text("This looks like a serious violence incident")
    categorise.decide(
        serious_violence=True,
        meeting=True,
        why="A young victim outside a school, with tension rising online.",
    )
    expect(responder.get_by_text("Serious violence incident", exact=True)).to_be_visible()

    responder.get_by_role("link", name="Name the lead").click()
    responder.get_by_label("Lead organisation").select_option(
        label="Northbridge Council Community Safety Team"
    )
    responder.get_by_label("Lead officer").select_option(label="Rosa Delgado")
    responder.get_by_role("button", name="Continue").click()

    responder.get_by_role("link", name="Partners and informing them").click()
    for organisation, contact in [(police, "Insp. Ray Cole"), (hospital, "Dr Ana Sousa")]:
        responder.get_by_label("Organisation", exact=True).select_option(label=organisation.name)
        responder.get_by_label("Their contact for this incident").select_option(
            label=f"{contact} ({organisation.name})"
        )
        responder.get_by_role("button", name="Continue").click()
    responder.get_by_role("button", name="Inform partners not yet told").click()
    expect(responder.locator("body")).to_contain_text("Emails are on their way to 2 partners")
    told = [message.to[0] for message in mail.outbox if message.to != ["region@example.org"]]
    assert sorted(told) == [
        "ray.cole@police.example.org",
        "vrt@hospital.example.org",
    ]

    police_page = signed_in(new_page, "police")
    police_page.goto(incident_url)
    police_page.get_by_role("button", name="Acknowledge for my organisation").click()
    expect(police_page.locator("body")).to_contain_text("You acknowledged for")

    responder.goto(incident_url)
    responder.get_by_role("button", name="Draw the response plan").click()
    banner = responder.locator(".govuk-notification-banner")
    expect(banner).to_contain_text(re.compile(r"\d+ actions added to the plan"))
    assert_accessible(responder)
    # Give one action to the police and complete another as the responder.
    responder.get_by_role("link", name=re.compile("^Update")).first.click()
    ActionPage(responder).save(owner_organisation=police.name)
    # Saving returns to the plan (a task list, each action's title its link); the live page lists Update.
    responder.goto(incident_url)
    responder.get_by_role("link", name=re.compile("^Update")).nth(1).click()
    ActionPage(responder).save(status="Done", note="Done at 16:30")
    expect(responder.locator("body")).to_contain_text("The action was updated")

    police_page.goto(incident_url)
    mine = police_page.locator(
        "table", has=police_page.get_by_text("My organisation's actions on this incident")
    )
    mine.get_by_role("link", name=re.compile("^Update")).first.click()
    ActionPage(police_page).save(status="Done")
    expect(police_page.locator("body")).to_contain_text("The action was updated")

    responder.goto(incident_url)
    responder.get_by_role("link", name="Log a decision").click()
    responder.get_by_label("What was decided").fill("Hold a critical-incident meeting at 18:00 today")
    responder.get_by_label("Why").fill("Tension is rising on social media")
    responder.get_by_role("button", name="Continue").click()
    expect(responder.get_by_text("Hold a critical-incident meeting at 18:00 today").first).to_be_visible()
    responder.get_by_role("link", name="Timeline").click()
    expect(responder.get_by_text(re.compile("acknowledged")).first).to_be_visible()
    assert_accessible(responder)
    assert AuditEntry.objects.filter(actor_label="police@example.org", action="update").exists()

    # The victim, on the need-to-know list, and the audit entry for reading the record.
    responder.get_by_role("link", name="People affected").click()
    responder.get_by_role("button", name="Record a person affected").click()
    responder.get_by_label("Name or initials").fill("J. S.")
    responder.get_by_label("Age").select_option(label="16 or 17")
    responder.get_by_label("Victim").check()
    responder.get_by_label("Safeguarding").check()
    responder.get_by_label("Information-sharing agreement relied on").fill("Northbridge CSP agreement 2025")
    responder.get_by_role("button", name="Record").click()
    responder.get_by_role("link", name=re.compile("^Open the record")).click()
    OpenPersonRecordPage(responder).give_reason("Arranging support at school")
    expect(responder.get_by_role("heading", name="J. S.")).to_be_visible()
    assert_accessible(responder)

    coordinator = signed_in(new_page, "coordinator")
    coordinator.get_by_role("link", name="Audit log").click()
    # On a wide screen the filter panel is shown from the start, beside the list; on a phone (below) it waits.
    expect(coordinator.locator(".moj-filter-layout__filter")).to_be_visible()
    coordinator.get_by_label("What happened").select_option(label="Viewed sensitive data")
    coordinator.get_by_role("button", name="Apply filters").click()
    row = coordinator.locator("tbody tr").first
    expect(row).to_contain_text("responder@example.org")
    expect(row).to_contain_text("Arranging support at school")


def test_a_notice_that_could_not_be_sent_is_shown_and_sent_again(
    new_page, demo, demo_users, transactional_db, settings, live_server, smtp_server
):
    settings.SITE_URL = live_server.url
    incident, _ = demo_incident(demo, demo_users)
    police = incident.participations.get(organisation__kind="police").organisation
    contact = Contact.objects.create(
        organisation=police, name="Insp. Ray Cole", email="ray@police.example.org"
    )
    services.add_participant(
        incident=incident, organisation=police, contact=contact, by=demo_users["responder"]
    )

    smtp_server.mode = "reject"
    responder = signed_in(new_page, "responder", viewport={"width": 320, "height": 800})
    responder.goto(f"/incidents/{incident.pk}/partners/")
    responder.get_by_role("button", name="Inform partners not yet told").click()
    row = responder.locator(".govuk-summary-card", has=responder.get_by_text("Insp. Ray Cole"))
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("Not sent: The mail server refused the message: 550")
    assert_accessible(responder)
    assert responder.evaluate("document.documentElement.scrollWidth") <= 320, "fits a 320 px wide screen"

    smtp_server.mode = "accept"
    row.get_by_role("button", name=f"Send again to {police}").click()
    expect(responder.locator(".govuk-notification-banner")).to_contain_text("is on its way again")
    expect(
        responder.locator(".govuk-summary-card", has=responder.get_by_text("Insp. Ray Cole"))
    ).to_contain_text("Sent")
    assert [message["To"] for message in smtp_server.received] == ["ray@police.example.org"]

    # On the same phone the incident list's filter panel waits behind "Show filter" (MOJ's script; without it
    # the panel would cover the whole screen), and fits when shown.
    responder.goto("/incidents/")
    panel = responder.locator(".moj-filter-layout__filter")
    expect(panel).to_be_hidden()
    responder.get_by_role("button", name="Show filter").click()
    expect(panel).to_be_visible()
    assert_accessible(responder)
    assert_fits(responder)
