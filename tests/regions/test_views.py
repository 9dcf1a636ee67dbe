"""The regional pages through the test client: the board (whole page and htmx partial), another region's
pages not found, the partnership's sharing choices (errors change nothing), sharing an incident with the
region and deciding a proposal from the incident page (one a colleague decided meanwhile refused on the page,
keeping what was typed)."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import RegionalSharing, RegionRole
from svtoolkit.regions.models import ProposalStatus, RegionalShare
from tests.alerts.builders import raise_police_alert
from tests.conftest import MODEL_BACKEND
from tests.factories import RegionFactory, RegionMembershipFactory, UserFactory
from tests.focus import controls_without_an_id_of_their_own
from tests.incidents.builders import demo_incident, demo_person
from tests.page_forms import form_on, refused_without_revision
from tests.regions.builders import proposal, region_sees

pytestmark = pytest.mark.django_db


def test_the_board_lists_the_regions_open_incidents_and_refreshes_itself(demo, demo_users, client_for):
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("regional_viewer")
    page = client.get(reverse("regions:board", args=[demo.region.slug]))
    assert incident.reference in page.content.decode()
    assert 'hx-trigger="every 30s"' in page.content.decode()
    assert "Refresh the board" in page.content.decode()  # without JavaScript
    partial = client.get(reverse("regions:board", args=[demo.region.slug]), headers={"HX-Request": "true"})
    assert partial.content.decode().startswith('<div id="region-board"')


def _shown(html: str) -> str:
    """What the board tells its refresh it shows (its hx-headers), if it tells."""
    found = re.search(r'"X-Svt-Shown": "([^"]*)"', html)
    return found.group(1) if found else ""


def test_a_board_refresh_that_would_show_nothing_new_is_answered_204(demo, demo_users, client_for):
    """The board asked for itself every 30 seconds and htmx swapped it in whole each time, since the time it
    was drawn ("Updated at 14:03:30") changed though nothing else did: a keyboard user's focus and a screen
    reader's place moved with every swap. The board says what it shows; a refresh that would show the same
    answers 204 with no body (htmx swaps nothing), a minute later too; a change answers the board, which then
    says what it shows."""
    demo_incident(demo, demo_users)
    client = client_for("regional_coordinator")
    url = reverse("regions:board", args=[demo.region.slug])

    def refreshed(shown):
        return client.get(url, headers={"HX-Request": "true", "X-Svt-Shown": shown})

    page = client.get(url).content.decode()
    unchanged = refreshed(_shown(page))
    assert (unchanged.status_code, unchanged.content) == (204, b""), "the unchanged board was sent again"
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        assert refreshed(_shown(page)).status_code == 204

    alert = raise_police_alert(demo, demo_users)
    changed = refreshed(_shown(page))
    board = changed.content.decode()
    assert changed.status_code == 200 and board.startswith('<div id="region-board"')
    assert alert.incident.reference in board
    assert _shown(board) not in ("", _shown(page))
    assert refreshed(_shown(board)).status_code == 204


def test_the_boards_plan_column_shows_progress_where_the_partnership_shares_it(demo, demo_users, client_for):
    from svtoolkit.partnerships.models import RegionalCategory

    incident, _ = demo_incident(demo, demo_users)
    board = reverse("regions:board", args=[demo.region.slug])
    settled, total = (
        incident.actions.filter(status__in=["done", "not_needed"]).count(),
        incident.actions.count(),
    )
    assert total > 0
    row = client_for("regional_viewer").get(board).content.decode().split(incident.reference, 1)[1]
    assert f"{settled} of {total} done" in row.split("</tr>", 1)[0]

    region_sees(demo, demo_users, RegionalCategory.TYPES, RegionalCategory.STATUS)
    row = client_for("regional_viewer").get(board).content.decode().split(incident.reference, 1)[1]
    assert " done" not in row.split("</tr>", 1)[0]


def test_a_partnership_that_keeps_its_status_from_the_region_has_no_incident_on_the_board(
    demo, demo_users, client_for
):
    """On the board an incident would say it is open, and by leaving it that it was closed."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident
    from svtoolkit.partnerships.models import RegionalCategory

    region_sees(demo, demo_users, RegionalCategory.TYPES, RegionalCategory.DATES)
    still_open, _ = demo_incident(demo, demo_users)
    closed, _ = demo_incident(demo, demo_users)
    Incident.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    page = (
        client_for("regional_viewer").get(reverse("regions:board", args=[demo.region.slug])).content.decode()
    )
    assert still_open.reference not in page and closed.reference not in page
    assert f"Not on this board: the incidents of {demo.name}, which does not let the region see" in page
    incident_page = reverse("regions:incident", args=[demo.region.slug, closed.pk])
    assert client_for("regional_viewer").get(incident_page).status_code == 200


