import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.core.models import Change
from svtoolkit.incidents import selectors, services
from svtoolkit.incidents.models import (
    ActionStatus,
    Incident,
    IncidentStatus,
    PlanAction,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.partnerships.models import Contact
from tests.factories import IncidentFactory, MembershipFactory
from tests.incidents.builders import (
    RECORD_FORM,
    SHARE_BASIS,
    action_due,
    demo_incident,
    left_the_partnership,
    mark_action,
    more_actions,
    moved_to,
    police_declared,
    reassign,
    recorded_incident,
    set_aside_as_listed,
)
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_and_action(demo, demo_users):
    return demo_incident(demo, demo_users)


def test_recording_an_incident(client_for, demo):
    client = client_for("responder")
    response = client.post(reverse("incidents:record"), RECORD_FORM)
    incident = Incident.objects.get()
    assert response["Location"] == reverse("incidents:incident", args=[incident.pk])
    assert incident.reference == "NB-2026-0001" and incident.scenes.get().area == "Eastgate"


def test_recording_an_incident_puts_its_scene_on_the_map_when_both_coordinates_are_given(client_for, demo):
    client = client_for("responder")
    fields = {**RECORD_FORM, "scene_latitude": "51.57150"}
    half = client.post(reverse("incidents:record"), fields)
    assert half.status_code == 200 and not Incident.objects.exists()
    assert half.context["form"].errors["scene_longitude"] == [
        "Give both the latitude and the longitude, or neither."
    ]
    assert 'value="51.57150"' in half.content.decode(), "what was typed is kept"

    assert (
        client.post(reverse("incidents:record"), {**fields, "scene_longitude": "-0.10880"}).status_code == 302
    )
    scene = Incident.objects.get().scenes.get()
    assert (str(scene.latitude), str(scene.longitude)) == ("51.57150", "-0.10880")


def test_an_incident_time_in_the_future_is_refused_with_a_little_tolerance_for_clock_skew(client_for, demo):
    client = client_for("responder")
    later = timezone.localtime() + timedelta(hours=2)
    fields = {
        "title": "Stabbing on the high street",
        "incident_types": ["knife"],
        "occurred_at": later.strftime("%Y-%m-%dT%H:%M"),
        "notified_at": later.strftime("%Y-%m-%dT%H:%M"),
        "notification_source": "police",
        "summary": "One man stabbed.",
        "scene_description": "High street",
    }
    response = client.post(reverse("incidents:record"), fields)
    assert "When it happened must be in the past" in response.content.decode()
    assert 'value="Stabbing on the high street"' in response.content.decode()
    assert not Incident.objects.exists()

    a_phone_two_minutes_fast = (timezone.localtime() + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    fields.update(occurred_at=a_phone_two_minutes_fast, notified_at=a_phone_two_minutes_fast)
    assert client.post(reverse("incidents:record"), fields).status_code == 302
    assert Incident.objects.count() == 1


def test_bad_incident_input_is_explained_and_kept(client_for, demo):
    response = client_for("responder").post(
        reverse("incidents:record"),
        {
            "title": "Stabbing",
            "occurred_at": "2026-11-24T21:10",
            "notified_at": "2026-11-24T20:00",
            "summary": "",
        },
    )
    content = response.content.decode()
    for message in [
        "Choose at least one type of incident",
        "The partnership cannot have been told before the incident happened",
        "Enter a factual summary",
        "Choose who told the partnership",
    ]:
        assert message in content
    assert 'value="Stabbing"' in content
    assert not Incident.objects.exists()


# A categorisation decided on its page: a serious violence incident that needs a meeting.
A_DECISION = {
    "step": "decide",
    "factors": ["death_or_life_changing"],
    "serious_violence": "yes",
    "meeting_needed": "yes",
    "cross_borough": "no",
    "rationale": "A death near a school",
}


def test_categorisation_suggests_then_decides(client_for, incident_and_action):
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:categorise", args=[incident.pk])
    suggested = client.post(url, {"step": "suggest", "factors": ["death_or_life_changing"]})
    assert "This looks like a serious violence incident" in suggested.content.decode()
    assert not incident.categorisations.exists()
    # The page comes back at the suggestion with the keyboard focus on it, not at the top of the page.
    assert f'formaction="{url}#suggestion"' in client.get(url).content.decode()
    assert 'id="suggestion" tabindex="-1" autofocus' in suggested.content.decode()
    missing = client.post(url, {"step": "decide", "factors": ["death_or_life_changing"]})
    assert "Give the reason for the decision" in missing.content.decode()
    assert "autofocus" not in missing.content.decode()  # the error summary takes the focus instead
    client.post(url, A_DECISION)
    assert incident.categorisations.get().meeting_needed


def closed_by_a_colleague_once_found(monkeypatch):
    """A colleague closes the incident just after the page has found it open (and checked it may change it):
    what the page goes on to save meets the service's check, under the incident's lock."""
    found_open = selectors.incident_for_request

    def closed_just_after_it_was_found(request, incident_id):
        shown = found_open(request, incident_id)
        Incident.objects.filter(pk=incident_id).update(status=IncidentStatus.CLOSED)
        return shown

    monkeypatch.setattr(selectors, "incident_for_request", closed_just_after_it_was_found)


def test_a_categorisation_sent_as_a_colleague_closes_the_incident_is_refused_on_the_page_with_what_was_typed(
    client_for, incident_and_action, monkeypatch
):
    """The service refuses the decision ("closed meanwhile"): the page says so and keeps the reason typed,
    rather than failing."""
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:categorise", args=[incident.pk])
    closed_by_a_colleague_once_found(monkeypatch)
    refused = client.post(url, A_DECISION)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "was closed meanwhile" in page and "A death near a school" in page
    assert not incident.categorisations.exists()


def test_a_categorisation_decided_on_a_page_opened_before_a_colleague_categorised_is_refused_naming_theirs(
    client_for, incident_and_action
):
    """The defect: the categorise form carried nothing of what its page showed, so a decision made on a page
    that showed no categorisation silently replaced the one a colleague recorded meanwhile. Now it is refused,
    naming who decided what, with what was typed kept; sent again knowingly, it goes through."""
    incident, _ = incident_and_action
    url = reverse("incidents:categorise", args=[incident.pk])
    coordinator, responder = client_for("coordinator"), client_for("responder")
    opened = form_on(responder.get(url), having="rationale")
    coordinator.post(url, form_on(coordinator.get(url), having="rationale") | A_DECISION)
    theirs = incident.categorisations.get()
    mine = {**A_DECISION, "serious_violence": "no", "rationale": "Looks like a one-off"}
    refused = responder.post(url, opened | mine)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert f"{theirs.decided_by.full_name} categorised {incident.reference} meanwhile, as a serious" in page
    assert "Looks like a one-off" in page, "what was typed is kept"
    assert list(incident.categorisations.all()) == [theirs]
    again = responder.post(url, form_on(refused, having="rationale") | {"step": "decide"})
    assert again.status_code == 302
    assert not selectors.current_categorisation(incident).serious_violence


def test_partner_not_taking_part_sees_nothing(client_for, incident_and_action):
    incident, action = incident_and_action
    client = client_for("health")
    assert incident.title not in client.get(reverse("incidents:list")).content.decode()
    for url in [
        reverse("incidents:incident", args=[incident.pk]),
        reverse("incidents:plan", args=[incident.pk]),
        reverse("incidents:timeline", args=[incident.pk]),
        reverse("incidents:action", args=[incident.pk, action.pk]),
    ]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("incidents:update", args=[incident.pk]), {"text": "x"}).status_code == 404


def test_viewer_cannot_change_the_incident(client_for, incident_and_action):
    incident, action = incident_and_action
    client = client_for("viewer")
    assert client.get(reverse("incidents:incident", args=[incident.pk])).status_code == 200
    assert client.post(reverse("incidents:update", args=[incident.pk]), {"text": "x"}).status_code == 403
    assert (
        client.post(
            reverse("incidents:action", args=[incident.pk, action.pk]),
            {"status": "done", "revision": action.revision},
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("incidents:decision_add", args=[incident.pk]), {"what": "x", "why": "y"}
        ).status_code
        == 403
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.TO_DO


def another_action(incident, demo_users, *, title, owner_organisation):
    """An action added by the responder, owned by ``owner_organisation`` (or nobody), due in two hours."""
    return services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title=title,
        guidance="",
        owner_organisation=owner_organisation,
        owner=None,
        due_at=timezone.now() + timedelta(hours=2),
    )


def test_partner_updates_only_their_organisations_actions(client_for, incident_and_action, demo_users):
    incident, police_action = incident_and_action
    other = another_action(incident, demo_users, title="Open a rest centre", owner_organisation=None)
    client = client_for("police")
    done = client.post(
        reverse("incidents:action", args=[incident.pk, police_action.pk]),
        {"status": "done", "revision": police_action.revision, "note": "Footage secured"},
    )
    assert done.status_code == 302
    assert client.get(reverse("incidents:action", args=[incident.pk, other.pk])).status_code == 403
    page = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert _actions_listed(page, "My organisation's actions on this incident") == [police_action]


def _actions_listed(page: str, caption: str) -> list[PlanAction]:
    """The actions in the page's table of actions captioned ``caption``, in the order it lists them."""
    table = page.split(f'aria-label="{caption}"', 1)[1].split("</table>", 1)[0]
    ids = [int(pk) for pk in re.findall(r'<tr [^>]*id="action-(\d+)[-"]', table)]
    found = PlanAction.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def test_conflicting_action_edits_show_both_versions(client_for, incident_and_action):
    incident, action = incident_and_action
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client = client_for("responder")
    client.post(url, {"status": "in_progress", "revision": action.revision})
    response = client.post(
        url, {"status": "not_needed", "not_needed_reason": "Covered by BTP", "revision": action.revision}
    )
    content = response.content.decode()
    assert "Someone else changed this action while you were editing it" in content
    assert "Covered by BTP" in content
    assert PlanAction.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS


def test_a_stale_action_form_naming_an_owner_who_left_since_shows_the_conflict(
    client_for, incident_and_action, demo, demo_users
):
    """The defect: a responder's form, read while the police officer owned the action, sent back after a
    colleague gave it to someone else and the officer left, was refused as naming someone who is no longer a
    member, as though the responder had chosen them. The change since is shown first, as for any edit."""
    incident, action = incident_and_action
    police = demo_users["police"]
    reassign(action, demo_users["coordinator"], action.owner_organisation, police)
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client = client_for("responder")
    read = form_on(client.get(url), having="revision")
    colleague = MembershipFactory(
        partnership=demo, role="partner", organisation=action.owner_organisation
    ).user
    reassign(action, demo_users["coordinator"], action.owner_organisation, colleague)
    left_the_partnership(police, demo, by=demo_users["coordinator"])
    response = client.post(url, {**read, "status": "done", "note": "Footage secured"})
    content = response.content.decode()
    assert "Someone else changed this action while you were editing it" in content
    assert "Footage secured" in content
    again = form_on(response, having="revision")
    assert (again["status"], again["owner"]) == ("done", str(colleague.pk))  # theirs kept, the owner as now
    action.refresh_from_db()
    assert (action.status, action.owner) == ("to_do", colleague)


def test_incident_page_queries_do_not_grow_with_the_incident(client_for, incident_and_action, demo_users):
    incident, _ = incident_and_action
    client = client_for("police")
    url = reverse("incidents:incident", args=[incident.pk])
    client.get(url)
    Change.objects.create(incident_id=incident.pk)  # the page as drawn, not as kept (incidents.page_cache)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for number in range(60):
        services.add_action(
            incident=incident,
            by=demo_users["responder"],
            title=f"Action {number}",
            guidance="",
            owner_organisation=incident.participations.get(organisation__kind="police").organisation,
            owner=demo_users["police"],
            due_at=timezone.now() - timedelta(hours=1) if number % 2 else timezone.now() + timedelta(hours=1),
        )
        services.add_update(incident=incident, by=demo_users["police"], text=f"Update {number}")
    Change.objects.create(incident_id=incident.pk)  # the whole page drawn, not only its live part
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(large) == len(small)
    # A ceiling, not a count: the scenes with their police measures take two of them, the police's
    # declaration one, and each panel of an app above incidents its own (alert, links, region, fund,
    # attachments).
    assert len(large) <= 31
    page = response.content.decode()
    overdue, due_soon = (
        _actions_listed(page, caption) for caption in ("Overdue actions", "Due in the next 24 hours")
    )
    assert len(overdue) == 20 and all(action.due_at < timezone.now() for action in overdue)
    # The first 20 of the 30 due in an hour: the action due in four hours is not among them.
    assert len(due_soon) == 20 and all(action.due_at >= timezone.now() for action in due_soon)
    assert [a.due_at for a in overdue] == sorted(a.due_at for a in overdue)
    assert [a.due_at for a in due_soon] == sorted(a.due_at for a in due_soon)
    assert "Review CCTV of the bus stop" not in [a.title for a in due_soon]


def test_live_refresh_returns_only_the_live_part(client_for, incident_and_action):
    incident, _ = incident_and_action
    response = client_for("responder").get(
        reverse("incidents:incident", args=[incident.pk]), HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="incident-live"')
    assert "<html" not in content


def test_live_refresh_reads_nothing_only_the_rest_of_the_page_shows(client_for, incident_and_action):
    """Every open incident page asks for its live part every 30 seconds: reading the panels, categorisation,
    leads, partners and decisions for it (which it does not show) cost two queries in three."""
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:incident", args=[incident.pk])
    with CaptureQueriesContext(connection) as live:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="incident-live"' in response.content.decode()
    read = " ".join(query["sql"] for query in live)
    for table in (
        "categorisation",
        "policedeclaration",
        "leadassignment",
        "decision",
        "alerts_alert",
        "link",
    ):
        assert f"_{table}" not in read, f"the live part read {table}"
    Change.objects.create(incident_id=incident.pk)  # the whole page drawn, not found in the cache
    with CaptureQueriesContext(connection) as whole:
        client.get(url)
    # Seven fewer at least (eight before the region and fund panels shared their one read of the region).
    assert len(live) <= len(whole) - 7


def test_exercises_are_marked_on_every_incident_page(client_for, incident_and_action):
    incident, action = incident_and_action
    incident.is_exercise = True
    incident.save()
    client = client_for("responder")
    pages = [
        "incident",
        "categorise",
        "lead",
        "partners",
        "plan",
        "action_add",
        "plan_review",
        "timeline",
        "update",
    ]
    pages += ["decisions", "decision_add", "status", "share", "people", "person_add"]
    urls = [reverse(f"incidents:{name}", args=[incident.pk]) for name in pages]
    urls.append(reverse("incidents:action", args=[incident.pk, action.pk]))
    for url in urls:
        assert "Exercise: this is not a real incident" in client.get(url).content.decode(), url


def test_correcting_the_record_never_overwrites_a_concurrent_change(client_for, incident_and_action):
    incident, _ = incident_and_action
    url = reverse("incidents:edit_record", args=[incident.pk])
    client = client_for("responder")
    opened = client.get(url).context["form"].initial
    fields = {
        "title": incident.title,
        "incident_types": incident.incident_types,
        "occurred_at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "notified_at": timezone.localtime(incident.notified_at).strftime("%Y-%m-%dT%H:%M"),
        "summary": "First correction",
        "revision": opened["revision"],
    }
    assert client.post(url, fields).status_code == 302
    response = client.post(url, {**fields, "summary": "Second correction"})
    content = response.content.decode()
    assert "Someone else changed this incident while you were editing it" in content
    assert "Second correction" in content and "First correction" in content
    incident.refresh_from_db()
    assert incident.summary == "First correction"


def test_a_status_chosen_on_a_page_opened_before_a_colleague_moved_it_on_is_refused_naming_the_status_now(
    client_for, incident_and_action
):
    """Opened at reported; meanwhile moved to responding, then recovery. Responding, allowed from recovery,
    chosen on the first page would undo that unseen: refused, it goes through once sent again knowingly."""
    incident, _ = incident_and_action
    url = reverse("incidents:status", args=[incident.pk])
    client = client_for("responder")
    opened = form_on(client.get(url), having="status")
    for status in (IncidentStatus.RESPONDING, IncidentStatus.RECOVERY):
        client.post(url, form_on(client.get(url), having="status") | {"status": status})
    refused = client.post(url, opened | {"status": IncidentStatus.RESPONDING})
    assert refused.status_code == 200
    assert "it is now recovery, not reported" in refused.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RECOVERY
    assert client.post(url, form_on(refused, having="status")).status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESPONDING


def test_adding_a_scene_checks_coordinates(client_for, incident_and_action):
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:scene_add", args=[incident.pk])
    bad = client.post(url, {"description": "Alley off Station Road", "latitude": "51.5", "longitude": ""})
    assert "Give both the latitude and the longitude, or neither" in bad.content.decode()
    client.post(
        url, {"description": "Alley off Station Road", "latitude": "51.51234", "longitude": "-0.10101"}
    )
    assert incident.scenes.count() == 2


def test_an_exercise_incident_is_recorded_from_the_exercise(client_for, demo, demo_users):
    from datetime import date

    from svtoolkit.playbooks import services as playbook_services

    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )
    exercise = playbook_services.start_exercise(
        partnership=demo,
        by=demo_users["coordinator"],
        title="Operation Lantern",
        scenario="Tabletop",
        incident_types=["corrosive"],
        categories=[],
        planned_for=date(2027, 1, 20),
        organisations=[],
    )
    client = client_for("responder")
    form = client.get(reverse("incidents:record"), {"exercise": exercise.pk}).context["form"]
    assert form.initial == {
        "title": "Operation Lantern",
        "incident_types": ["corrosive"],
        "is_exercise": True,
    }
    client.post(
        reverse("incidents:record"),
        {
            "exercise": exercise.pk,
            "title": "Operation Lantern",
            "incident_types": ["corrosive"],
            "occurred_at": "2026-11-20T10:00",
            "notified_at": "2026-11-20T10:05",
            "notification_source": "btp",
            "summary": "Exercise inject 1",
            "scene_description": "Bus station",
        },
    )
    incident = Incident.objects.get()
    assert incident.exercise == exercise and incident.is_exercise


def test_malformed_ids_in_query_strings_are_not_found(client_for, incident_and_action):
    incident, _ = incident_and_action
    client = client_for("responder")
    assert (
        client.get(reverse("incidents:decision_add", args=[incident.pk]), {"supersedes": "abc"}).status_code
        == 404
    )
    assert client.get(reverse("incidents:record"), {"exercise": "1 OR 1=1"}).status_code == 404


def test_incident_list_pages_newest_first_and_back(
    client_for, demo, demo_users, django_assert_max_num_queries
):
    started = timezone.now() - timedelta(days=200)
    Incident.objects.bulk_create(
        Incident(
            partnership=demo,
            reference=f"NB-2026-{number:04d}",
            year=2026,
            sequence=number,
            title=f"Incident number {number}",
            # Pairs share a time, so the id must break the tie for no incident to be skipped or repeated.
            occurred_at=started + timedelta(hours=number // 2),
            notified_at=started + timedelta(hours=number // 2),
            notification_source="police",
            summary="Generated for the list.",
            status="closed" if number % 3 else "responding",
        )
        for number in range(1, 121)
    )
    client = client_for("viewer")
    seen, url, pages = [], reverse("incidents:list"), 0
    while url:
        with django_assert_max_num_queries(12):
            response = client.get(url)
        page = response.context["page"]
        seen += [incident.title for incident in page.items]
        pages += 1
        url = f"{reverse('incidents:list')}?older_than={page.older}" if page.older else None
    expected = [i.title for i in Incident.objects.filter(partnership=demo).order_by("-occurred_at", "-id")]
    assert seen == expected and pages == 3
    newer = client.get(f"{reverse('incidents:list')}?newer_than={page.newer}").context["page"]
    assert [i.title for i in newer.items] == expected[50:100]
    assert (
        'href="?newer_than='
        in client.get(f"{reverse('incidents:list')}?older_than={page.newer}").content.decode()
    )


def test_incident_list_filter_is_kept_across_pages_and_a_bad_cursor_gives_the_first_page(client_for, demo):
    for number in range(1, 56):
        IncidentFactory(
            partnership=demo,
            reference=f"NB-2026-{number:04d}",
            sequence=number,
            title=f"Incident number {number}",
            occurred_at=timezone.now() - timedelta(days=number),
            notified_at=timezone.now() - timedelta(days=number),
        )
    client = client_for("responder")
    content = client.get(reverse("incidents:list"), {"status": "responding"}).content.decode()
    assert "?status=responding&amp;older_than=" in content
    for bad in ["x", "1-2-3", "99999999999999999999999999-1", ""]:
        response = client.get(reverse("incidents:list"), {"older_than": bad, "newer_than": bad})
        assert response.status_code == 200
        assert response.context["page"].items[0].title == "Incident number 1"


def long_timeline(incident, demo_users, count: int) -> list[str]:
    """Adds `count` changes and updates by several authors, pairs at one moment (so the id breaks ties), all
    after what the incident already has; returns the timeline's texts, newest first."""
    authors = list(demo_users.values())
    started = incident.timeline.order_by("-at").first().at
    entries = TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            by=authors[number % len(authors)],
            kind=TimelineKind.CHANGE if number % 3 else TimelineKind.UPDATE,
            text=f"Entry number {number}",
        )
        for number in range(count)
    )
    for number, entry in enumerate(entries):
        entry.at = started + timedelta(minutes=1 + number // 2)
    TimelineEntry.objects.bulk_update(entries, ["at"])
    return list(incident.timeline.order_by("-at", "-id").values_list("text", flat=True))


def older_link(content: str, rel: str = "next") -> str | None:
    """The address the timeline page's "Older" link (or "Newer", `rel` "prev") opens, as a person without
    JavaScript follows it."""
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', content)
    return html.unescape(found.group(1)) if found else None


def entries_on(content: str) -> list[str]:
    """The texts of the timeline entries a page shows, in its order."""
    return [html.unescape(text) for text in re.findall(r'moj-timeline__description">([^<]*)</div>', content)]


def test_the_timeline_of_a_long_running_incident_reaches_its_first_entry_through_its_older_links(
    client_for, incident_and_action, demo_users
):
    """The defect: the timeline page showed the latest 500 entries and nothing else, with no older page and no
    word that more existed: on a long-running incident its first hours ("Incident recorded") were lost from
    the page, and the kind filter had the same cut-off."""
    incident, _ = incident_and_action
    everything = long_timeline(incident, demo_users, count=520)
    assert everything[-1].startswith("Incident recorded")
    client = client_for("responder")
    url = reverse("incidents:timeline", args=[incident.pk])
    pages, address = [], ""
    while address is not None:
        content = client.get(url + address).content.decode()
        pages.append(entries_on(content))
        address = older_link(content)
    assert sum(pages, []) == everything, "every entry once, newest first, down to the first"
    assert len(pages) > 1
    assert entries_on(client.get(url + older_link(content, rel="prev")).content.decode()) == pages[-2]

    changes = list(
        incident.timeline.filter(kind="change").order_by("-at", "-id").values_list("text", flat=True)
    )
    seen, address = [], "?kind=change"
    while address is not None:
        assert address.startswith("?kind=change"), "the filter is kept across pages"
        content = client.get(url + address).content.decode()
        seen += entries_on(content)
        address = older_link(content)
    assert seen == changes and seen[-1].startswith("Incident recorded")


def test_a_timeline_page_costs_the_same_queries_however_long_the_timeline(
    client_for, incident_and_action, demo_users
):
    """The defect: the timeline showed only its latest 500 entries; paged, each page must still read its
    entries and their authors in the same few queries, however many entries (and authors) there are."""
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:timeline", args=[incident.pk])

    def queries_of_first_and_second_page() -> list[int]:
        counts = []
        second = older_link(client.get(url).content.decode())
        assert second, "the page offers the older entries"
        for address in ["", second]:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url + address).status_code == 200
            counts.append(len(queries))
        return counts

    long_timeline(incident, demo_users, count=250)
    before = queries_of_first_and_second_page()
    long_timeline(incident, demo_users, count=500)
    assert queries_of_first_and_second_page() == before


def test_a_timeline_address_with_an_odd_page_gives_its_first_page(
    client_for, incident_and_action, demo_users
):
    """The defect: the timeline had no pages; the page it now takes from its address is never an error."""
    incident, _ = incident_and_action
    newest = long_timeline(incident, demo_users, count=150)[0]
    client = client_for("responder")
    url = reverse("incidents:timeline", args=[incident.pk])
    for bad in [
        "x",
        "1-2-3",
        "99999999999999999999999999-1",
        "9999999999999999-99999999999999999999999",
        "-1--1",
        "",
    ]:
        for kind in ["", "change", "nonsense"]:
            response = client.get(url, {"older_than": bad, "newer_than": bad, "kind": kind})
            assert response.status_code == 200
            if kind != "change":
                assert entries_on(response.content.decode())[0] == newest


def test_incident_list_filter_panel_shows_a_tag_per_filter_that_removes_just_that_one(client_for, demo):
    for number, status in enumerate(["responding", "closed", "recovery"], start=1):
        IncidentFactory(partnership=demo, reference=f"NB-2026-{number:04d}", sequence=number, status=status)
    client = client_for("responder")
    response = client.get(reverse("incidents:list"), {"status": ["closed", "responding", "nonsense"]})
    assert sorted(i.status for i in response.context["page"].items) == ["closed", "responding"]
    content = response.content.decode()
    assert 'class="moj-filter-layout"' in content and "Apply filters" in content
    assert 'value="closed" checked' in content and 'value="recovery">' in content
    # Each selected filter is a tag whose link keeps every other filter.
    assert '<a class="moj-filter__tag" href="?status=closed">' in content
    assert '<a class="moj-filter__tag" href="?status=responding">' in content
    assert "nonsense" not in content
    without_responding = client.get(reverse("incidents:list") + "?status=closed")
    assert [i.status for i in without_responding.context["page"].items] == ["closed"]
    assert '<a class="moj-filter__tag" href="?">' in without_responding.content.decode()
    unfiltered = client.get(reverse("incidents:list") + "?")
    assert len(unfiltered.context["page"].items) == 3
    assert "Selected filters" not in unfiltered.content.decode()


def test_incident_list_counts_open_and_overdue_actions(client_for, incident_and_action, demo_users):
    incident, action = incident_and_action
    services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Overdue one",
        guidance="",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now() - timedelta(hours=1),
    )
    listed = client_for("responder").get(reverse("incidents:list")).context["page"].items
    assert [(i.open_actions, i.overdue_actions) for i in listed] == [(2, 1)]


