"""An incident's actions, timeline, decisions, scenes, tension, meetings and messages through the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.communications import services as communications
from svtoolkit.incidents import services
from svtoolkit.incidents.models import Decision, PlanAction, Scene, SceneMeasure, TimelineEntry, TimelineKind
from svtoolkit.incidents.people import services as people_services
from svtoolkit.meetings import services as meetings_services
from svtoolkit.partnerships.models import Organisation
from svtoolkit.tension.models import TensionReading
from tests.factories import MembershipFactory, ParticipationFactory
from tests.incidents.builders import demo_incident, demo_measure, given_to, left_the_partnership
from tests.meetings.builders import demo_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(incident_and_action):
    return incident_and_action[0]


@pytest.fixture
def action(incident_and_action):
    return incident_and_action[1]


def url(incident, part, item=None):
    return f"/api/v1/incidents/{incident.pk}/{part}/" + (f"{item.pk}/" if item else "")


# --- Actions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [("coordinator", 201), ("responder", 201), ("police", 403), ("viewer", 403), ("health", 403)],
)
def test_who_may_add_an_action(api_as, incident, role, status):
    due = (timezone.now() + timedelta(hours=6)).isoformat()
    response = api_as(role).post(
        url(incident, "actions"), {"title": "Visit the school", "due_at": due}, format="json"
    )
    assert response.status_code == status
    assert PlanAction.objects.filter(title="Visit the school").exists() == (status == 201)


def test_an_action_is_given_only_to_an_organisation_of_the_partnership(api_as, incident, other_partnership):
    southmoor, _ = other_partnership
    theirs = southmoor.organisations.create(name="Southmoor Police", kind="police")
    due = (timezone.now() + timedelta(hours=6)).isoformat()
    response = api_as("responder").post(
        url(incident, "actions"),
        {"title": "Visit", "due_at": due, "owner_organisation": theirs.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "owner_organisation" in response.json()


def test_an_action_is_given_only_to_an_organisation_taking_part(api_as, incident, action, demo):
    """The defect: the API gave an action to an organisation not taking part in the incident when no person
    was named. Now a 400 on ``owner_organisation``, adding it and changing its owner alike."""
    hospital = demo.organisations.get(kind="health_hospital")
    due = (timezone.now() + timedelta(hours=6)).isoformat()
    api = api_as("responder")
    added = api.post(
        url(incident, "actions"),
        {"title": "Visit the ward", "due_at": due, "owner_organisation": hospital.pk},
        format="json",
    )
    changed = api.patch(
        url(incident, "actions", action),
        {"owner_organisation": hospital.pk, "owner": None, "revision": action.revision},
        format="json",
    )
    for response in (added, changed):
        assert response.status_code == 400
        assert "add it as a partner first" in response.json()["owner_organisation"][0]
    assert not PlanAction.objects.filter(owner_organisation=hospital).exists()


@pytest.mark.parametrize(
    "role, status", [("responder", 200), ("police", 200), ("viewer", 403), ("health", 404)]
)
def test_who_may_update_the_police_action(api_as, incident, action, role, status):
    response = api_as(role).patch(
        url(incident, "actions", action), {"status": "in_progress", "revision": 1}, format="json"
    )
    assert response.status_code == status
    action.refresh_from_db()
    assert (action.status == "in_progress") == (status == 200)


def test_a_partner_cannot_update_another_organisations_action(api_as, incident, demo, demo_users):
    councils = services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Tell the ward councillors",
        guidance="",
        owner_organisation=demo.organisations.get(kind="council"),
        owner=None,
        due_at=timezone.now() + timedelta(hours=2),
    )
    response = api_as("police").patch(
        url(incident, "actions", councils), {"status": "done", "revision": 1}, format="json"
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail__reason="can_update_action"
    ).exists()


def test_updating_an_action_writes_the_timeline_like_the_web(api_as, incident, action, demo_users):
    response = api_as("police").patch(
        url(incident, "actions", action),
        {"status": "done", "note": "Footage collected.", "revision": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["revision"] == 2
    entry = action.timeline_entries.order_by("-at", "-id").first()
    assert entry.text == "“Review CCTV of the bus stop”: now done. Footage collected."
    assert entry.by == demo_users["police"] and entry.kind == TimelineKind.UPDATE


def test_a_partner_cannot_give_their_action_to_someone_else(api_as, incident, action, demo):
    council = demo.organisations.get(kind="council")
    response = api_as("police").patch(
        url(incident, "actions", action), {"owner_organisation": council.pk, "revision": 1}, format="json"
    )
    assert response.status_code == 400
    assert "owner_organisation" in response.json()
    action.refresh_from_db()
    assert action.owner_organisation.kind == "police"


def test_an_action_keeps_its_owner_who_left_when_sent_back_as_read(
    api_as, incident, action, demo, demo_users
):
    """The defect: an action whose owner had since left (or whose organisation was closed) could not be
    updated with the owner sent back as read: the API refused the stored owner as no member, though the web
    page keeps it and the service checks only a new owner.
    Now the stored owner and organisation are taken as sent back; one who left and is not stored is not."""
    police = action.owner_organisation
    leaver, other_leaver = (
        MembershipFactory(partnership=demo, role="partner", organisation=police).user for _ in range(2)
    )
    given_to(action, leaver, demo_users)
    for user in (leaver, other_leaver):
        left_the_partnership(user, demo, by=demo_users["coordinator"])
    Organisation.objects.filter(pk=police.pk).update(is_active=False)  # as the admin site closes one
    api = api_as("responder")
    read = api.get(url(incident, "actions", action)).json()
    sent_back = {field: read[field] for field in ("owner_organisation", "owner", "revision")}
    response = api.patch(
        url(incident, "actions", action), {**sent_back, "status": "in_progress"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["owner"]) == ("in_progress", leaver.pk)
    response = api.patch(
        url(incident, "actions", action),
        {"owner": other_leaver.pk, "revision": response.json()["revision"]},
        format="json",
    )
    assert response.json() == {
        "owner": [f"Choose a member of the partnership: there is none with id {other_leaver.pk}."]
    }


def test_not_needed_needs_a_reason(api_as, incident, action):
    response = api_as("responder").patch(
        url(incident, "actions", action), {"status": "not_needed", "revision": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"not_needed_reason": ["Say why the action is not needed."]}


def test_a_stale_action_update_is_a_409(api_as, incident, action):
    api_as("police").patch(
        url(incident, "actions", action), {"status": "in_progress", "revision": 1}, format="json"
    )
    response = api_as("responder").patch(
        url(incident, "actions", action), {"status": "done", "revision": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    action.refresh_from_db()
    assert action.status == "in_progress"


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"done"', "3"])
def test_an_action_update_whose_body_is_not_an_object_is_a_400(api_as, incident, action, body):
    """The defect: the revision was read from the body before DRF checked it was an object: a server error."""
    response = api_as("responder").patch(
        url(incident, "actions", action), data=body, content_type="application/json"
    )
    assert response.status_code == 400


def test_a_partners_stale_update_sending_the_owner_back_as_read_is_a_409_after_a_reassignment(
    api_as, incident, action, demo
):
    """The defect: a partner who read the action, then a responder gave it to someone else in the same
    organisation, sent the owner back as read and was told "Only the response team can give an action to
    someone else." (400), as though they had tried to reassign it: the owner was judged against the action
    as it is now before the revision. Now the change since is answered first (409), as the web page does."""
    api = api_as("police")
    read = api.get(url(incident, "actions", action)).json()
    police = action.owner_organisation
    colleague = MembershipFactory(partnership=demo, role="partner", organisation=police).user
    response = api_as("responder").patch(
        url(incident, "actions", action), {"owner": colleague.pk, "revision": read["revision"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    sent_back = {field: read[field] for field in ("owner_organisation", "owner", "revision")}
    response = api.patch(url(incident, "actions", action), {**sent_back, "status": "done"}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json() == {
        "detail": "Someone else changed this action while you were editing it.",
        "current_revision": read["revision"] + 1,
    }
    action.refresh_from_db()
    assert (action.status, action.owner) == ("to_do", colleague)
    # Read again, the same update with the owner sent back as it is now goes through.
    again = api.get(url(incident, "actions", action)).json()
    sent_back = {field: again[field] for field in ("owner_organisation", "owner", "revision")}
    response = api.patch(url(incident, "actions", action), {**sent_back, "status": "done"}, format="json")
    assert response.status_code == 200, response.json()


def test_a_responders_stale_update_naming_an_owner_who_left_since_is_a_409(
    api_as, incident, action, demo, demo_users
):
    """The defect: a responder read the action, then a colleague gave it to someone else and its first owner
    left the partnership. The responder's update, sending the owner back as read, was judged as giving the
    action to someone who left ("... cannot update ...", 400) before the revision was compared. The change
    since is answered first (409), so they read the action again rather than being told they chose badly."""
    coordinator = api_as("coordinator")
    given = coordinator.patch(
        url(incident, "actions", action),
        {"owner": demo_users["police"].pk, "revision": action.revision},
        format="json",
    )
    assert given.status_code == 200, given.json()
    api = api_as("responder")
    read = api.get(url(incident, "actions", action)).json()
    colleague = MembershipFactory(
        partnership=demo, role="partner", organisation=action.owner_organisation
    ).user
    response = coordinator.patch(
        url(incident, "actions", action), {"owner": colleague.pk, "revision": read["revision"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    left_the_partnership(demo_users["police"], demo, by=demo_users["coordinator"])
    sent_back = {field: read[field] for field in ("owner_organisation", "owner", "revision")}
    response = api.patch(url(incident, "actions", action), {**sent_back, "status": "done"}, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["current_revision"] == read["revision"] + 1
    action.refresh_from_db()
    assert (action.status, action.owner) == ("to_do", colleague)


def test_actions_filter_by_status_organisation_and_overdue(api_as, incident, action, demo, demo_users):
    late = services.add_action(
        incident=incident,
        by=demo_users["responder"],
        title="Late one",
        guidance="",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now() - timedelta(hours=1),
    )
    api = api_as("viewer")
    listed = api.get(url(incident, "actions"), {"overdue": "true"}).json()["results"]
    assert [row["id"] for row in listed] == [late.pk]
    police = demo.organisations.get(kind="police")
    listed = api.get(url(incident, "actions"), {"owner_organisation": police.pk}).json()["results"]
    assert [row["id"] for row in listed] == [action.pk]
    assert api.get(url(incident, "actions"), {"status": "done"}).json()["count"] == 0
    assert api.get(url(incident, "actions"), {"status": "later"}).status_code == 400
    assert api.get(url(incident, "actions"), {"owner_organisation": "police"}).status_code == 400


@pytest.mark.parametrize("role, sees", [("police", 1), ("health", 0), ("viewer", 1)])
def test_the_actions_of_every_incident_one_may_see(api_as, incident, action, other_partnership, role, sees):
    southmoor, coordinator = other_partnership
    theirs = services.record_incident(
        partnership=southmoor,
        by=coordinator.user,
        title="Southmoor robbery",
        incident_types=["knife"],
        occurred_at=timezone.now() - timedelta(hours=2),
        notified_at=timezone.now() - timedelta(hours=1),
        notification_source="police",
        notified_by="",
        summary="A robbery.",
        scenes=[],
    )
    services.add_action(
        incident=theirs,
        by=coordinator.user,
        title="Southmoor action",
        guidance="",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now(),
    )
    listed = api_as(role).get("/api/v1/actions/", {"status": "to_do"}).json()
    assert [row["id"] for row in listed["results"]] == [action.pk][:sees]
    assert api_as(role).get("/api/v1/actions/", {"incident": incident.pk}).json()["count"] == sees


# --- Timeline, decisions, scenes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status", [("responder", 201), ("police", 201), ("viewer", 403), ("health", 404)]
)
def test_who_may_add_an_update_to_the_timeline(api_as, incident, role, status):
    response = api_as(role).post(url(incident, "timeline"), {"text": "School reopened."}, format="json")
    assert response.status_code == status
    assert TimelineEntry.objects.filter(text="School reopened.", kind="update").exists() == (status == 201)


def test_an_empty_update_is_a_400(api_as, incident):
    response = api_as("police").post(url(incident, "timeline"), {"text": "  "}, format="json")
    assert response.status_code == 400 and "text" in response.json()


def test_the_timeline_filters_by_kind(api_as, incident):
    api = api_as("viewer")
    assert {
        row["kind"] for row in api.get(url(incident, "timeline"), {"kind": "change"}).json()["results"]
    } == {"change"}


@pytest.mark.parametrize("role, status", [("responder", 201), ("police", 403), ("viewer", 403)])
def test_who_may_log_a_decision(api_as, incident, role, status):
    response = api_as(role).post(
        url(incident, "decisions"),
        {"what": "Open a reception centre", "why": "Many witnesses"},
        format="json",
    )
    assert response.status_code == status


def test_a_decision_says_who_decided_by_default_the_person_logging_it(api_as, incident, demo_users):
    api = api_as("responder")
    body = {"what": "A", "why": "B", "who_decided": "Gold"}
    named = api.post(url(incident, "decisions"), body, format="json")
    assert named.json()["who_decided"] == "Gold"
    unnamed = api.post(url(incident, "decisions"), {"what": "C", "why": "D"}, format="json")
    assert unnamed.json()["who_decided"] == demo_users["responder"].full_name


def test_a_decision_supersedes_only_a_current_decision_of_the_same_incident(api_as, incident, demo_users):
    first = services.record_decision(incident=incident, by=demo_users["responder"], what="A", why="B")
    api = api_as("responder")
    body = {"what": "C", "why": "D", "supersedes": first.pk}
    assert api.post(url(incident, "decisions"), body, format="json").status_code == 201
    again = api.post(url(incident, "decisions"), body, format="json")
    assert again.status_code == 400 and "supersedes" in again.json()
    unknown = api.post(url(incident, "decisions"), {**body, "supersedes": 999_999}, format="json")
    assert unknown.status_code == 400 and "supersedes" in unknown.json()
    assert Decision.objects.count() == 2


@pytest.mark.parametrize("role, status", [("coordinator", 201), ("police", 403)])
def test_who_may_add_a_scene(api_as, incident, role, status):
    response = api_as(role).post(
        url(incident, "scenes"),
        {"description": "Alley", "latitude": "51.5", "longitude": "-0.1"},
        format="json",
    )
    assert response.status_code == status


def test_a_scene_needs_both_coordinates_or_neither(api_as, incident):
    response = api_as("responder").post(
        url(incident, "scenes"), {"description": "Alley", "latitude": "51.5"}, format="json"
    )
    assert response.status_code == 400 and "longitude" in response.json()
    assert Scene.objects.filter(description="Alley").count() == 0


# --- Where scenes and police measures are ------------------------------------------------------------


def place_scene(incident):
    scene = incident.scenes.get()
    scene.latitude, scene.longitude = Decimal("51.57210"), Decimal("-0.04710")  # in Eastgate
    scene.save()
    return scene


@pytest.mark.parametrize(
    "role, exact", [("coordinator", True), ("responder", True), ("police", False), ("viewer", False)]
)
def test_a_scenes_coordinates_go_only_to_the_response_team(api_as, incident, role, exact):
    place_scene(incident)
    [scene] = api_as(role).get(url(incident, "scenes")).json()["results"]
    assert scene["exact"] is exact
    assert (scene["latitude"], scene["longitude"]) == (("51.57210", "-0.04710") if exact else (None, None))


def measure_body(incident, **changes):
    now = timezone.now()
    return {
        "scene": incident.scenes.get().pk,
        "kind": "stop_and_search",
        "description": "Stop and search around Northbridge Academy",
        "area": "Northbridge Central",
        "latitude": "51.57210",
        "longitude": "-0.04710",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=4)).isoformat(),
        "authorised_by": "Supt A. Khan",
        **changes,
    }


@pytest.mark.parametrize(
    "role, status",
    [("coordinator", 201), ("responder", 201), ("police", 201), ("viewer", 403), ("health", 404)],
)
def test_who_may_add_a_police_measure(api_as, incident, role, status):
    response = api_as(role).post(url(incident, "measures"), measure_body(incident), format="json")
    assert response.status_code == status
    assert SceneMeasure.objects.exists() == (status == 201)
    if status == 201:
        assert response.json()["status"].startswith("In force until")


def test_a_partner_of_another_kind_taking_part_may_not_add_a_measure(api_as, incident, demo_users):
    ParticipationFactory(incident=incident, organisation=demo_users["health"].memberships.get().organisation)
    response = api_as("health").post(url(incident, "measures"), measure_body(incident), format="json")
    assert response.status_code == 403
    assert not SceneMeasure.objects.exists()


def test_a_section_60_beyond_24_hours_is_a_400_on_its_end(api_as, incident):
    late = (timezone.now() + timedelta(hours=25)).isoformat()
    response = api_as("police").post(
        url(incident, "measures"), measure_body(incident, ends_at=late), format="json"
    )
    assert response.status_code == 400
    assert "at most 24 hours" in response.json()["ends_at"][0]
    assert not SceneMeasure.objects.exists()


def test_a_measure_goes_only_at_a_scene_of_the_incident(api_as, incident, demo, demo_users):
    other, _ = demo_incident(demo, demo_users)
    body = measure_body(incident, scene=other.scenes.get().pk)
    response = api_as("responder").post(url(incident, "measures"), body, format="json")
    assert response.status_code == 400 and "scene" in response.json()


@pytest.mark.parametrize("role, exact", [("responder", True), ("police", False), ("viewer", False)])
def test_measures_are_read_by_all_who_see_the_incident_with_coordinates_for_the_response_team(
    api_as, incident, demo_users, role, exact
):
    demo_measure(incident, demo_users)
    [measure] = api_as(role).get(url(incident, "measures")).json()["results"]
    assert measure["kind"] == "stop_and_search" and measure["state"] == "in_force"
    assert measure["authorised_by"] == "Supt A. Khan" and measure["area"] == "Northbridge Central"
    assert (measure["latitude"] is not None) is exact and measure["exact"] is exact


def test_the_police_lift_a_measure_once(api_as, incident, demo_users):
    measure = demo_measure(incident, demo_users)
    api = api_as("police")
    lift = f"{url(incident, 'measures')}{measure.pk}/lift/"
    response = api.post(lift)
    assert response.status_code == 200 and response.json()["state"] == "lifted"
    again = api.post(lift)
    assert again.status_code == 400 and "already lifted" in again.json()["detail"]
    assert api_as("viewer").post(lift).status_code == 403


def test_the_measures_list_does_not_grow_in_queries(api_as, incident, demo_users):
    api = api_as("police")
    demo_measure(incident, demo_users)
    api.get(url(incident, "measures"))
    with CaptureQueriesContext(connection) as few:
        api.get(url(incident, "measures"))
    for _ in range(5):
        demo_measure(incident, demo_users)
    with CaptureQueriesContext(connection) as many:
        assert api.get(url(incident, "measures")).json()["count"] == 6
    assert len(many) == len(few)


# --- Tension, meetings, messages ---------------------------------------------------------------------


def reading(**changes):
    body = {
        "area": "Eastfield",
        "area_kind": "estate",
        "level": 4,
        "indicators": ["rumours"],
        "source": "Youth workers",
        "confidence": "medium",
        "observed_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
    }
    body.update(changes)
    return body


@pytest.mark.parametrize("role, status", [("police", 201), ("responder", 201), ("viewer", 403)])
def test_who_may_record_tension(api_as, incident, role, status):
    response = api_as(role).post(url(incident, "tension-readings"), reading(), format="json")
    assert response.status_code == status
    assert TensionReading.objects.exists() == (status == 201)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"level": 9}, "level"),
        ({"indicators": ["aliens"]}, "indicators"),
        ({"observed_at": (timezone.now() + timedelta(days=1)).isoformat()}, "observed_at"),
    ],
)
def test_a_bad_tension_reading_is_a_400(api_as, incident, changes, field):
    response = api_as("police").post(url(incident, "tension-readings"), reading(**changes), format="json")
    assert response.status_code == 400 and field in response.json()


def test_meetings_are_listed_for_those_who_see_the_incident(api_as, incident, demo, demo_users):
    meeting = demo_meeting(demo, demo_users, incident)
    assert [row["id"] for row in api_as("viewer").get(url(incident, "meetings")).json()["results"]] == [
        meeting.pk
    ]
    assert api_as("health").get(url(incident, "meetings", meeting)).status_code == 404


def test_a_meeting_that_did_not_take_place_is_told_apart_from_one_cancelled(
    api_as, incident, demo, demo_users
):
    """The defect: both were only "status": "cancelled" (tests/meetings/test_meetings.py has the pages)."""
    over = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(hours=2))
    meetings_services.cancel_meeting(
        meeting=over, by=demo_users["responder"], reason="The chair was called away"
    )
    ahead = demo_meeting(demo, demo_users, incident, starts_in=timedelta(days=1))
    meetings_services.cancel_meeting(meeting=ahead, by=demo_users["responder"], reason="Superseded")
    rows = api_as("viewer").get(url(incident, "meetings")).json()["results"]
    assert {row["id"]: (row["status"], row["did_not_take_place"]) for row in rows} == {
        over.pk: ("cancelled", True),
        ahead.pk: ("cancelled", False),
    }


def family_update_naming_someone(incident, demo_users):
    """An unpublished update to the family that names the victim, drafted by the responder, who is then on
    the incident's need-to-know list (the viewer is not)."""
    message = communications.draft_message(
        incident=incident,
        by=demo_users["responder"],
        kind="family_update",
        title="Update to the family",
        body="J. S. is recovering in hospital.",
        audience="Family",
        channel="Family liaison officer",
        planned_for=timezone.now() + timedelta(hours=1),
        names_or_images=True,
        approvers=[],
    )
    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["responder"], by=demo_users["responder"]
    )
    return message


