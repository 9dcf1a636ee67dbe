"""Community tension over two weeks: a chart and a table of the same readings, and an alert on a rise."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.pages import sign_in_as
from tests.tension.builders import led_incident, record


def test_tension_trend_and_alert(page, demo, demo_users, transactional_db):
    incident = led_incident(demo, demo_users, lead="coordinator")
    for day, level in enumerate([2, 2, 3, 3, 2, 2, 3, 3, 3, 2, 2, 3, 3, 2]):
        record(incident, demo_users["police"], level, hours_ago=24 * (14 - day))

    sign_in_as(page, "police")
    page.goto(f"/incidents/{incident.pk}/tension/")
    canvas = page.locator("canvas[data-chart-source]")
    expect(canvas).to_have_count(1)
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart-source]'))"
    )
    points = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-chart-source]')).data.datasets[0].data"
    )
    # Each point at its own time, so the axis is to scale: the levels in order of time.
    assert [point["y"] for point in points] == [2, 2, 3, 3, 2, 2, 3, 3, 3, 2, 2, 3, 3, 2]
    times = [point["x"] for point in points]
    assert times == sorted(times)
    expect(
        page.locator("table", has=page.get_by_text("Readings for Northbridge Central")).locator("tbody tr")
    ).to_have_count(14)
    assert_accessible(page)

    page.get_by_role("button", name="Record a reading").click()
    page.get_by_label("Area", exact=True).fill("Northbridge Central")
    page.get_by_label("Kind of area").select_option(label="Ward")
    page.get_by_label(re.compile("^4: High")).check()
    page.get_by_role("checkbox", name="Threats or signs of retaliation").check()
    page.get_by_label("Source", exact=True).fill("Detached youth workers")
    page.get_by_label("Medium", exact=True).check()
    page.get_by_role("button", name="Record the reading").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the lead has been told")
    assert mail.outbox[-1].to == ["coordinator@example.org"]
    expect(page.get_by_text("At or past the alert level")).to_be_visible()