def test_a_decision_records_who_decided_starting_as_the_person_logging_it(client_for, incident_and_action):
    incident, _ = incident_and_action
    client = client_for("responder")
    url = reverse("incidents:decision_add", args=[incident.pk])
    form = client.get(url).content.decode()
    responder = client.get(url).context["request"].user.full_name
    assert 'name="who_decided"' in form and f'value="{responder}"' in form

    client.post(url, {"what": "Close the park", "why": "Retaliation risk", "who_decided": "Ch Supt Gold"})
    decision = incident.decisions.get()
    assert (decision.who_decided, decision.decided_by.full_name) == ("Ch Supt Gold", responder)
    page = client.get(reverse("incidents:decisions", args=[incident.pk])).content.decode()
    assert "Ch Supt Gold" in page and f"logged by {responder}" in page

    response = client.post(url, {"what": "Open the hall", "why": "Needed", "who_decided": " "})
    assert "Enter who decided" in response.content.decode()
    assert incident.decisions.count() == 1


def test_update_links_only_where_they_lead_somewhere(client_for, incident_and_action, demo_users):
    incident, police_action = incident_and_action
    council = demo_users["responder"].memberships.get().organisation
    council_action = another_action(
        incident, demo_users, title="Letter to parents", owner_organisation=council
    )
    plan = reverse("incidents:plan", args=[incident.pk])

    def update_links(role):
        page = client_for(role).get(plan).content.decode()
        return {
            action.pk
            for action in (police_action, council_action)
            if reverse("incidents:action", args=[incident.pk, action.pk]) in page
        }

    assert update_links("responder") == {police_action.pk, council_action.pk}
    assert update_links("police") == {police_action.pk}
    assert update_links("viewer") == set()
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    assert update_links("responder") == set()