def test_a_message_naming_someone_is_not_readable_off_the_need_to_know_list(
    api_as, incident, demo, demo_users
):
    message = family_update_naming_someone(incident, demo_users)
    hidden = api_as("viewer").get(url(incident, "messages", message)).json()
    assert hidden["restricted"] is True and hidden["body"] is None
    assert hidden["title"] == "A message naming someone affected (restricted)"  # a title can name someone too
    listed = api_as("viewer").get(url(incident, "messages")).json()["results"]
    assert "J. S." not in str(listed)
    shown = api_as("responder").get(url(incident, "messages", message)).json()
    assert shown["restricted"] is False and shown["body"] == "J. S. is recovering in hospital."
    assert shown["title"] == "Update to the family"


def test_an_answer_showing_a_message_naming_someone_is_marked_for_personal_data(
    api_as, incident, demo_users, settings
):
    """The defect: every answer carried the case details' marking, OFFICIAL where a deployment marks them so,
    also when it held an unpublished message naming someone affected, which is never below
    OFFICIAL-SENSITIVE."""
    settings.PROTECTIVE_MARKING = "OFFICIAL"
    message = family_update_naming_someone(incident, demo_users)
    for address in (url(incident, "messages", message), url(incident, "messages")):
        assert api_as("responder").get(address)["X-Protective-Marking"] == "OFFICIAL-SENSITIVE", address
        # Shown restricted, it holds no one's details: the case's marking.
        assert api_as("viewer").get(address)["X-Protective-Marking"] == "OFFICIAL", address


