"""The incident page and its live part are kept in the cache, and every change shows on the next request
(issue 19, item 3; docs/decisions/0018)."""

import re
from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.models import Invitation, Role, User
from svtoolkit.alerts.models import EscalationStep
from svtoolkit.alerts.services import set_escalation_policy
from svtoolkit.core import changes
from svtoolkit.core.cached_parts import cached_part
from svtoolkit.core.models import Change
from svtoolkit.incidents import services
from svtoolkit.incidents.links.services import link_incidents
from svtoolkit.incidents.models import Incident, IncidentShare, PlanAction, TimelineEntry
from svtoolkit.partnerships.models import Organisation
from tests.alerts.builders import raise_police_alert, rota
from tests.core.test_outages import HEALTHY_REDIS_URL, use_redis
from tests.factories import AttachmentFactory, IncidentFactory, IncidentShareFactory, MembershipFactory
from tests.incidents.builders import demo_incident, demo_measure

MODEL_BACKEND = "svtoolkit.accounts.backends.PersonBackend"


@pytest.fixture(autouse=True)
def within_one_minute():
    """A kept part's key holds the minute (core.cached_parts), so a test that looks twice across a minute's
    turn would find the page drawn again: each test starts at the turn of the next minute, the clock
    running."""
    next_minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(next_minute, tick=True):
        yield