def test_informing_with_no_partners_or_nobody_new_says_so(client_for, demo, demo_users):
    client = client_for("responder")
    incident = IncidentFactory(partnership=demo)
    inform = reverse("incidents:inform", args=[incident.pk])
    page = client.post(inform, follow=True).content.decode()
    assert "No partner is taking part yet, so nobody was informed" in page

    police = demo.organisations.get(kind="police")
    contact = police.contacts.exclude(email="").first()
    services.add_participant(
        incident=incident, organisation=police, contact=contact, by=demo_users["responder"]
    )
    assert "on their way to 1 partner" in client.post(inform, follow=True).content.decode()
    assert "already been informed: nobody new to tell" in client.post(inform, follow=True).content.decode()


def test_adding_a_partner_already_taking_part_says_so_and_changes_nothing(client_for, incident_and_action):
    incident, _ = incident_and_action
    police = incident.participations.get(organisation__kind="police").organisation
    entries = incident.timeline.count()
    response = client_for("responder").post(
        reverse("incidents:partners", args=[incident.pk]), {"organisation": police.pk, "contact": ""}
    )
    assert response.status_code == 200
    assert f"{police} is already taking part" in response.content.decode()
    assert incident.timeline.count() == entries


def test_a_partners_contact_chosen_on_a_page_opened_before_a_colleague_chose_another_is_refused_naming_theirs(
    client_for, incident_and_action
):
    """Both pages showed the police with no contact; a colleague chose Ray; Sam, chosen on the other page,
    would replace Ray unseen: refused, it goes through once sent again knowingly."""
    incident, _ = incident_and_action
    police = incident.participations.get(organisation__kind="police").organisation
    ray, sam = (Contact.objects.create(organisation=police, name=name) for name in ("Ray Cole", "Sam Hart"))
    url = reverse("incidents:partners", args=[incident.pk])
    client = client_for("responder")
    opened = form_on(client.get(url), having="organisation")
    chosen = {"organisation": police.pk}
    client.post(url, form_on(client.get(url), having="organisation") | chosen | {"contact": ray.pk})
    refused = client.post(url, opened | chosen | {"contact": sam.pk})
    assert refused.status_code == 200
    assert f"changed {police}&#x27;s contact for this incident meanwhile: it is now Ray Cole" in (
        refused.content.decode()
    )
    assert incident.participations.get(organisation=police).contact == ray
    assert client.post(url, form_on(refused, having="organisation")).status_code == 302
    assert incident.participations.get(organisation=police).contact == sam