def test_a_head_request_for_messages_is_not_answered_nor_audited_as_a_reading(api_as, incident, demo_users):
    """The defect: a HEAD request, which DRF answers by running the GET handler, wrote an audit entry saying
    the responder had read the message naming someone affected, though no body was sent. The messages, whose
    readings are audited, now answer HEAD 405 without reading anything; a GET reads and is audited."""
    message = family_update_naming_someone(incident, demo_users)
    api = api_as("responder")
    for address in (url(incident, "messages", message), url(incident, "messages")):
        response = api.head(address)
        assert response.status_code == 405, address
        assert response["Allow"] == "GET" if address.endswith(f"/{message.pk}/") else "GET, POST"
    read = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE)
    assert not read.exists()
    api.get(url(incident, "messages", message))
    assert read.count() == 1
    # Elsewhere, where a reading is not audited, HEAD is answered as before.
    assert api.head(url(incident, "meetings")).status_code == 200


def test_people_affected_are_not_in_the_api(api_as, incident):
    assert api_as("responder").get(url(incident, "people")).status_code == 404


def test_a_closed_incident_refuses_changes_through_the_api_too(api_as, incident, action, demo_users):
    from tests.recovery.test_after import closed

    closed(incident, demo_users["responder"])
    responder = api_as("responder")
    refused = responder.post(url(incident, "timeline"), {"text": "Late update"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": f"{incident.reference} is closed, so it cannot be changed. Re-open it first."
    }
    assert not incident.timeline.filter(text="Late update").exists()
    assert responder.get(url(incident, "timeline")).status_code == 200


def test_a_refusal_says_so_plainly_and_keeps_the_rule_for_the_audit_log(api_as, incident):
    refused = api_as("viewer").post(url(incident, "timeline"), {"text": "x"}, format="json")
    assert refused.json() == {"detail": "You do not have permission to perform this action."}
    assert AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED).detail == {
        "reason": "can_work_incident"
    }


