"""The fund's pages: the borough applies from the incident and records the spend, the region decides; bad
input shows the GOV.UK error summary and changes nothing; each page answers each role as the access matrix
expects, the regional roles included."""

import re

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import Region, RegionRole
from svtoolkit.regions.fund_models import FundApplication, FundStatus
from tests.accounts.builders import pass_second_factor
from tests.conftest import MODEL_BACKEND
from tests.factories import RegionFactory, RegionMembershipFactory, UserFactory
from tests.page_forms import form_on, refused_without_revision, saved_from_two_pages
from tests.regions.fund_access import EXPECTED
from tests.regions.fund_builders import a_decided_application, an_application, application_form, fund_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return fund_world()


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.logout()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return sign_in


def _apply(client, world, **changes):
    """Send the application form for the world's incident, as typed, with ``changes``."""
    typed = {**application_form(), "needed_by": "31/12/2099", **changes}
    return client.post(reverse("fund:apply", args=[world.incident.pk]), typed)


def test_the_borough_applies_from_the_incident_page(world, as_user):
    client = as_user(world.responder)
    incident_page = client.get(reverse("incidents:incident", args=[world.incident.pk])).content.decode()
    apply_url = reverse("fund:apply", args=[world.incident.pk])
    assert apply_url in incident_page and "critical-incident fund" in incident_page
    response = _apply(client, world, purpose="support")
    application = FundApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fund:application", args=[application.pk])
    assert application.purpose == "support" and application.applied_by == world.responder
    assert "Applied" in client.get(response["Location"]).content.decode()