def test_a_partnership_that_shares_dates_but_not_status_does_not_tell_the_region_an_incident_closed(
    demo, demo_users, client_for
):
    """A closing date says the incident is closed: it belongs to the status as much as to the dates."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident
    from svtoolkit.partnerships.models import RegionalCategory

    closed, _ = demo_incident(demo, demo_users)
    Incident.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    incident_page = reverse("regions:incident", args=[demo.region.slug, closed.pk])
    assert "Closed " in client_for("regional_viewer").get(incident_page).content.decode()

    region_sees(demo, demo_users, RegionalCategory.TYPES, RegionalCategory.DATES)
    page = client_for("regional_viewer").get(incident_page).content.decode()
    assert "Notified " in page
    assert "Closed" not in page


def test_the_home_page_leads_regional_staff_to_their_board(demo, client_for):
    page = client_for("regional_coordinator").get(reverse("core:home")).content.decode()
    assert reverse("regions:board", args=[demo.region.slug]) in page


def test_another_regions_staff_find_nothing(demo, demo_users, client):
    incident, _ = demo_incident(demo, demo_users)
    stranger = RegionMembershipFactory(role=RegionRole.COORDINATOR).user
    client.force_login(stranger)
    assert client.get(reverse("regions:board", args=[demo.region.slug])).status_code == 404
    assert client.get(reverse("regions:incident", args=[demo.region.slug, incident.pk])).status_code == 404
    own = reverse("regions:incident", args=[stranger.region_memberships.get().region.slug, incident.pk])
    assert client.get(own).status_code == 404


def test_a_coordinator_chooses_what_the_region_sees(demo, client_for):
    client = client_for("coordinator")
    page = client.get(reverse("regions:sharing"))
    assert page.status_code == 200
    response = client.post(reverse("regions:sharing"), {"categories": ["status", "dates"], "revision": "1"})
    assert response.status_code == 302
    assert RegionalSharing.objects.get(partnership=demo).categories == ["status", "dates"]


def test_two_pages_opened_before_the_first_choice_do_not_overwrite_each_other(demo, client_for):
    client = client_for("coordinator")
    client.post(reverse("regions:sharing"), {"categories": ["status", "dates"], "revision": "1"})
    second = client.post(reverse("regions:sharing"), {"categories": ["types"], "revision": "1"})
    assert second.status_code == 200 and "while you were editing" in second.content.decode()
    assert RegionalSharing.objects.get(partnership=demo).categories == ["status", "dates"]


def test_a_choice_sent_without_its_revision_keeps_a_colleagues_choice(demo, client_for):
    client = client_for("coordinator")
    url = reverse("regions:sharing")
    client.post(url, {"categories": ["status"], "revision": "1"})  # the first choice, saved
    refused_without_revision(
        client, url, first={"categories": ["status", "dates"]}, second={"categories": ["types"]}
    )
    assert RegionalSharing.objects.get(partnership=demo).categories == ["status", "dates"]


def test_an_unknown_category_is_an_error_and_changes_nothing(demo, client_for):
    response = client_for("coordinator").post(reverse("regions:sharing"), {"categories": ["people"]})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not RegionalSharing.objects.filter(partnership=demo).exists()


def test_the_response_team_shares_an_incident_with_the_region_from_its_page(demo, demo_users, client_for):
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("responder")
    assert (
        "Share this incident with the region"
        in client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    )
    client.post(reverse("regions:share_with_region", args=[incident.pk]))
    assert RegionalShare.objects.filter(incident=incident).exists()
    client.post(reverse("regions:stop_sharing_with_region", args=[incident.pk]))
    assert not RegionalShare.objects.filter(incident=incident).exists()


def test_the_response_team_stops_sharing_a_closed_incident_with_the_region_without_re_opening_it(
    demo, demo_users, client_for
):
    """Taking the free text back from the region changes nothing of the incident, and an incident whose people
    were erased can never be re-opened: the button on the closed incident's page works."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident, IncidentStatus
    from svtoolkit.regions import services

    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED, closed_at=timezone.now())
    client = client_for("responder")
    page = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    stop = reverse("regions:stop_sharing_with_region", args=[incident.pk])
    assert "Stop sharing with the region" in page and f'action="{stop}"' in page

    assert client.post(stop).status_code == 302
    assert not RegionalShare.objects.filter(incident=incident).exists()
    regional_page = client_for("regional_viewer").get(
        reverse("regions:incident", args=[demo.region.slug, incident.pk])
    )
    assert incident.title not in regional_page.content.decode()
    # Sharing a closed incident anew is still a change that waits for it to be re-opened.
    assert client.post(reverse("regions:share_with_region", args=[incident.pk])).status_code == 403
    assert not RegionalShare.objects.filter(incident=incident).exists()