@pytest.fixture
def incident(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    return incident


def _page(client, incident, **headers) -> str:
    response = client.get(reverse("incidents:incident", args=[incident.pk]), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_look_at_an_unchanged_page_reads_only_who_is_looking_and_what_changed(client_for, incident):
    client = client_for("coordinator")
    first = _page(client, incident)
    with CaptureQueriesContext(connection) as second:
        again = _page(client, incident)
    # The session and the person (one or none with Redis), the version, the incident (with the partnership's
    # shared incidents) and its failed messages.
    assert len(second) <= 6
    assert _without_form_keys(again) == _without_form_keys(first)


def test_a_linked_incidents_page_found_in_the_cache_asks_the_change_log_once(
    client_for, demo, demo_users, incident
):
    """Its version and its linked incidents' are one statement, not one each."""
    other, _ = demo_incident(demo, demo_users)
    _linked_to(incident, other, demo_users["responder"])
    client = client_for("coordinator")
    first = _page(client, incident)
    with CaptureQueriesContext(connection) as second:
        again = _page(client, incident)

    assert len([query for query in second if "core_change" in query["sql"]]) == 1
    assert _without_form_keys(again) == _without_form_keys(first)
    assert other.title in again


def _without_form_keys(html: str) -> str:
    return re.sub(r'name="(csrfmiddlewaretoken|submission_key)" value="[^"]+"', "", html)


def _lead(incident, demo, demo_users):
    services.assign_lead(
        incident=incident,
        organisation=demo.organisations.get(kind="police"),
        officer=demo_users["police"],
        by=demo_users["responder"],
        handover_note="",
    )


# Each kind of change the page shows, made as the product makes it (a service) or behind its back (an
# update() or a delete() of the rows, as a migration, the admin or a task might): what the page then shows.
CHANGES = {
    "an update added to the timeline": (
        lambda incident, demo, users: services.add_update(
            incident=incident, by=users["responder"], text="Road open"
        ),
        "Road open",
    ),
    "a decision logged": (
        lambda incident, demo, users: services.record_decision(
            incident=incident, by=users["responder"], what="Extra patrols tonight", why="Tension is high"
        ),
        "Extra patrols tonight",
    ),
    "a lead named": (lambda incident, demo, users: _lead(incident, demo, users), "since"),
    "the record's summary changed behind the services' back": (
        lambda incident, demo, users: Incident.objects.filter(pk=incident.pk).update(
            summary="Two hurt, not one"
        ),
        "Two hurt, not one",
    ),
    "an action renamed behind the services' back": (
        lambda incident, demo, users: PlanAction.objects.filter(incident=incident).update(
            title="Review the second camera", due_at=timezone.now() + timedelta(minutes=30)
        ),
        "Review the second camera",
    ),
    "timeline entries written in bulk": (
        lambda incident, demo, users: TimelineEntry.objects.bulk_create(
            [TimelineEntry(incident=incident, by=users["responder"], text="Bulk note", at=timezone.now())]
        ),
        "Bulk note",
    ),
    "an organisation taking part renamed": (
        lambda incident, demo, users: Organisation.objects.filter(kind="police").update(
            name="Metro Constabulary"
        ),
        "Metro Constabulary",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_kind_of_change_shows_on_the_next_request(client_for, demo, demo_users, incident, change):
    make, shown = CHANGES[change]
    client = client_for("coordinator")
    _page(client, incident)
    assert shown not in _page(client, incident)  # and the page is now kept
    make(incident, demo, demo_users)
    assert shown in _page(client, incident)


def test_a_persons_new_name_shows_on_the_next_request(client_for, demo, demo_users, incident):
    _lead(incident, demo, demo_users)
    client = client_for("coordinator")
    _page(client, incident)
    User.objects.filter(pk=demo_users["police"].pk).update(full_name="Renamed Officer")
    assert "Renamed Officer" in _page(client, incident)


def test_something_deleted_is_gone_on_the_next_request(client_for, demo_users, incident):
    services.add_update(incident=incident, by=demo_users["responder"], text="Close the park")
    client = client_for("coordinator")
    assert "Close the park" in _page(client, incident)
    TimelineEntry.objects.filter(incident=incident, text="Close the park").delete()
    assert "Close the park" not in _page(client, incident)


def test_the_live_part_is_kept_too_and_shows_a_change_on_its_next_refresh(client_for, demo_users, incident):
    client = client_for("coordinator")
    _page(client, incident, HX_Request="true")
    services.add_update(incident=incident, by=demo_users["responder"], text="Cordon lifted")
    assert "Cordon lifted" in _page(client, incident, HX_Request="true")


def test_an_action_falling_overdue_shows_within_the_minute_it_falls_due(client_for, incident):
    action = PlanAction.objects.get(incident=incident)
    with time_machine.travel(action.due_at - timedelta(minutes=1), tick=False):
        client = client_for("coordinator")  # signed in then: the session would have lapsed
        assert "Overdue actions" not in _page(client, incident)
    with time_machine.travel(action.due_at + timedelta(minutes=1), tick=False):
        assert "Overdue actions" in _page(client, incident)


def test_a_page_kept_for_one_person_is_never_shown_to_another_who_may_see_less(client_for, incident):
    assert "Log a decision" in _page(client_for("coordinator"), incident)
    assert "Log a decision" not in _page(client_for("viewer"), incident)


def test_each_session_gets_its_own_form_keys_from_a_kept_page(demo_users, incident):
    """Two browsers of the same person: the second is served the kept page, with its own CSRF token (its
    form is accepted) and its own one-time form keys (its sending is not taken for the first's)."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(demo_users["police"], backend=MODEL_BACKEND)
    first_page, second_page = _page(first, incident), _page(second, incident)
    form_key = re.compile(r'name="submission_key" value="([0-9a-f]{32})"')
    assert set(form_key.findall(first_page)).isdisjoint(form_key.findall(second_page))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second_page).group(1)
    response = second.post(
        reverse("incidents:acknowledge_here", args=[incident.pk]),
        {"csrfmiddlewaretoken": token, "submission_key": form_key.findall(second_page)[0]},
    )
    assert response.status_code == 302
    assert incident.participations.get(organisation__kind="police").acknowledged_at is not None


def test_every_table_the_page_reads_has_its_triggers(db):
    assert changes.tables_with_triggers() == changes.tracked_tables()


def test_a_part_that_reads_a_table_whose_changes_are_not_logged_is_never_kept(rf, db, settings):
    """Under test such a part is an error; in production it is drawn afresh every time."""
    request = rf.get("/")

    def draw():
        return {"count": f"{Invitation.objects.count()} invitations"}

    with pytest.raises(ImproperlyConfigured, match="accounts_invitation"):
        cached_part(request, "svt:part:test:1", draw)
    settings.MODE = "production"
    assert cached_part(request, "svt:part:test:2", draw) == {"count": "0 invitations"}
    assert cache.get("svt:part:test:2") is None


def test_forgetting_old_changes_keeps_each_incidents_newest_and_never_brings_a_version_back(db):
    an_hour_ago = timezone.now() - changes.KEEP_CHANGES_FOR - timedelta(minutes=1)
    Change.objects.all().delete()  # those of the test database's own making
    Change.objects.bulk_create([Change(incident_id=incident_id) for incident_id in (1, 1, 1, 2, None, None)])
    Change.objects.update(at=an_hour_ago)
    seen = {changes.version_of(1), changes.version_of(2)}
    newest = {
        row["incident_id"]: row["id"] for row in Change.objects.values("incident_id", "id").order_by("id")
    }
    assert changes.forget_old_changes() == 3
    assert set(Change.objects.values_list("id", flat=True)) == set(newest.values())
    assert changes.version_of(1) not in seen
    Change.objects.create(incident_id=1)
    assert changes.version_of(1) not in seen


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ids are handed out before commit on PostgreSQL"
)
def test_a_change_that_commits_after_a_later_one_still_changes_the_version(transactional_db):
    """A transaction takes a change's id, another takes the next and commits first: the version read between
    the two commits must differ from the one after both, though the highest id is the same."""
    settings = connection.settings_dict
    address = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"]}
    with psycopg.connect(**address) as slow, psycopg.connect(**address) as quick:
        slow.execute("INSERT INTO core_change (incident_id) VALUES (7)")
        quick_id = quick.execute("INSERT INTO core_change (incident_id) VALUES (7) RETURNING id").fetchone()[
            0
        ]
        quick.commit()
        between = changes.version_of(7)
        assert changes.versions_of(7).own[None][1] == quick_id
        slow.commit()
    after = changes.version_of(7)
    highest = changes.versions_of(7).own[None][1]  # these changes name no table
    assert highest == quick_id  # the highest id alone would not have told
    assert after != between


def test_triggers_are_made_again_for_a_table_that_lacks_a_column_its_model_has(db):
    """A test that migrates backwards leaves a table as an older migration made it, and the flush after it
    makes the triggers again: they must name the columns the table has, or the flush fails and so do all
    later tests."""
    incident = IncidentFactory()
    changes.remove_triggers()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE incidents_timelineentry DROP COLUMN text")
    changes.install_triggers()
    assert changes.tables_with_triggers() == changes.tracked_tables()
    before = changes.version_of(incident.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_timelineentry (incident_id, at, kind) VALUES (%s, %s, 'update')",
            [incident.pk, timezone.now()],
        )
    inserted = changes.version_of(incident.pk)
    assert inserted != before
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE incidents_timelineentry SET kind = 'decision' WHERE incident_id = %s", [incident.pk]
        )
    assert changes.version_of(incident.pk) != inserted


def _linked_to(incident, other, by):
    link_incidents(
        incident=incident, by=by, reference=other.reference, kind="retaliation", reason="Same group"
    )


def test_a_linked_incident_renamed_shows_on_the_next_request(client_for, demo, demo_users, incident):
    """The links panel shows the other incident's title, which is one of its rows, not this one's."""
    other, _ = demo_incident(demo, demo_users)
    _linked_to(incident, other, demo_users["responder"])
    client = client_for("coordinator")
    assert other.title in _page(client, incident)
    Incident.objects.filter(pk=other.pk).update(title="Stabbing on Mill Lane, not Mill Road")
    assert "Stabbing on Mill Lane, not Mill Road" in _page(client, incident)


def test_a_linked_incident_no_longer_shared_is_hidden_on_the_next_request(client_for, demo_users, incident):
    """Someone who could see the other incident through a share, and no longer can, is told only that a link
    exists: its title is not shown from a page kept while the share stood."""
    coordinator = MembershipFactory(role=Role.COORDINATOR)
    other = IncidentFactory(partnership=coordinator.partnership, title="Shooting at the Riverside estate")
    IncidentShareFactory(incident=other, partnership=incident.partnership)
    _linked_to(incident, other, demo_users["responder"])
    client = client_for("responder")
    assert other.title in _page(client, incident)
    IncidentShare.objects.filter(incident=other).delete()
    page = _page(client, incident)
    assert other.title not in page
    assert f"An incident of {other.partnership.name} is linked to this one" in page


def test_a_partnerships_own_escalation_policy_shows_on_an_alerted_incidents_page(
    client_for, demo, demo_users
):
    """The alert panel shows when the steps still to come will be taken, which the partnership's own policy
    sets: the page is kept with them, and a change to them shows on the next request."""
    rota(demo, demo_users)
    set_escalation_policy(
        partnership=demo, after_minutes={"duty_officer": 0, "deputy": 5}, by=demo_users["coordinator"]
    )
    alert = raise_police_alert(demo, demo_users)
    EscalationStep.objects.filter(duty_role="deputy").update(after_minutes=17)
    client = client_for("coordinator")
    # The deputy's step is still to come: at 17 minutes after the alert, as the policy now says.
    at = timezone.localtime(alert.raised_at + timedelta(minutes=17)).strftime("%H:%M")
    assert f"Next: the deputy duty officer at {at}" in _page(client, alert.incident)
    EscalationStep.objects.filter(duty_role="deputy").update(after_minutes=29)
    at = timezone.localtime(alert.raised_at + timedelta(minutes=29)).strftime("%H:%M")
    assert f"Next: the deputy duty officer at {at}" in _page(client, alert.incident)


def test_a_deployments_new_protective_marking_shows_on_the_next_request(client_for, incident, settings):
    """A setting the page shows (the marking its files are listed with) changes with a deployment, not in the
    database: a page kept before it is not shown after it."""
    settings.PROTECTIVE_MARKING = "OFFICIAL"
    AttachmentFactory(owner=incident, marking="OFFICIAL")
    client = client_for("coordinator")
    assert "OFFICIAL)</span>" in _page(client, incident)
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    assert "OFFICIAL-SENSITIVE: PARTNERS ONLY)</span>" in _page(client, incident)


def test_a_change_a_migration_wrote_while_a_table_had_no_triggers_shows_on_the_next_request(
    client_for, incident
):
    """A migration that rebuilds a table (SQLite's way of altering one) drops its triggers until the triggers
    are made again at its end, and a data migration may write in between: nothing logs that write, so a
    migrate counts as a change to every incident."""
    client = client_for("coordinator")
    _page(client, incident)
    changes.remove_triggers()
    Incident.objects.filter(pk=incident.pk).update(summary="Filled in by a data migration")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # as the end of a migrate does
    assert "Filled in by a data migration" in _page(client, incident)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="ids are handed out before commit on PostgreSQL"
)
def test_forgetting_old_changes_never_brings_back_a_version_seen_before_a_late_commit(transactional_db):
    """A change is dated when its transaction began, so one that began just over an hour ago may come after
    a change dated just under: forgetting it alone, as a late commit lands, must not give back the version
    read before that commit."""
    settings = connection.settings_dict
    address = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"]}
    Change.objects.all().delete()
    Change.objects.create(incident_id=7)
    earlier = Change.objects.create(incident_id=7)
    with psycopg.connect(**address) as slow:
        slow.execute("INSERT INTO core_change (incident_id) VALUES (7)")
        Change.objects.create(incident_id=7)
        before_the_late_commit = changes.version_of(7)
        slow.commit()
    Change.objects.filter(pk=earlier.pk).update(
        at=timezone.now() - changes.KEEP_CHANGES_FOR - timedelta(minutes=1)
    )
    changes.forget_old_changes()
    assert changes.version_of(7) != before_the_late_commit


def _tables_read(queries) -> set[str]:
    return {table for query in queries for table in re.findall(r'(?:FROM|JOIN) "?([a-z_]+)"?', query["sql"])}


def _action_update_saved(incident, by):
    action = PlanAction.objects.get(incident=incident)
    saved = {"status": "in_progress", "not_needed_reason": "", "note": "Camera footage requested"}
    saved |= {"owner_organisation": action.owner_organisation, "owner": action.owner}  # as they were
    services.update_action(action=action, by=by, expected_revision=action.revision, **saved)


# The writes of the mixed load: neither touches what the page shows beyond its live part.
LIVE_CHANGES_ONLY = {
    "an update added to the timeline": (
        lambda incident, users: services.add_update(
            incident=incident, by=users["responder"], text="Road open"
        ),
        "Road open",
    ),
    "an action's update saved": (
        lambda incident, users: _action_update_saved(incident, users["coordinator"]),
        "Camera footage requested",
    ),
}


@pytest.mark.parametrize("change", LIVE_CHANGES_ONLY)
def test_a_change_to_the_live_part_alone_redraws_it_alone_and_shows_at_once(
    client_for, demo_users, incident, change
):
    """The rest of the page (its panels, summary, lead, partners, decisions) is found in the cache: none of
    what it alone reads is read again."""
    make, shown = LIVE_CHANGES_ONLY[change]
    client = client_for("coordinator")
    first = _page(client, incident)
    make(incident, demo_users)
    with CaptureQueriesContext(connection) as next_request:
        page = _page(client, incident)

    assert shown in page
    read = _tables_read(next_request)
    assert "incidents_timelineentry" in read  # the live part's latest entries, drawn afresh
    assert not read & {"incidents_decision", "incidents_categorisation", "incidents_leadassignment"}
    assert page.count('id="incident-live"') == first.count('id="incident-live"') == 1


def _live(client, incident) -> str:
    return _page(client, incident, HX_Request="true")


def _looked_at(client, incident, **headers) -> tuple[str, list[dict]]:
    """The page (or its live part) and the queries asked for it, taken before the next request clears them."""
    with CaptureQueriesContext(connection) as queries:
        html = _page(client, incident, **headers)
    return html, list(queries)


def test_a_timeline_entry_redraws_the_latest_entries_alone_and_shows_them_at_once(
    client_for, demo_users, incident
):
    """Two thirds of the writes: the live part's actions, progress and scenes (and the access rule that finds
    the incident for them) are found in the cache, and the new entry is read with the others in one query."""
    client = client_for("coordinator")
    _page(client, incident), _live(client, incident)
    _, unchanged = _looked_at(client, incident)
    services.add_update(incident=incident, by=demo_users["responder"], text="Cordon moved to the bridge")
    page, after_the_entry = _looked_at(client, incident)
    live, live_after_the_entry = _looked_at(client, incident, HX_Request="true")

    assert "Cordon moved to the bridge" in page
    assert "Cordon moved to the bridge" in live
    entries = [query for query in after_the_entry if "incidents_timelineentry" in query["sql"]]
    assert len(entries) == 1
    assert len(after_the_entry) == len(unchanged) + 1
    read = _tables_read(after_the_entry)
    assert "incidents_timelineentry" in read
    assert not read & {
        "incidents_planaction",
        "incidents_scene",
        "incidents_scenemeasure",
        "incidents_incident",
    }
    assert "incidents_timelineentry" not in _tables_read(live_after_the_entry)  # kept by the page's request
    assert _without_form_keys(live) in _without_form_keys(page)


def test_a_new_entry_is_drawn_once_for_everyone_who_may_see_the_incident(demo_users, incident):
    """The latest entries are the same for everyone who may see the incident: drawn for the first person to
    look after a new entry, and found in the cache for the next (another person, of another role), beside the
    rest of the live part kept for them."""
    coordinator, viewer = Client(), Client()
    coordinator.force_login(demo_users["coordinator"], backend=MODEL_BACKEND)
    viewer.force_login(demo_users["viewer"], backend=MODEL_BACKEND)
    _page(coordinator, incident), _page(viewer, incident)
    services.add_update(incident=incident, by=demo_users["responder"], text="Cordon moved to the bridge")
    assert "Cordon moved to the bridge" in _page(coordinator, incident)
    page, queries = _looked_at(viewer, incident)

    assert "Cordon moved to the bridge" in page
    assert "incidents_timelineentry" not in _tables_read(queries)
    assert "Log a decision" not in page  # the rest, as kept for the viewer


@pytest.mark.parametrize("live", [False, True], ids=["page", "live refresh"])
def test_latest_entries_kept_for_others_are_never_shown_to_someone_who_may_not_see_the_incident(
    demo_users, incident, live
):
    """The latest entries are kept for everyone who may see the incident, but found only after the rest of
    the live part, whose drawing (the access rule) answers 404 to anyone else: a partner not taking part gets
    nothing of them, on the page or its live refresh, even when they are in the cache."""
    coordinator, partner = Client(), Client()
    coordinator.force_login(demo_users["coordinator"], backend=MODEL_BACKEND)
    partner.force_login(demo_users["health"], backend=MODEL_BACKEND)
    services.add_update(incident=incident, by=demo_users["responder"], text="Cordon moved to the bridge")
    assert "Cordon moved to the bridge" in _page(coordinator, incident)  # the entries now kept
    headers = {"HX_Request": "true"} if live else {}

    with CaptureQueriesContext(connection) as queries:
        response = partner.get(reverse("incidents:incident", args=[incident.pk]), headers=headers)

    assert response.status_code == 404
    assert "Cordon moved to the bridge" not in response.content.decode()
    assert "incidents_timelineentry" not in _tables_read(queries)


def test_an_action_update_shows_at_once_on_the_page_and_on_the_live_refresh(client_for, demo_users, incident):
    client = client_for("coordinator")
    _page(client, incident), _live(client, incident)
    _action_update_saved(incident, demo_users["coordinator"])
    page, after_the_update = _looked_at(client, incident)
    live = _live(client, incident)

    assert {"incidents_planaction", "incidents_timelineentry"} <= _tables_read(after_the_update)
    assert "Camera footage requested" in live  # its timeline entry
    assert "In progress" in live
    assert _without_form_keys(live) in _without_form_keys(page)


def test_after_an_action_update_the_live_part_reads_the_scenes_with_their_measures_in_one_query(
    client_for, demo_users, incident
):
    """Drawn alone after an action's update (the mixed load's busiest write), the live part reads the scenes
    and their police measures joined: one query, not one for each table (issue 19)."""
    demo_measure(incident, demo_users)
    client = client_for("coordinator")
    _page(client, incident)
    _action_update_saved(incident, demo_users["coordinator"])
    page, after_the_update = _looked_at(client, incident)

    assert "In force until" in page
    assert [_tables_read([query]) for query in after_the_update if "incidents_scene" in query["sql"]] == [
        {"incidents_scene", "incidents_scenemeasure"}
    ]


@pytest.mark.parametrize("role", ["coordinator", "responder", "police", "viewer"])
def test_the_live_refresh_is_the_live_part_of_the_page_drawn_or_kept(client_for, demo_users, incident, role):
    """Drawn in two parts, put together as one: the same markup on the page and on its refresh, for each kind
    of viewer (each reads only what its parts declare: an error under test otherwise)."""
    services.add_update(incident=incident, by=demo_users["responder"], text="Road open")
    client = client_for(role)
    drawn = _page(client, incident)
    kept = _page(client, incident)
    live = _live(client, incident)

    assert _without_form_keys(drawn) == _without_form_keys(kept)
    assert live.startswith('<div id="incident-live"')
    assert _without_form_keys(live) in _without_form_keys(kept)
    assert "Road open" in live


def test_a_decision_logged_redraws_the_rest_of_the_page(client_for, demo_users, incident):
    client = client_for("coordinator")
    _page(client, incident)
    services.record_decision(
        incident=incident, by=demo_users["responder"], what="Close the park", why="Safety"
    )
    with CaptureQueriesContext(connection) as next_request:
        assert "Close the park" in _page(client, incident)
    assert "incidents_decision" in _tables_read(next_request)


def test_each_change_names_the_table_it_was_made_to(demo_users, incident):
    services.add_update(incident=incident, by=demo_users["responder"], text="Road open")
    newest = Change.objects.filter(incident_id=incident.pk).order_by("-id")
    assert "incidents_timelineentry" in {change.table_name for change in newest[:3]}


def test_a_change_that_names_no_table_is_a_change_to_every_part(incident):
    """Logged before changes named their table: which part it changed is not known."""
    before = changes.versions_of(incident.pk)
    Change.objects.create(incident_id=incident.pk)
    after = changes.versions_of(incident.pk)
    for tables in (frozenset(), frozenset({"incidents_decision"}), frozenset({"incidents_timelineentry"})):
        assert after.of(tables) != before.of(tables)


def test_a_part_that_reads_a_table_it_does_not_declare_is_never_kept(rf, db, settings):
    """Its key would not move with that table's changes: under test an error, in production drawn afresh."""
    request = rf.get("/")

    def draw():
        return {"count": f"{Incident.objects.count()} incidents"}

    with pytest.raises(ImproperlyConfigured, match="incidents_incident"):
        cached_part(request, "svt:part:test:3", draw, reads=frozenset({"incidents_decision"}))
    settings.MODE = "production"
    assert cached_part(request, "svt:part:test:4", draw, reads=frozenset({"incidents_decision"})) == {
        "count": "0 incidents"
    }
    assert cache.get("svt:part:test:4") is None
    assert cached_part(request, "svt:part:test:5", draw, reads=frozenset({"incidents_incident"}))
    assert cache.get("svt:part:test:5") is not None


def test_forgetting_old_changes_keeps_each_tables_newest_and_never_brings_a_parts_version_back(db):
    """A part's version is made of whole buckets (an incident's changes to one table): each keeps its newest
    and loses only its lowest."""
    an_hour_ago = timezone.now() - changes.KEEP_CHANGES_FOR - timedelta(minutes=1)
    Change.objects.all().delete()
    tables = [
        "incidents_decision",
        "incidents_timelineentry",
        "incidents_decision",
        "incidents_timelineentry",
    ]
    Change.objects.bulk_create([Change(incident_id=1, table_name=table) for table in tables])
    Change.objects.update(at=an_hour_ago)
    both = frozenset({"incidents_decision", "incidents_timelineentry"})
    seen = changes.versions_of(1).of(both)
    assert changes.forget_old_changes() == 2
    assert Change.objects.count() == 2
    assert changes.versions_of(1).of(both) != seen


# Issue 19's budget for the incident page: its queries at most, the person's included (make bench counts them
# with Redis, where the session is).
PAGE_QUERY_BUDGET = 20


def _forget_kept_parts() -> None:
    """Forget every part kept (core.cached_parts), and nothing else, as the turn of a minute does: the
    person's memberships and the session stay where they were."""
    backend = cache._cache
    if hasattr(backend, "get_client"):  # Redis
        redis = backend.get_client(write=True)
        kept = list(redis.scan_iter(match="*svt:part:*"))
        if kept:
            redis.delete(*kept)
    else:
        for key in [key for key in backend if "svt:part:" in key]:
            del backend[key], cache._expire_info[key]


@pytest.mark.parametrize("with_redis", [False, True], ids=["without Redis", "with Redis"])
def test_the_page_drawn_afresh_keeps_to_its_query_budget(client, demo_users, incident, settings, with_redis):
    """Drawn afresh (after any change to the rest of the page, and at the turn of each minute), the rest of
    the page and the live part are drawn in one request: they read the scenes once between them (21 queries
    before, the scenes read by each)."""
    if with_redis:
        use_redis(settings, HEALTHY_REDIS_URL)
        cache.clear()
    client.force_login(demo_users["coordinator"], backend=MODEL_BACKEND)
    first = _page(client, incident)
    _forget_kept_parts()
    try:
        with CaptureQueriesContext(connection) as afresh:
            again = _page(client, incident)
    finally:
        if with_redis:
            cache.clear()
    # Without Redis the session is read from the database too: the budget counts the person and the page.
    counted = [query["sql"] for query in afresh if "django_session" not in query["sql"]]
    assert len(counted) <= PAGE_QUERY_BUDGET, "\n".join(counted)
    assert sum('FROM "incidents_scene"' in sql for sql in counted) == 1
    assert _without_form_keys(again) == _without_form_keys(first)


def _shown(html: str) -> str:
    """What the live part tells its refresh it shows (incidents/live.html's hx-headers), if it tells."""
    found = re.search(r'"X-Svt-Shown": "([^"]*)"', html)
    return found.group(1) if found else ""


def _refreshed(client, incident, shown: str):
    url = reverse("incidents:incident", args=[incident.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"HX-Request": "true", "X-Svt-Shown": shown})
    return response, list(queries)


def test_a_live_refresh_that_would_show_nothing_new_sends_nothing(client_for, demo_users, incident):
    """Every open incident page asks for its live part every 30 seconds, and htmx swapped it in whole even
    when nothing had changed: a keyboard user's focus fell to the top of the page, a screen reader lost its
    place. The refresh says what its copy shows; the same answers 204 with no body (htmx swaps nothing), in no
    more queries than sending the part, at a new minute too (the part drawn again, the same); a change answers
    the part, which then tells what it shows."""
    client = client_for("coordinator")
    page = _page(client, incident)
    _, sent_whole = _looked_at(client, incident, HX_Request="true")

    unchanged, queries = _refreshed(client, incident, _shown(page))
    assert (unchanged.status_code, unchanged.content) == (204, b""), "the unchanged part was sent again"
    assert len(queries) <= len(sent_whole)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        assert _refreshed(client, incident, _shown(page))[0].status_code == 204

    services.add_update(incident=incident, by=demo_users["responder"], text="Cordon moved to the bridge")
    changed, _ = _refreshed(client, incident, _shown(page))
    live = changed.content.decode()
    assert changed.status_code == 200 and "Cordon moved to the bridge" in live
    assert _shown(live) not in ("", _shown(page))
    assert _refreshed(client, incident, _shown(live))[0].status_code == 204