def meeting_request(incident, demo_users, **changes):
    return {
        "kind": "critical_incident",
        "starts_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        "duration_minutes": 60,
        "place": "Committee room 2",
        "chair": demo_users["responder"].pk,
        "organisations": [p.organisation_id for p in incident.participations.all()],
        "agenda": "1. What we know",
        **changes,
    }


@pytest.mark.parametrize(
    "role, status",
    [("coordinator", 201), ("responder", 201), ("police", 403), ("viewer", 403), ("health", 403)],
)
def test_who_may_schedule_a_meeting(api_as, incident, demo_users, role, status):
    response = api_as(role).post(
        url(incident, "meetings"), meeting_request(incident, demo_users), format="json"
    )
    assert response.status_code == status
    assert incident.meetings.exists() == (status == 201)
    if status == 201:
        assert response.json()["agenda"] == "1. What we know"
        assert incident.timeline.filter(text__startswith="Critical-incident meeting scheduled").exists()


def test_a_meeting_with_a_long_online_link_like_a_teams_one_is_scheduled(api_as, incident, demo_users):
    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + "N2Q5" * 80 + "%40thread.v2/0"
    response = api_as("responder").post(
        url(incident, "meetings"), meeting_request(incident, demo_users, online_link=teams), format="json"
    )
    assert response.status_code == 201 and response.json()["online_link"] == teams
    assert incident.meetings.get().online_link == teams