def test_a_lead_named_on_a_page_opened_before_a_colleague_named_one_is_refused_naming_theirs(
    client_for, incident_and_action, demo, demo_users
):
    """The defect: the lead form carried nothing of what its page showed, so a lead named on a page that
    showed none silently replaced the lead a colleague named meanwhile (a handover nobody meant). Now it is
    refused, naming the lead now, with what was typed kept; sent again knowingly, it hands over."""
    incident, _ = incident_and_action
    police, council = demo.organisations.get(kind="police"), demo.organisations.get(kind="council")
    url = reverse("incidents:lead", args=[incident.pk])
    coordinator, responder = client_for("coordinator"), client_for("responder")
    opened = form_on(responder.get(url), having="officer")
    theirs = {"organisation": police.pk, "officer": demo_users["police"].pk}
    assert coordinator.post(url, form_on(coordinator.get(url), having="officer") | theirs).status_code == 302
    mine = {"organisation": council.pk, "officer": demo_users["responder"].pk, "handover_note": "Council"}
    refused = responder.post(url, opened | mine)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    now = f"it is now {demo_users['police']} ({police})"
    assert f"named the lead of {incident.reference} meanwhile: {now}" in page
    assert "Council</textarea>" in page, "what was typed is kept"
    assert incident.leads.count() == 1 and selectors.current_lead(incident).organisation == police
    assert responder.post(url, form_on(refused, having="officer")).status_code == 302
    assert selectors.current_lead(incident).organisation == council and incident.leads.count() == 2


