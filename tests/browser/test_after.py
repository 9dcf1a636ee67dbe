"""After the response, through the real pages: recovery, the calendar, the review, a lesson, closing."""

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.playbooks import selectors as playbook_selectors
from svtoolkit.playbooks import services as playbook_services
from tests.browser.conftest import assert_accessible
from tests.browser.pages import ActionPage, ReviewContributionPage, fill_date, signed_in
from tests.incidents.builders import demo_incident


def test_from_recovery_to_closing(new_page, demo, demo_users, transactional_db):
    draft = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    version = playbook_services.publish_draft(
        version=draft, by=demo_users["coordinator"], change_note="v1", expected_revision=draft.revision
    )
    incident, action = demo_incident(demo, demo_users)
    item = version.items.filter(retired=False).first()

    responder = signed_in(new_page, "responder")
    responder.goto(f"/incidents/{incident.pk}/")

    # Move the incident to recovery.
    for status in ("Responding", "Recovery"):
        responder.get_by_role("link", name="Change the status").click()
        responder.get_by_label("Move the incident to").select_option(label=status)
        responder.get_by_role("button", name="Change status").click()
    expect(responder.locator("main .govuk-tag").first).to_have_text("Recovery")

    # Confirm the proposed anniversaries and record the trial date.
    responder.get_by_role("link", name="Recovery", exact=True).click()
    for _ in range(3):
        responder.get_by_role("button", name="Confirm").first.click()
    expect(responder.get_by_role("table")).to_contain_text("One year on")
    assert_accessible(responder)
    responder.get_by_role("button", name="Add a date").click()
    responder.get_by_label("Kind").select_option(label="Trial")
    responder.get_by_label("Title").fill("Trial begins at Northbridge Crown Court")
    fill_date(responder, "Date", "2027-06-14")
    responder.get_by_role("button", name="Add").click()
    expect(responder.get_by_role("table")).to_contain_text("Trial begins at Northbridge Crown Court")

    # Run the review: the council and the police each write their part.
    responder.get_by_role("link", name="Review and closing").click()
    expect(
        responder.get_by_role("listitem").filter(has_text="The review of the response has not started")
    ).to_be_visible()
    responder.get_by_role("button", name="Start the review").click()
    ReviewContributionPage(responder).open_from_review().save(
        organisation="Northbridge Council Community Safety Team",
        went_well="Partners were told within the hour.",
        went_badly="The school heard from parents first.",
        to_change="Tell schools directly.",
    )
    assert_accessible(responder)

    police = signed_in(new_page, "police")
    police.goto(f"/incidents/{incident.pk}/review/")
    contribution = ReviewContributionPage(police).open_from_review()
    # Their own organisation, the only one they speak for, is chosen already.
    expect(police.get_by_label("Organisation").locator("option")).to_have_count(1)
    contribution.save(
        organisation="Metropolitan Police, Northbridge Basic Command Unit",
        went_well="The scene was secured fast.",
        went_badly="CCTV took two days to reach us.",
        to_change="Agree CCTV requests in advance.",
    )
    expect(police.get_by_role("heading", name="Contributions (2)")).to_be_visible()

    # A lesson proposes new wording for a checklist item; the coordinator accepts it into the next draft.
    responder.reload()
    responder.get_by_role("link", name="Record a lesson").click()
    responder.get_by_label("The lesson").fill("Schools must hear from us first")
    responder.get_by_label("What happened, and why it matters").fill("Parents told the school before we did.")
    responder.get_by_label("Checklist item it would change").select_option(value=item.key)
    responder.get_by_label("New wording of the item").fill(
        "Tell the schools of those involved within the hour"
    )
    responder.get_by_role("button", name="Record the lesson").click()
    expect(responder.get_by_role("link", name="Lesson 1: Schools must hear from us first")).to_be_visible()

    coordinator = signed_in(new_page, "coordinator")
    coordinator.get_by_role("link", name="Lessons").click()
    coordinator.get_by_role("link", name="1. Schools must hear from us first").click()
    assert_accessible(coordinator)
    coordinator.get_by_label("Accept it into the next checklist draft").check()
    coordinator.get_by_role("button", name="Record the decision").click()
    expect(coordinator.locator(".govuk-notification-banner")).to_contain_text("in the checklist's draft")
    changed = playbook_selectors.draft_version(demo).items.get(key=item.key)
    assert changed.action == "Tell the schools of those involved within the hour"

    # The open action blocks closing until it is done; then the lead completes the review and closes.
    responder.get_by_role("link", name="See what blocks closing").click()
    expect(responder.get_by_role("table")).to_contain_text(action.title)
    assert_accessible(responder)
    responder.get_by_role("link", name=action.title).click()
    ActionPage(responder).save(status="Done")
    responder.goto(f"/incidents/{incident.pk}/review/")
    responder.get_by_role("button", name="Complete the review").click()
    fill_date(responder, "Date the review was held", str(timezone.localdate()))
    responder.get_by_label("What the review concluded").fill("A fast response; schools must hear sooner.")
    responder.get_by_role("button", name="Complete the review").click()
    responder.get_by_role("button", name="Close the incident").click()
    assert_accessible(responder)
    responder.get_by_role("button", name="Close the incident").click()
    expect(responder.locator(".govuk-notification-banner")).to_contain_text("is closed")
    expect(responder.locator("main .govuk-tag").first).to_have_text("Closed")
    expect(responder.get_by_role("link", name="Change the status")).to_have_count(0)
