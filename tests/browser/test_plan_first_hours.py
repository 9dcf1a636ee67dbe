"""An incident reported four hours late, recorded and planned by the demo coordinator (issue 16): every action
has an owner, none is born overdue, what the app records ticks actions off, a child victim adds the child
safeguarding notification due in five working days (Easter's bank holidays move it), and the plan fits a
phone."""

from datetime import datetime, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.incidents.models import ActionStatus, Incident
from svtoolkit.incidents.services import add_participant
from svtoolkit.partnerships.models import Contact
from svtoolkit.playbooks import services as playbook_services
from tests.browser.conftest import assert_accessible
from tests.browser.pages import CategorisePage, RecordIncidentPage, signed_in
from tests.incidents.builders import demo_person

# The Thursday evening before Easter: Good Friday and Easter Monday fall inside the first five working days.
BEFORE_EASTER = timezone.make_aware(datetime(2026, 4, 2, 21, 0))


def test_a_late_reported_incident_starts_with_owners_and_nothing_overdue(
    new_page, demo, demo_users, transactional_db, settings, live_server, time_machine
):
    settings.SITE_URL = live_server.url
    time_machine.move_to(BEFORE_EASTER, tick=True)
    coordinator = demo_users["coordinator"]
    version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
    playbook_services.publish_draft(
        version=version, by=coordinator, change_note="v1", expected_revision=version.revision
    )
    now = timezone.now()

    page = signed_in(new_page, "coordinator")
    RecordIncidentPage(page).open().record(
        title="Stabbing near Northbridge Academy",
        incident_type="Knife crime",
        occurred_at=now - timedelta(hours=4),
        notified_at=now,
        summary="A 16-year-old was stabbed at the bus stop outside the school on Saturday night.",
        scene="Bus stop, Northbridge Academy",
    )
    expect(page.locator(".govuk-notification-banner")).to_contain_text("recorded")
    incident = Incident.objects.get()
    incident_url = page.url

    page.goto(f"{incident_url}plan/")
    page.get_by_role("button", name="Draw the response plan").click()
    actions = incident.actions.select_related("item")
    assert actions.count() > 20
    assert not actions.filter(owner_organisation=None).exists(), "every action has an owner"
    assert not actions.filter(status=ActionStatus.TO_DO, due_at__lt=timezone.now()).exists(), (
        "no first-day action is born overdue"
    )

    page.goto(f"{incident_url}categorise/")
    CategorisePage(page).decide(
        factors=["A child or young person involved"],
        serious_violence=True,
        meeting=True,
        why="A young victim outside a school, with tension rising online.",
    )
    assert actions.get(item__key="categorise-decide-category").status == ActionStatus.DONE

    police = demo.organisations.get(kind="police")
    contact = Contact.objects.create(
        organisation=police, name="Insp. Ray Cole", email="ray.cole@police.example.org"
    )
    add_participant(incident=incident, organisation=police, contact=contact, by=coordinator)
    page.goto(f"{incident_url}partners/")
    page.get_by_role("button", name="Inform partners not yet told").click()
    assert actions.get(item__key="reporting-inform-stakeholders").status == ActionStatus.DONE

    # A child victim: the national panel must be told within five working days, which Easter moves from
    # Thursday 9 April to Monday 13 April.
    incident.refresh_from_db()
    demo_person(incident, coordinator, age_band="16_17", role="victim")
    notification = actions.get(item__key="safeguarding-panel-notification")
    assert timezone.localtime(notification.due_at).date() == datetime(2026, 4, 13).date()
    page.goto(f"{incident_url}plan/")
    expect(page.locator(f"#action-{notification.pk}")).to_contain_text("13 Apr")

    page.set_viewport_size({"width": 320, "height": 800})
    for path in ("plan/", "plan/first-hours/"):
        page.goto(f"{incident_url}{path}")
        expect(page.locator(".govuk-task-list").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{path} scrolls sideways"
        assert_accessible(page)
    expect(page.get_by_role("button", name="Mark done").first).to_be_visible()