def test_adding_a_partner_through_someone_elses_contact_is_refused(client_for, demo):
    incident = IncidentFactory(partnership=demo)
    police, council = demo.organisations.get(kind="police"), demo.organisations.get(kind="council")
    contact = council.contacts.filter(is_active=True).first()
    response = client_for("responder").post(
        reverse("incidents:partners", args=[incident.pk]), {"organisation": police.pk, "contact": contact.pk}
    )
    assert response.status_code == 200
    assert f"{contact.name} does not work for {police}" in response.content.decode()
    assert not incident.participations.exists()


INCIDENT_PAGE_QUERIES = 22  # signing in and finding the incident 6, the page 16 (docs/performance.md)


def _incident_page_queries(client, incident) -> int:
    Change.objects.create(incident_id=incident.pk)  # the page as drawn, not as kept (incidents.page_cache)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("incidents:incident", args=[incident.pk]))
    assert response.status_code == 200
    return len(captured)


def _grow(incident, by, *, by_how_much: int):
    more_actions(incident, by, how_many=by_how_much)
    for number in range(by_how_much):
        services.add_update(incident=incident, by=by, text=f"Update {number}")
        services.record_decision(incident=incident, by=by, what=f"Decision {number}", why="Because")


def test_the_incident_page_reads_a_fixed_number_of_queries_whatever_its_size(
    client_for, demo, demo_users, django_assert_max_num_queries
):
    """Issue 19, item 3: the incident page (in a region, with its fund; actions, timeline, decisions, a
    meeting, a person affected, a lead) reads no more than its fixed number of queries, and no more for an
    incident with more actions, entries and decisions (no query per row)."""
    from tests.incidents.builders import demo_person
    from tests.meetings.builders import demo_meeting

    incident, _ = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    police = demo.organisations.get(kind="police")
    services.assign_lead(
        incident=incident, organisation=police, officer=demo_users["police"], by=responder, handover_note=""
    )
    demo_meeting(demo, demo_users, incident)
    demo_person(incident, responder)
    _grow(incident, responder, by_how_much=2)
    client = client_for("coordinator")
    client.get(reverse("incidents:incident", args=[incident.pk]))  # the session's first request settles it
    small = _incident_page_queries(client, incident)
    _grow(incident, responder, by_how_much=12)
    with django_assert_max_num_queries(INCIDENT_PAGE_QUERIES):
        client.get(reverse("incidents:incident", args=[incident.pk]))
    assert _incident_page_queries(client, incident) == small