def test_a_closed_incident_offers_no_application_form_it_would_refuse(world, as_user):
    """The defect: a closed incident's page offered "Apply to the fund" and its form opened, to be refused on
    sending (the incident is closed), all that was typed lost. A closed incident is re-opened to apply; the
    spend of an application already made is still recorded after closing."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident

    Incident.objects.filter(pk=world.incident.pk).update(status="closed", closed_at=timezone.now())
    client = as_user(world.responder)
    apply_url = reverse("fund:apply", args=[world.incident.pk])
    assert (
        apply_url not in client.get(reverse("incidents:incident", args=[world.incident.pk])).content.decode()
    )
    opened = client.get(apply_url)
    assert opened.status_code == 403 and "Re-open it first" in opened.content.decode()
    assert _apply(client, world).status_code == 403
    assert not FundApplication.objects.exists()


def test_an_application_over_the_limit_shows_the_error_summary_and_keeps_what_was_typed(
    world, as_user, settings
):
    settings.REGION_FUND_LIMIT_PER_INCIDENT = 1000
    response = _apply(
        as_user(world.coordinator),
        world,
        amount_requested="1200",
        pays_for="Lighting on the footpath.",
        needed_by="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert "Enter the date you need the money by" in page
    assert "Lighting on the footpath." in page
    assert not FundApplication.objects.exists()
    response = _apply(as_user(world.coordinator), world, amount_requested="1200")
    assert "£1,000 of it is left" in response.content.decode() and not FundApplication.objects.exists()


def test_the_region_part_approves_from_its_queue(world, as_user):
    application = an_application(world)
    client = as_user(world.regional_coordinator)
    queue = client.get(reverse("fund:queue", args=["london"])).content.decode()
    decide_url = reverse("fund:decide", args=["london", application.pk])
    assert decide_url in queue and "Northbridge" in queue
    page = client.get(decide_url).content.decode()
    assert "Detached youth workers" in page and world.incident.reference in page
    assert world.incident.title not in page and world.incident.summary not in page
    # The borough's log shows what the region looked at.
    assert AuditEntry.objects.filter(
        action=AuditAction.REGIONAL_VIEW, partnership=world.borough, actor=world.regional_coordinator
    ).exists()
    refused = client.post(
        decide_url, {"decision": "decline", "reasons": "", "revision": application.revision}
    )
    assert "Give the reasons for declining the application" in refused.content.decode()
    assert "govuk-error-summary" in refused.content.decode()
    response = client.post(
        decide_url,
        {
            "decision": "part_approve",
            "amount_approved": "1000",
            "reasons": "One weekend.",
            "revision": application.revision,
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.amount_approved) == (FundStatus.PART_APPROVED, 1000)


NOT_A_YEAR = "Enter the year as 4 numbers, for example 2026, or leave it empty for all years"
NOT_A_STATUS = "Choose which applications to show from the list"
NOT_OFFERED = [
    *[("fund:report", "year", year, NOT_A_YEAR) for year in ("²²²²", "٢٠٢٦", "20261", "202", "0000", "all")],
    *[("fund:queue", "status", status, NOT_A_STATUS) for status in ("approve", "Applied", "al", " ")],
]


@pytest.mark.parametrize(("page", "name", "value", "message"), NOT_OFFERED)
def test_the_fund_pages_with_a_value_not_offered_say_what_to_enter_and_show_nothing(
    world, as_user, page, name, value, message
):
    """The defect: a year that is not one, or a status not offered (mistyped, or a link edited), showed the
    figures of all years or the applications waiting for a decision as if asked, with nothing to say so."""
    an_application(world)
    client = as_user(world.regional_coordinator)

    response = client.get(reverse(page, args=["london"]), {name: value})

    shown = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in shown and message in shown
    assert "totals" not in response.context and "applications" not in response.context
    assert "By borough" not in shown and "No applications to show" not in shown


def test_the_funds_figures_for_a_year_or_none_count_that_year_or_all_years(world, as_user):
    application = an_application(world)
    client = as_user(world.regional_coordinator)
    url = reverse("fund:report", args=["london"])
    this_year = client.get(url, {"year": str(application.applied_at.year)})
    every_year = client.get(url, {"year": ""})
    assert this_year.status_code == every_year.status_code == 200
    assert this_year.context["totals"]["applications"] == every_year.context["totals"]["applications"] == 1
    assert client.get(url, {"year": "1999"}).context["totals"]["applications"] == 0


def test_the_queue_lists_those_waiting_unless_asked_for_another_status(world, as_user):
    waiting = an_application(world)
    client = as_user(world.regional_coordinator)
    url = reverse("fund:queue", args=["london"])
    assert list(client.get(url).context["applications"]) == [waiting]
    assert list(client.get(url, {"status": ""}).context["applications"]) == [waiting]
    assert list(client.get(url, {"status": "all"}).context["applications"]) == [waiting]
    assert list(client.get(url, {"status": "declined"}).context["applications"]) == []


def test_a_regional_viewer_reads_the_application_but_cannot_decide(world, as_user):
    application = an_application(world)
    client = as_user(world.regional_viewer)
    decide_url = reverse("fund:decide", args=["london", application.pk])
    page = client.get(decide_url).content.decode()
    assert "Record the decision" not in page
    assert (
        client.post(decide_url, {"decision": "approve", "revision": application.revision}).status_code == 403
    )
    application.refresh_from_db()
    assert application.status == FundStatus.APPLIED


def test_another_regions_coordinator_is_told_the_region_does_not_exist(world, as_user):
    application = an_application(world)
    elsewhere = RegionMembershipFactory(role=RegionRole.COORDINATOR).user
    client = as_user(elsewhere)
    assert client.get(reverse("fund:queue", args=["london"])).status_code == 404
    assert client.get(reverse("fund:decide", args=["london", application.pk])).status_code == 404


def test_the_borough_records_the_spend(world, as_user):
    application = a_decided_application(world)
    client = as_user(world.coordinator)
    page = client.get(reverse("fund:application", args=[application.pk])).content.decode()
    spend_url = reverse("fund:spend", args=[application.pk])
    assert spend_url in page
    too_much = client.post(
        spend_url, {"amount_spent": "5000", "outcome": "achieved", "revision": application.revision}
    )
    assert "the amount spent cannot be more" in too_much.content.decode()
    response = client.post(
        spend_url,
        {"amount_spent": "990", "outcome": "partly", "outcome_note": "", "revision": application.revision},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.amount_spent) == (FundStatus.SPENT, 990)


def test_the_regional_coordinator_sets_the_rules(world, as_user):
    client = as_user(world.regional_coordinator)
    response = client.post(
        reverse("fund:rules", args=["london"]),
        {"limit_per_incident": "2500", "is_open": "on", "guidance": "Be brief."},
    )
    assert response.status_code == 302
    assert world.region.fund_rules.limit_per_incident == 2500
    assert "Up to £2500" in client.get(reverse("fund:queue", args=["london"])).content.decode()


def test_two_coordinators_changing_the_rules_at_once_keep_both_changes(world, as_user):
    url = reverse("fund:rules", args=["london"])
    client = as_user(world.regional_coordinator)
    client.post(url, {"limit_per_incident": "2500", "is_open": "on", "guidance": "Be brief."})
    saved_from_two_pages(
        client, url, first={"guidance": "Say what it is for."}, second={"limit_per_incident": "3000"}
    )
    rules = world.region.fund_rules
    rules.refresh_from_db()
    assert (rules.limit_per_incident, rules.guidance) == (3000, "Say what it is for.")


def test_fund_rules_saved_without_their_revision_keep_a_colleagues_change(world, as_user):
    url = reverse("fund:rules", args=["london"])
    client = as_user(world.regional_coordinator)
    client.post(url, {"limit_per_incident": "2500", "is_open": "on", "guidance": "Be brief."})
    refused_without_revision(
        client, url, first={"limit_per_incident": "3000"}, second={"limit_per_incident": "900"}
    )
    rules = world.region.fund_rules
    rules.refresh_from_db()
    assert rules.limit_per_incident == 3000


@pytest.mark.parametrize("url_name", sorted(EXPECTED))
def test_each_fund_and_figures_page_answers_each_role_as_the_matrix_expects(world, client, url_name):
    application = a_decided_application(world)
    waiting = an_application(world, amount_requested=100)
    arguments = {
        "fund:apply": [world.incident.pk],
        "fund:application": [waiting.pk],
        "fund:spend": [application.pk],
        "fund:decide": ["london", waiting.pk],
        "figures:export": ["london", "csv"],
        "figures:needs_assessment": ["london", 2026, "xlsx"],
    }.get(url_name, ["london"])
    users = {
        "coordinator": world.coordinator,
        "responder": world.responder,
        "viewer": world.viewer,
        "regional_coordinator": world.regional_coordinator,
        "regional_viewer": world.regional_viewer,
    }
    url = reverse(url_name, args=arguments)
    for role, user in users.items():
        client.force_login(user, backend=MODEL_BACKEND)
        assert client.get(url).status_code == EXPECTED[url_name][role], f"GET {url} as {role}"
        client.logout()
    assert client.get(url).status_code == 302


def test_moving_a_borough_in_the_admin_takes_its_open_applications_to_the_new_region(world, as_user):
    """The defect: a borough moved to another region in the admin left its open applications with the old
    region: the old region's queue still listed them and the new region's never did."""
    decided = a_decided_application(world)
    waiting = an_application(world, amount_requested=500)
    kent = RegionFactory(name="Kent and Medway VRU", slug="kent")
    kent_viewer = RegionMembershipFactory(region=kent, role=RegionRole.VIEWER).user
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = as_user(superuser)
    pass_second_factor(client, superuser)
    url = reverse("admin:partnerships_partnership_change", args=[world.borough.pk])
    moved = client.post(url, form_on(client.get(url), having="region") | {"region": kent.pk})
    assert moved.status_code == 302
    assert Region.objects.get(partnerships=world.borough) == kent

    old_queue = as_user(world.regional_coordinator).get(reverse("fund:queue", args=[world.region.slug]))
    assert list(old_queue.context["applications"]) == []  # none waiting
    everything = as_user(world.regional_coordinator).get(
        reverse("fund:queue", args=[world.region.slug]), {"status": "all"}
    )
    assert list(everything.context["applications"]) == [decided]
    new_queue = as_user(kent_viewer).get(reverse("fund:queue", args=[kent.slug]))
    assert list(new_queue.context["applications"]) == [waiting]
    shown = as_user(world.coordinator).get(reverse("fund:application", args=[waiting.pk])).content.decode()
    assert "Application to Kent and Medway VRU's fund" in shown
    assert "Sent first to London Violence Reduction Unit's fund" in shown


def test_a_decision_sent_after_the_borough_moved_region_says_where_it_went_and_keeps_the_reasons(
    world, as_user
):
    """The defect: the old region's coordinator, deciding from the page opened before the borough moved, got
    a 404 and lost the reasons typed. Now the page says the application went with the borough to another
    region's fund, shows what was typed, and nothing is decided."""
    waiting = an_application(world)
    client = as_user(world.regional_coordinator)
    decide_url = reverse("fund:decide", args=[world.region.slug, waiting.pk])
    client.get(decide_url)
    partnership_services.move_to_region(
        partnership=world.borough,
        region=RegionFactory(name="Kent and Medway VRU", slug="kent"),
        by=UserFactory(is_superuser=True, is_staff=True),
    )
    typed = "Declined: the footpath lighting is the highway authority's to pay for."
    response = client.post(
        decide_url, {"decision": "decline", "reasons": typed, "revision": waiting.revision}
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "govuk-error-summary" in page
    assert "moved to another region" in page and "Your decision was not recorded" in page
    assert typed.replace("'", "&#x27;") in page
    assert "Kent" not in page  # where the borough went is the borough's to say
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decision_reasons) == (FundStatus.APPLIED, "")
    # Another region's coordinator, who never had it, still gets no such page.
    other = RegionMembershipFactory(region=RegionFactory(slug="elsewhere"), role=RegionRole.COORDINATOR)
    assert (
        as_user(other.user)
        .post(
            reverse("fund:decide", args=["elsewhere", waiting.pk]), {"decision": "decline", "reasons": typed}
        )
        .status_code
        == 404
    )


def test_an_application_withdrawn_as_the_borough_left_its_region_says_why(world, as_user):
    waiting = an_application(world)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    partnership_services.move_to_region(partnership=world.borough, region=None, by=superuser)
    shown = as_user(world.coordinator).get(reverse("fund:application", args=[waiting.pk])).content.decode()
    assert "Withdrawn" in shown
    assert "Northbridge left London Violence Reduction Unit, so no fund can decide it." in shown


def test_the_money_boxes_on_the_application_page_are_sized_for_pounds(world, as_user):
    page = as_user(world.coordinator).get(reverse("fund:apply", args=[world.incident.pk])).content.decode()
    box = re.search(r'<input[^>]*name="amount_requested"[^>]*>', page).group(0)
    classes = re.search(r'class="([^"]*)"', box).group(1).split()
    assert "govuk-input" in classes and "govuk-input--width-10" in classes
    assert len(classes) == len(set(classes))