def test_a_closed_incident_is_not_offered_for_sharing_with_the_region(demo, demo_users, client_for):
    """Sharing it anew waits for it to be re-opened: the button would only be refused."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident, IncidentStatus

    incident, _ = demo_incident(demo, demo_users)
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED, closed_at=timezone.now())
    page = client_for("responder").get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "Share this incident with the region" not in page
    assert reverse("regions:share_with_region", args=[incident.pk]) not in page


def test_the_borough_accepts_the_regions_proposal_from_the_incident_page(demo, demo_users, client_for):
    proposed = proposal(demo, demo_users)
    person = demo_person(proposed.incident, demo_users["coordinator"])  # so accepting discloses a record
    client = client_for("coordinator")
    page = client.get(reverse("incidents:incident", args=[proposed.incident_id])).content.decode()
    assert f"Share with {proposed.partnership}" in page
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])
    # Sharing discloses its people affected: refused without a lawful basis, keeping what was typed.
    refused = client.post(url, {"purpose": "Same peer group"}).content.decode()
    assert "govuk-error-summary" in refused and "Same peer group" in refused
    proposed.refresh_from_db()
    assert proposed.status == ProposalStatus.PROPOSED
    client.post(url, {"purpose": "Same peer group", "article6_basis": "6_1_e", "gateway": "cda_1998_s115"})
    proposed.refresh_from_db()
    assert proposed.status == ProposalStatus.ACCEPTED
    disclosure = proposed.incident.disclosures.get()
    assert disclosure.article6_basis == "6_1_e" and list(disclosure.people.all()) == [person]


def test_the_regional_coordinator_proposes_a_share(demo, demo_users, client_for):
    from tests.regions.builders import neighbour

    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)
    client = client_for("regional_coordinator")
    url = reverse("regions:propose_share", args=[demo.region.slug, incident.pk])
    missing = client.post(url, {"partnership": other.pk, "reason": ""})
    assert "govuk-error-summary" in missing.content.decode()
    assert client.post(url, {"partnership": other.pk, "reason": "Victim lives there."}).status_code == 302
    assert incident.share_proposals.get().partnership == other


def test_the_demo_regions_board_and_incident_page_show_the_link_across_the_borough_line(
    demo, demo_users, client_for
):
    from svtoolkit.incidents.models import IncidentLink
    from svtoolkit.regions.demo import seed_demo_region

    seed_demo_region(partnership=demo, users=demo_users)
    link = IncidentLink.objects.get(incident__partnership__slug="westford")
    client = client_for("regional_coordinator")
    board = client.get(reverse("regions:board", args=[demo.region.slug])).content.decode()
    assert "Possible retaliation: <a" in board and link.linked.reference in board
    page = client.get(reverse("regions:incident", args=[demo.region.slug, link.incident_id])).content.decode()
    assert "Possible retaliation" in page and link.linked.reference in page
    assert link.reason not in page  # neither incident is shared with the region


def test_every_control_of_the_board_has_an_id_of_its_own(demo, demo_users, client_for):
    """Swapped in again every 30 seconds, the board gets focus back (htmx finds the element by its id) on its
    links, each incident's and each link's to another incident, and its scrolling table."""
    from svtoolkit.regions.demo import seed_demo_region

    seed_demo_region(partnership=demo, users=demo_users)
    client = client_for("regional_coordinator")
    board = client.get(reverse("regions:board", args=[demo.region.slug]), headers={"HX-Request": "true"})
    assert "Possible retaliation: <a" in board.content.decode()
    assert controls_without_an_id_of_their_own(board.content.decode()) == []


def test_the_borough_declines_a_proposal_on_its_closed_incident_and_cannot_accept_it_until_re_opened(
    demo, demo_users, client_for
):
    """Declining shares nothing, so a closed incident takes it; accepting is a disclosure and a change to the
    incident, which waits for it to be re-opened."""
    from django.utils import timezone

    from svtoolkit.incidents.models import Incident, IncidentStatus

    proposed = proposal(demo, demo_users)
    Incident.objects.filter(pk=proposed.incident_id).update(
        status=IncidentStatus.CLOSED, closed_at=timezone.now()
    )
    client = client_for("coordinator")
    incident_page = client.get(reverse("incidents:incident", args=[proposed.incident_id]))
    assert f"Share with {proposed.partnership}" not in incident_page.content.decode()
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])

    refused = client.post(url, {"purpose": "Same peer group", **SHARE_BASIS}, follow=True)
    assert f"{proposed.incident.reference} is closed" in refused.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == ProposalStatus.PROPOSED
    assert not proposed.incident.disclosures.exists()

    client.post(url, form_on(incident_page, having="decision") | {"reason": "The incident is over."})
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decision_reason) == (ProposalStatus.DECLINED, "The incident is over.")


def test_the_decline_form_says_the_region_reads_the_reason_whatever_the_borough_shares(
    demo, demo_users, client_for
):
    """The defect: the reason for declining goes to the region whatever the borough shares with it, free text
    that the form gave no warning of."""
    proposed = proposal(demo, demo_users)
    page = client_for("coordinator").get(reverse("incidents:incident", args=[proposed.incident_id]))
    assert "The region reads this, whatever your partnership shares with it." in page.content.decode()


def test_declining_with_a_reason_too_long_says_so_and_decides_nothing(demo, demo_users, client_for):
    proposed = proposal(demo, demo_users)
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])
    page = client_for("responder").post(url, {"decision": "decline", "reason": "No. " * 200}, follow=True)
    assert "at most 500 characters" in page.content.decode()
    assert "Say why you decline" not in page.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == ProposalStatus.PROPOSED


SHARE_BASIS = {"article6_basis": "6_1_e", "gateway": "cda_1998_s115"}


def shown_again(refused, *, decided: str, by, keeping: str) -> None:
    """The page shown again with who decided the proposal first, and how, and what was typed still in it."""
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert f"This proposal was already {decided} by {by} at" in page and keeping in page


def test_accepting_a_proposal_a_colleague_declined_meanwhile_says_so_and_keeps_what_was_typed(
    demo, demo_users, client_for
):
    proposed = proposal(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])
    accepting = form_on(client.get(url), having="purpose")
    incident_page = client.get(reverse("incidents:incident", args=[proposed.incident_id]))
    client.post(url, form_on(incident_page, having="decision") | {"reason": "Not theirs to know."})

    refused = client.post(url, accepting | {"purpose": "Same peer group", **SHARE_BASIS})
    shown_again(refused, decided="declined", by=demo_users["coordinator"], keeping="Same peer group")
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decision_reason) == (ProposalStatus.DECLINED, "Not theirs to know.")
    assert not proposed.incident.disclosures.exists()


def test_declining_a_proposal_a_colleague_accepted_meanwhile_says_so_and_keeps_the_reason(
    demo, demo_users, client_for
):
    proposed = proposal(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])
    declining = form_on(
        client.get(reverse("incidents:incident", args=[proposed.incident_id])), having="decision"
    )
    client.post(
        url, form_on(client.get(url), having="purpose") | {"purpose": "Same peer group", **SHARE_BASIS}
    )

    refused = client.post(url, declining | {"reason": "Eastmere has no part in this."})
    shown_again(
        refused, decided="accepted", by=demo_users["coordinator"], keeping="Eastmere has no part in this."
    )
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decision_reason) == (ProposalStatus.ACCEPTED, "")
    # Its "Share with" link followed from a page opened before says so too, rather than not found.
    again = client.get(url, follow=True).content.decode()
    assert "This proposal was already accepted by" in again


def test_after_a_borough_moves_region_the_new_region_shows_none_of_the_old_regions_proposals_as_its_own(
    demo, demo_users, client_for, client
):
    """The defect: the old region's open proposal stayed on the borough's incident page, headed with the new
    region's name, and the new region's page of the incident listed it as one of its own proposals."""
    proposed = proposal(demo, demo_users)
    old_region = demo.region
    kent = RegionFactory(name="Kent and Medway VRU", slug="kent")
    kent_coordinator = RegionMembershipFactory(region=kent, role=RegionRole.COORDINATOR).user
    superuser = UserFactory(is_superuser=True, is_staff=True)

    partnership_services.move_to_region(partnership=demo, region=kent, by=superuser)

    borough = client_for("coordinator").get(reverse("incidents:incident", args=[proposed.incident_id]))
    shown = borough.content.decode()
    assert f"Share with {proposed.partnership}" not in shown
    # The incident's timeline says the old region's proposal was withdrawn, and why.
    assert f"share this incident with {proposed.partnership} was withdrawn: {demo} left {old_region}" in shown
    client.force_login(kent_coordinator, backend=MODEL_BACKEND)
    page = client.get(reverse("regions:incident", args=[kent.slug, proposed.incident_id]))
    assert list(page.context["proposals"]) == []
    assert "The region has proposed no sharing." in page.content.decode()


def test_accepting_the_regions_proposal_asks_for_a_reason_that_names_no_one(demo, demo_users, client_for):
    """Accepting a proposal shares the incident, and the share's audit entry keeps the reason for good, as on
    the share page: its form asks for a reason that names no one affected too."""
    proposed = proposal(demo, demo_users)
    url = reverse("regions:decide_proposal", args=[proposed.incident_id, proposed.pk])
    page = client_for("coordinator").get(url)
    assert "The audit log keeps the reason for good, even once the records are erased" in html.unescape(
        page.content.decode()
    )