def test_plan_progress_counts_each_areas_actions_done_and_overdue_as_the_orm_would(demo, demo_users):
    """plan_progress is written as SQL (docs/performance.md, "The incident page drawn afresh"): its counts,
    areas and their order are those of the same query built by Django."""
    from django.db.models import Count, Q

    from svtoolkit.incidents.models import OPEN_ACTION_STATUSES
    from svtoolkit.incidents.selectors import plan_progress

    incident, action = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    extra = more_actions(incident, responder, how_many=6)  # due from two hours ago, an hour apart
    PlanAction.objects.filter(pk__in=[a.pk for a in extra[:3]]).update(area_title="Scene", area_position=2)
    PlanAction.objects.filter(pk__in=[a.pk for a in extra[3:]]).update(area_title="Families", area_position=1)
    mark_action(extra[0], ActionStatus.DONE, by=responder)  # overdue but done
    mark_action(extra[4], ActionStatus.NOT_NEEDED, by=responder, not_needed_reason="Covered")
    mark_action(extra[1], ActionStatus.IN_PROGRESS, by=responder)  # overdue and still open
    now = timezone.now()
    expected = [
        (row["area_title"], row["total"], row["done"], row["overdue"])
        for row in incident.actions.values("area_title", "area_position")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=~Q(status__in=OPEN_ACTION_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_ACTION_STATUSES, due_at__lt=now)),
        )
        .order_by("area_position", "area_title")
    ]
    found = [(area.title, area.total, area.done, area.overdue) for area in plan_progress(incident)]
    assert found == expected
    titles = [title for title, *_ in found]
    assert titles.index("Families") < titles.index("Scene")  # checklist order, not the alphabet's
    assert ("Scene", 3, 1, 2) in found and ("Families", 3, 1, 0) in found
    assert plan_progress(recorded_incident(demo, responder)) == []  # no plan drawn yet


