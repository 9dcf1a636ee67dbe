"""A coordinator on a 320 px wide screen sets the escalation timetable, sets up a webhook endpoint, copies its
secret, reads its delivery log and removes it; every page passes axe and nothing is wider than the screen."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.incidents import escalation
from svtoolkit.incidents.models import PlanAction
from svtoolkit.webhooks.models import WebhookEndpoint
from tests.browser.conftest import assert_accessible
from tests.browser.pages import sign_in_as
from tests.incidents.builders import demo_incident

NARROW = {"width": 320, "height": 640}


# Text that sticks out past the right edge of the screen (hidden text for screen readers aside).
TEXT_TOO_WIDE = """(() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, range = document.createRange();
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > 321 && !node.parentElement.closest('.govuk-visually-hidden')) {
      found.push(node.parentElement.className + ': ' + node.textContent.slice(0, 40));
    }
  }
  return found;
})()"""


def fits(page):
    assert page.evaluate(TEXT_TOO_WIDE) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], f"{page.url} is too wide"


def test_a_coordinator_sets_up_escalation_and_a_webhook_on_a_narrow_screen(
    page, demo, demo_users, transactional_db
):
    incident, action = demo_incident(demo, demo_users)
    PlanAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - timedelta(hours=1))
    page.set_viewport_size(NARROW)
    sign_in_as(page, "coordinator")

    page.goto("/members/")
    page.get_by_role("link", name="Escalation of overdue actions").click()
    page.get_by_label("Tell the incident lead, hours after the action was due").fill("2")
    page.get_by_label("Tell the organisation's single point of contact, hours after the action was due").fill(
        "3"
    )
    page.get_by_role("button", name="Save timetable").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    fits(page)
    page.get_by_label("Tell the incident lead, hours after the action was due").fill("8")
    page.get_by_role("button", name="Save timetable").click()
    expect(page.get_by_text("The escalation timetable was saved.")).to_be_visible()

    escalation.escalate_overdue_actions()
    page.goto(f"/incidents/{incident.pk}/plan/")
    expect(page.get_by_text("Escalated to single point of contact").first).to_be_visible()
    assert_accessible(page)

    page.goto("/members/")
    page.get_by_role("link", name="Webhooks: events sent to other systems").click()
    assert_accessible(page)
    fits(page)
    page.get_by_role("button", name="Add an endpoint").click()
    page.get_by_label("Address (URL) of the endpoint").fill(
        "https://automation.example.org/a/very/long/path/for/svtoolkit/events"
    )
    page.get_by_label("What it is for").fill("Council Teams channel")
    page.get_by_label("An incident was categorised (or categorised again)").check()
    page.get_by_label("An overdue action was escalated").check()
    page.get_by_role("button", name="Continue").click()
    secret = page.locator("#signing-secret").inner_text()
    assert secret == WebhookEndpoint.objects.get().secret
    assert_accessible(page)
    fits(page)
    page.reload()
    expect(page.locator("#signing-secret")).to_have_count(0)

    page.get_by_role("link", name="Delivery log").first.click()
    assert_accessible(page)
    fits(page)
    page.goto("/settings/webhooks/")
    expect(
        page.get_by_text("https://automation.example.org/a/very/long/path/for/svtoolkit/events")
    ).to_be_visible()
    fits(page)

    # The receiving system is taken down: asked first, then removed; its log stays.
    page.get_by_role("link", name="Change Council Teams channel").click()
    page.get_by_role("link", name="Remove this endpoint").click()
    expect(
        page.get_by_role("heading", name="Are you sure you want to remove Council Teams channel?")
    ).to_be_visible()
    assert_accessible(page)
    fits(page)
    page.get_by_role("button", name="Remove endpoint").click()
    expect(page.get_by_text("Council Teams channel was removed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Removed endpoints")).to_be_visible()
    assert WebhookEndpoint.objects.get().secret == ""
    assert_accessible(page)
    fits(page)
    page.get_by_role("link", name="Delivery log of Council Teams channel").click()
    expect(page.get_by_text("This endpoint was removed by")).to_be_visible()
    assert_accessible(page)
    fits(page)