def test_an_online_link_without_https_is_taken_as_the_web_form_takes_it(api_as, incident, demo_users):
    """The defect: a link pasted without its https:// ("teams.microsoft.com/..."), which the web form takes
    and stores with https:// in front, was refused by the API as "Enter a valid URL.". Now the API checks it
    with the web form's own field: taken the same, and refused in the same words."""
    pasted = "teams.microsoft.com/l/meetup-join/19%3ameeting_N2Q5"
    response = api_as("responder").post(
        url(incident, "meetings"), meeting_request(incident, demo_users, online_link=pasted), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["online_link"] == incident.meetings.get().online_link == f"https://{pasted}"
    refused = api_as("responder").post(
        url(incident, "meetings"),
        meeting_request(incident, demo_users, online_link="not a link"),
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"online_link": ["Enter the full link, starting https://"]}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"place": "", "online_link": ""}, "place"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"organisations": []}, "organisations"),
        ({"organisations": [999999]}, "organisations"),
        ({"chair": 999999}, "chair"),
        # Whole numbers no database can hold, and fractions, name no one (not a 500).
        ({"organisations": [2**64]}, "organisations"),
        ({"organisations": [1.5]}, "organisations"),
        ({"chair": 2**64}, "chair"),
        ({"chair": 1.5}, "chair"),
        # Last year typed for this year: before the incident happened.
        ({"starts_at": (timezone.now() - timedelta(days=364)).isoformat()}, "starts_at"),
    ],
)
def test_a_bad_meeting_is_a_400_and_schedules_nothing(api_as, incident, demo_users, changes, field):
    response = api_as("responder").post(
        url(incident, "meetings"), meeting_request(incident, demo_users, **changes), format="json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not incident.meetings.exists()


@pytest.mark.parametrize(
    "starts_at, says",
    [
        ("2027-03-28T01:30", "The clocks went forward an hour at 1am on Sunday 28 March 2027"),
        ("2027-10-31T01:30", "happened twice"),
    ],
)
def test_a_time_without_its_offset_that_the_clocks_skip_or_repeat_is_a_400_saying_so(
    api_as, incident, demo_users, starts_at, says
):
    """The defect: a local time in the hour the clocks skip was taken as Greenwich time, and one in the hour
    they repeat as the first of the two, where the web's form refuses the first and asks which of the second
    is meant. Sent with its offset, either is read as sent."""
    response = api_as("responder").post(
        url(incident, "meetings"), meeting_request(incident, demo_users, starts_at=starts_at), format="json"
    )
    assert response.status_code == 400
    assert says in " ".join(response.json()["starts_at"])
    assert not incident.meetings.exists()
    with_offset = api_as("responder").post(
        url(incident, "meetings"),
        meeting_request(incident, demo_users, starts_at="2027-10-31T01:30+00:00"),
        format="json",
    )
    assert with_offset.status_code == 201
    assert incident.meetings.get().starts_at.isoformat() == "2027-10-31T01:30:00+00:00"


def message_request(incident, **changes):
    return {
        "kind": "press",
        "title": "Statement on the stabbing",
        "body": "Partners are supporting the school community.",
        "audience": "Press and public",
        "channel": "Council website",
        "planned_for": (timezone.now() + timedelta(hours=1)).isoformat(),
        "approvers": [p.organisation_id for p in incident.participations.all()],
        **changes,
    }


def test_the_response_team_drafts_a_message_and_partners_may_not(api_as, incident):
    assert (
        api_as("police").post(url(incident, "messages"), message_request(incident), format="json").status_code
        == 403
    )
    response = api_as("responder").post(url(incident, "messages"), message_request(incident), format="json")
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert incident.messages.get().sign_offs.count() == incident.participations.count()


def test_a_message_approver_must_take_part(api_as, incident, demo):
    outsider = demo.organisations.get(kind="health_hospital")
    response = api_as("responder").post(
        url(incident, "messages"), message_request(incident, approvers=[outsider.pk]), format="json"
    )
    assert response.status_code == 400 and "must take part" in response.json()["approvers"][0]
    assert not incident.messages.exists()


def test_approvers_are_the_organisations_taking_part_as_on_the_web(
    api_as, incident, demo_users, other_partnership
):
    """The defect: the API took a message's approvers from the token's partnership's active organisations,
    not from those taking part as the web's form does, so a partnership the incident is shared with could
    draft no message through it (its approvers, the lead's partners, were "none with id ..."), nor could
    anyone name a partner taking part but since taken off the directory. Now both are drafted, as on the
    web."""
    from rest_framework.test import APIClient

    from svtoolkit.api.services import create_token
    from tests.incidents.builders import SHARE_BASIS

    police = incident.participations.get(organisation__kind="police").organisation
    Organisation.objects.filter(pk=police.pk).update(is_active=False)
    taken_off = api_as("responder").post(
        url(incident, "messages"), message_request(incident, approvers=[police.pk]), format="json"
    )
    assert taken_off.status_code == 201, taken_off.json()

    southmoor, southmoor_coordinator = other_partnership
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["coordinator"], **SHARE_BASIS
    )
    api = APIClient()
    secret = create_token(user=southmoor_coordinator.user, partnership=southmoor, name="Southmoor")[1]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    shared = api.post(
        url(incident, "messages"), message_request(incident, approvers=[police.pk]), format="json"
    )
    assert shared.status_code == 201, shared.json()
    assert [list(m.sign_offs.values_list("organisation_id", flat=True)) for m in incident.messages.all()] == [
        [police.pk],
        [police.pk],
    ]


def test_an_approver_named_twice_is_asked_once(api_as, incident):
    police = incident.participations.get(organisation__kind="police").organisation_id
    response = api_as("responder").post(
        url(incident, "messages"), message_request(incident, approvers=[police, police]), format="json"
    )
    assert response.status_code == 201
    assert list(incident.messages.get().sign_offs.values_list("organisation_id", flat=True)) == [police]


def test_handing_over_an_action_through_the_api_needs_a_note(api_as, incident, action):
    response = api_as("responder").patch(
        url(incident, "actions", action),
        {"status": "handed_over", "revision": action.revision},
        format="json",
    )
    assert response.status_code == 400 and "note" in response.json()


@pytest.mark.parametrize("scene", [2**64, 1.5])
def test_a_measure_at_a_scene_id_no_record_can_have_is_a_400(api_as, incident, scene):
    body = measure_body(incident, scene=scene)
    response = api_as("responder").post(url(incident, "measures"), body, format="json")
    assert response.status_code == 400 and "scene" in response.json()
    assert not SceneMeasure.objects.exists()