def test_plan_progress_counts_an_action_handed_over_as_finished(demo, demo_users):
    """The defect: an area whose actions were handed over to other services when the incident moved to
    recovery showed "0 of 1" done for ever (on the incident page, the meeting pack and the situation report),
    though a handed over action is finished as one not needed is."""
    from svtoolkit.incidents.selectors import plan_progress

    responder = demo_users["responder"]
    incident = recorded_incident(demo, responder)
    action_due(incident, responder, timezone.now() + timedelta(hours=2))
    moved_to(incident, "responding", "recovery", by=responder)
    set_aside_as_listed(
        incident, by=responder, reason="Youth offending team", status=ActionStatus.HANDED_OVER
    )

    assert [(area.done, area.total, area.overdue) for area in plan_progress(incident)] == [(1, 1, 0)]


def test_the_drawn_incident_page_runs_its_costly_queries_as_written_sql_and_no_needless_join(
    client_for, demo, demo_users
):
    """Drawing the incident page afresh (after any change) was half of the mixed load's server CPU, mostly
    Django building SQL. These queries are written as SQL, or built without what they did not need; each
    undone costs up to a millisecond of CPU on every drawing (docs/performance.md, "The incident page drawn
    afresh"): the versions of the linked incidents (every request of the page), plan progress, the region
    panel's two questions, the overdue and due-soon actions' status filter (in their SQL only) and the
    scenes' join to their incident (their own ordering's)."""
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    client.get(reverse("incidents:incident", args=[incident.pk]))
    Change.objects.create(incident_id=incident.pk)  # the page as drawn, not as kept (incidents.page_cache)
    with CaptureQueriesContext(connection) as drawn:
        response = client.get(reverse("incidents:incident", args=[incident.pk]))
    assert response.status_code == 200 and "Plan progress" in response.content.decode()
    queries = [query["sql"] for query in drawn]

    def one(marker: str) -> str:
        found = [sql for sql in queries if marker in sql]
        assert len(found) == 1, (marker, found)
        return found[0]

    assert one("FROM core_change WHERE incident_id IN (SELECT linked_id FROM")
    assert one("SELECT area_title, COUNT(*), SUM(CASE WHEN status NOT IN (")
    region = one('FROM "partnerships_region"')
    assert "EXISTS (SELECT 1 FROM regions_regionalshare WHERE" in region
    assert "EXISTS (SELECT 1 FROM regions_shareproposal WHERE" in region
    assert '"incidents_planaction"."status" IN' not in one("ROW_NUMBER() OVER")
    scenes = [sql for sql in queries if 'FROM "incidents_scene"' in sql]  # the live part's, and the rest's
    assert scenes and not any('INNER JOIN "incidents_incident"' in sql for sql in scenes)


def test_the_live_part_reads_its_actions_entries_and_incident_with_what_it_shows_alone(
    client_for, demo, demo_users
):
    """The live part is drawn again after each of the mixed load's writes (docs/performance.md, "The live
    part drawn again after a write"): its overdue and due-soon actions and its latest entries are read as
    written SQL, with their owners' and authors' names joined and no column they do not show; drawn alone
    after an action's update, it finds its incident without its partnership, checklist version or exercise,
    and without the columns it does not read (its JSON ones above all). Each undone costs up to a millisecond
    of CPU on every drawing."""
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("incidents:incident", args=[incident.pk])
    client.get(url)
    mark_action(action, ActionStatus.IN_PROGRESS, by=demo_users["responder"])
    with CaptureQueriesContext(connection) as drawn:
        page = client.get(url).content.decode()
    assert "In progress" in page and action.title in page
    queries = [query["sql"] for query in drawn]

    def one(marker: str) -> str:
        found = [sql for sql in queries if marker in sql]
        assert len(found) == 1, (marker, found)
        return found[0]

    actions = one("ROW_NUMBER() OVER")
    assert "u.full_name AS owner_full_name" in actions and "o.name AS owner_organisation_name" in actions
    assert "guidance" not in actions and "password" not in actions
    entries = one("incidents_timelineentry")
    assert "u.full_name AS by_full_name" in entries and "password" not in entries
    incident_read = one('FROM "incidents_incident"')
    assert "playbooks_playbookversion" not in incident_read
    assert "incident_types" not in incident_read and "summary" not in incident_read


def test_a_partner_taking_part_acknowledges_the_notice_from_the_incident_page_and_no_one_else_can(
    client_for, incident_and_action
):
    incident, _ = incident_and_action
    url = reverse("incidents:acknowledge_here", args=[incident.pk])
    police = incident.participations.get(organisation__kind="police")

    assert client_for("coordinator").post(url).status_code == 403, "the council is not a partner taking part"
    assert AuditEntry.objects.filter(detail__reason="can_acknowledge_for_organisation").exists()
    police.refresh_from_db()
    assert police.acknowledged_at is None

    answer = client_for("police").post(url)
    assert answer["Location"].startswith(reverse("incidents:incident", args=[incident.pk]))
    police.refresh_from_db()
    assert police.acknowledged_at is not None


def test_moving_when_it_happened_to_after_the_police_declaration_is_explained_and_changes_nothing(
    client_for, demo, demo_users, time_machine
):
    afternoon = datetime(2026, 3, 3, 17, 0, tzinfo=ZoneInfo("Europe/London"))
    time_machine.move_to(afternoon, tick=False)
    incident = recorded_incident(
        demo, demo_users["responder"], occurred_at=afternoon - timedelta(hours=3), notified_at=afternoon
    )
    police_declared(incident, demo_users["police"], afternoon - timedelta(minutes=55))
    url = reverse("incidents:edit_record", args=[incident.pk])
    client = client_for("responder")
    fields = {
        "title": incident.title,
        "incident_types": incident.incident_types,
        "occurred_at": "2026-03-03T16:30",
        "notified_at": "2026-03-03T17:00",
        "summary": incident.summary,
        "revision": client.get(url).context["form"].initial["revision"],
    }
    response = client.post(url, fields)
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "The police declaration was made at 16:05 on 3 Mar 2026, before this time." in content
    assert 'name="occurred_at_time" type="text" value="16:30"' in content
    incident.refresh_from_db()
    assert incident.occurred_at == afternoon - timedelta(hours=3)


@pytest.mark.parametrize("role", ["coordinator", "responder"])
def test_a_partner_no_longer_involved_stops_taking_part_once_it_owns_no_open_action(
    role, client_for, demo_users, incident_and_action
):
    """The police were added, then found not to be involved: once their action is set aside they stop
    taking part, and their members no longer see the incident."""
    incident, action = incident_and_action
    police = incident.participations.get(organisation__kind="police")
    url = reverse("incidents:stop_taking_part", args=[incident.pk, police.pk])
    incident_page = reverse("incidents:incident", args=[incident.pk])
    assert client_for("police").get(incident_page).status_code == 200
    client = client_for(role)
    assert url in client.get(reverse("incidents:partners", args=[incident.pk])).content.decode()
    assert f"Stop {police.organisation} taking part?" in client.get(url).content.decode()

    refused = client.post(url).content.decode()
    assert f"{police.organisation} owns 1 open action: give it to another organisation" in refused
    assert incident.participations.filter(pk=police.pk).exists()

    mark_action(action, ActionStatus.NOT_NEEDED, by=demo_users["responder"], not_needed_reason="Not ours")
    response = client.post(url)
    assert response["Location"] == reverse("incidents:partners", args=[incident.pk])
    assert not incident.participations.filter(pk=police.pk).exists()
    assert incident.timeline.filter(text=f"{police.organisation} no longer takes part.").exists()
    assert client_for("police").get(incident_page).status_code == 404


@pytest.mark.parametrize("role", ["police", "health", "viewer"])
def test_partners_and_viewers_cannot_stop_an_organisation_taking_part(role, client_for, incident_and_action):
    incident, _ = incident_and_action
    police = incident.participations.get(organisation__kind="police")
    url = reverse("incidents:stop_taking_part", args=[incident.pk, police.pk])
    assert client_for(role).post(url).status_code == 403
    assert incident.participations.filter(pk=police.pk).exists()


def test_the_lead_organisation_or_a_partner_of_a_closed_incident_does_not_stop_taking_part(
    demo_users, incident_and_action
):
    incident, action = incident_and_action
    responder = demo_users["responder"]
    mark_action(action, ActionStatus.NOT_NEEDED, by=responder, not_needed_reason="Not ours")
    police = incident.participations.get(organisation__kind="police")
    services.assign_lead(
        incident=incident, organisation=police.organisation, officer=demo_users["police"], by=responder
    )
    with pytest.raises(DomainError, match="leads the response"):
        services.stop_taking_part(participation=police, by=responder)
    services.assign_lead(
        incident=incident,
        organisation=demo_users["coordinator"].memberships.get().organisation,
        officer=demo_users["coordinator"],
        by=responder,
    )
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)
    with pytest.raises(DomainError, match="was closed meanwhile"):
        services.stop_taking_part(participation=police, by=responder)
    assert incident.participations.filter(pk=police.pk).exists()


def test_the_lead_is_named_by_the_lead_partnership_not_one_the_incident_is_shared_with(
    client, client_for, demo, demo_users, other_partnership
):
    """The defect: the coordinator of a partnership an incident was shared with was offered Name the lead,
    its page listing their own partnership's organisations and people, each refused once chosen, saying
    that they did not work for their own organisation (the lead is named from the incident's partnership).
    Now naming the lead is the lead partnership's response team's, as closing and the review are: the
    shared partnership is offered no link, and the page answers 403."""
    from svtoolkit.accounts.models import Role
    from tests.conftest import MODEL_BACKEND

    incident, _ = demo_incident(demo, demo_users)
    southmoor, _ = other_partnership
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    theirs = MembershipFactory(partnership=southmoor, role=Role.COORDINATOR)
    lead_page = reverse("incidents:lead", args=[incident.pk])
    assert (
        lead_page
        in client_for("responder").get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    )

    client.force_login(theirs.user, backend=MODEL_BACKEND)
    assert lead_page not in client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert client.get(lead_page).status_code == 403
    answer = client.post(
        lead_page, {"organisation": theirs.organisation.pk, "officer": theirs.user.pk, "revision": 0}
    )
    assert answer.status_code == 403 and not incident.leads.exists()
