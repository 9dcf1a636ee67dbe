"""Incidents through the API: who sees which, recording and correcting them, as on the web."""

from datetime import timedelta

import pytest
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.incidents import services
from svtoolkit.incidents.models import Incident, IncidentStatus
from tests.factories import MembershipFactory
from tests.incidents.builders import SHARE_BASIS

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


def new_incident(**changes):
    now = timezone.now()
    body = {
        "title": "Shooting on the Eastfield estate",
        "incident_types": ["firearm"],
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "notified_at": (now - timedelta(hours=1)).isoformat(),
        "notification_source": "police",
        "summary": "Shots were fired at a parked car; nobody was hurt.",
        "scene_description": "Car park behind Eastfield shops",
    }
    body.update(changes)
    return body


def other_incident(partnership, by):
    now = timezone.now()
    return services.record_incident(
        partnership=partnership,
        by=by,
        title="Southmoor robbery",
        incident_types=["knife"],
        occurred_at=now - timedelta(hours=5),
        notified_at=now - timedelta(hours=4),
        notification_source="police",
        notified_by="",
        summary="A robbery at knifepoint.",
        scenes=[{"description": "High street", "area": ""}],
    )


@pytest.mark.parametrize(
    "role, sees", [("coordinator", 1), ("responder", 1), ("viewer", 1), ("police", 1), ("health", 0)]
)
def test_each_role_lists_the_incidents_it_may_see(api_as, incident_and_action, role, sees):
    response = api_as(role).get(INCIDENTS)
    assert response.status_code == 200
    assert response.json()["count"] == sees


def test_every_answer_carries_the_partnerships_protective_marking(api_as, incident_and_action, settings):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    api = api_as("coordinator")
    for url in (INCIDENTS, f"{INCIDENTS}{incident_and_action[0].pk}/", f"{INCIDENTS}0/", "/api/schema/"):
        assert api.get(url)["X-Protective-Marking"] == "OFFICIAL-SENSITIVE: PARTNERS ONLY", url


@pytest.mark.parametrize(
    "url",
    [
        f"{INCIDENTS}0/",  # the view's own 404: no incident has this id
        f"{INCIDENTS}99999999999999999999/",  # no address: past any id a database holds
        f"{INCIDENTS}1/actions/99999999999999999999/",
        "/api/v1/no-such-thing/",
    ],
)
def test_every_not_found_answer_is_json_and_carries_the_protective_marking(api_as, settings, url):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    response = api_as("coordinator").get(url)
    assert response.status_code == 404
    assert response["X-Protective-Marking"] == "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_another_partnerships_incidents_are_not_found(api_as, incident_and_action, other_partnership):
    southmoor, southmoor_coordinator = other_partnership
    theirs = other_incident(southmoor, southmoor_coordinator.user)
    api = api_as("coordinator")
    assert [row["id"] for row in api.get(INCIDENTS).json()["results"]] == [incident_and_action[0].pk]
    assert api.get(f"{INCIDENTS}{theirs.pk}/").status_code == 404
    assert api.get(f"{INCIDENTS}{theirs.pk}/actions/").status_code == 404


def test_an_incident_shared_with_the_partnership_is_seen(api_as, demo, other_partnership):
    southmoor, southmoor_coordinator = other_partnership
    theirs = other_incident(southmoor, southmoor_coordinator.user)
    services.share_incident(incident=theirs, partnership=demo, by=southmoor_coordinator.user, **SHARE_BASIS)
    assert api_as("responder").get(f"{INCIDENTS}{theirs.pk}/").json()["lead_partnership"] == southmoor.name


def test_the_list_filters_by_status_type_and_exercise(api_as, incident_and_action, demo_users, demo):
    incident, _ = incident_and_action
    services.categorise(
        incident=incident,
        by=demo_users["responder"],
        factors=[],
        other_factors="",
        serious_violence=True,
        meeting_needed=False,
        cross_borough=False,
        rationale="Knife used",
    )
    api = api_as("coordinator")
    assert api.get(INCIDENTS, {"status": "assessing"}).json()["count"] == 1
    assert api.get(INCIDENTS, {"status": "reported"}).json()["count"] == 0
    assert api.get(INCIDENTS, {"type": "knife"}).json()["count"] == 1
    assert api.get(INCIDENTS, {"type": "firearm"}).json()["count"] == 0
    assert api.get(INCIDENTS, {"is_exercise": "true"}).json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"status": "sleeping"},
        {"occurred_after": "last tuesday"},
        {"occurred_before": "0367-05-11T01:49:23+17:50"},
        # The first and last moments of the calendar, with an offset: no time in UTC to convert them to.
        {"occurred_after": "0001-01-01T00:00:00+14:00"},
        {"occurred_before": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_a_filter_that_makes_no_sense_is_a_400_naming_it(api_as, demo, query):
    response = api_as("viewer").get(INCIDENTS, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.parametrize(
    "address, name",
    [
        ("/api/v1/incidents/", "is_exercise"),
        ("/api/v1/actions/", "overdue"),
        ("/api/v1/incidents/{incident}/actions/", "overdue"),
    ],
)
def test_a_yes_or_no_filter_takes_true_or_false_and_anything_else_is_a_400_naming_it(
    api_as, incident_and_action, address, name
):
    """The defect: a yes-or-no filter given "yes", "no" or "maybe" was ignored, and the whole list answered.
    Now true, false, 1 and 0 filter, an empty value filters nothing, and anything else is a 400 naming it."""
    api = api_as("coordinator")
    address = address.format(incident=incident_and_action[0].pk)
    for nonsense in ("yes", "no", "maybe"):
        response = api.get(address, {name: nonsense})
        assert response.status_code == 400, (nonsense, response.json())
        assert set(response.json()) == {name}
    values = ("true", "1", "false", "0", "")
    counts = {value: api.get(address, {name: value}).json()["count"] for value in values}
    assert counts == {"true": 0, "1": 0, "false": 1, "0": 1, "": 1}


def test_a_date_with_an_offset_the_database_refuses_is_read_in_utc(api_as, incident_and_action):
    response = api_as("viewer").get(INCIDENTS, {"occurred_after": "2020-05-11T01:49:23+17:50"})
    assert response.status_code == 200 and response.json()["count"] == 1


def test_pages_have_a_maximum_size(api_as, incident_and_action):
    response = api_as("viewer").get(INCIDENTS, {"page_size": 10_000})
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert api_as("viewer").get(INCIDENTS, {"page": 99}).status_code == 404


@pytest.mark.parametrize(
    "role, status", [("coordinator", 201), ("responder", 201), ("police", 403), ("viewer", 403)]
)
def test_who_may_record_an_incident(api_as, demo, role, status):
    response = api_as(role).post(INCIDENTS, new_incident(), format="json")
    assert response.status_code == status
    assert Incident.objects.count() == (1 if status == 201 else 0)


def test_recording_writes_the_same_timeline_and_audit_as_the_web(api_as, demo, demo_users):
    response = api_as("responder").post(INCIDENTS, new_incident(), format="json")
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["reference"] == incident.reference and body["revision"] == 1
    assert incident.created_by == demo_users["responder"]
    assert incident.scenes.get().description == "Car park behind Eastfield shops"
    assert list(incident.timeline.values_list("text", flat=True)) == [
        "Northbridge Council Community Safety Team is taking part (the partnership's lead organisation).",
        "Incident recorded: Shooting on the Eastfield estate.",
    ]
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, target_type="incidents.Incident")
    assert entry.actor == demo_users["responder"] and entry.path == INCIDENTS


def test_a_refusal_is_audited(api_as, demo, demo_users):
    api_as("viewer").post(INCIDENTS, new_incident(), format="json")
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert entry.actor == demo_users["viewer"]
    assert entry.detail == {"reason": "can_record_incident"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"incident_types": []}, "incident_types"),
        ({"incident_types": ["volcano"]}, "incident_types"),
        ({"incident_types": "knife"}, "incident_types"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
        ({"notified_at": (timezone.now() - timedelta(days=3)).isoformat()}, "notified_at"),
        ({"notification_source": "pigeon"}, "notification_source"),
        ({"summary": None}, "summary"),
    ],
)
def test_bad_input_is_a_400_with_the_fields_errors_and_records_nothing(api_as, demo, changes, field):
    response = api_as("responder").post(INCIDENTS, new_incident(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api_as, demo):
    response = api_as("responder").post(INCIDENTS, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_correcting_the_record_needs_the_revision_read(api_as, incident_and_action):
    incident, _ = incident_and_action
    api = api_as("responder")
    url = f"{INCIDENTS}{incident.pk}/"
    missing = api.patch(url, {"title": "Stabbing at the bus stop"}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    saved = api.patch(url, {"title": "Stabbing at the bus stop", "revision": 1}, format="json")
    assert saved.status_code == 200
    assert saved.json()["title"] == "Stabbing at the bus stop" and saved.json()["revision"] == 2
    assert incident.timeline.filter(text="The incident's record was corrected.").exists()


def test_a_stale_correction_is_a_409_and_changes_nothing(api_as, incident_and_action):
    incident, _ = incident_and_action
    url = f"{INCIDENTS}{incident.pk}/"
    api_as("coordinator").patch(url, {"summary": "First correction.", "revision": 1}, format="json")
    response = api_as("responder").patch(url, {"title": "Second", "revision": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    incident.refresh_from_db()
    assert incident.title == "Stabbing near Northbridge Academy" and incident.summary == "First correction."


@pytest.mark.parametrize("role, status", [("police", 403), ("viewer", 403), ("health", 403)])
def test_partners_and_viewers_cannot_correct_the_record(api_as, incident_and_action, role, status):
    incident, _ = incident_and_action
    response = api_as(role).patch(f"{INCIDENTS}{incident.pk}/", {"title": "X", "revision": 1}, format="json")
    assert response.status_code == status


def test_the_status_moves_along_the_lifecycle_only(api_as, incident_and_action):
    incident, _ = incident_and_action
    url = f"{INCIDENTS}{incident.pk}/status/"
    api = api_as("responder")
    refused = api.post(url, {"status": "recovery", "from_status": "reported"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    assert api.post(url, {"status": "closed", "from_status": "reported"}, format="json").status_code == 400
    moved = api.post(url, {"status": "responding", "from_status": "reported"}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == IncidentStatus.RESPONDING


def test_a_status_change_needs_the_status_read(api_as, incident_and_action):
    incident, _ = incident_and_action
    api = api_as("responder")
    missing = api.post(f"{INCIDENTS}{incident.pk}/status/", {"status": "responding"}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"from_status": ["Give the status of the incident you read."]}
    assert api.get(f"{INCIDENTS}{incident.pk}/").json()["status"] == IncidentStatus.REPORTED


def test_a_status_change_from_a_status_read_before_a_colleague_moved_it_on_is_a_409_and_changes_nothing(
    api_as, incident_and_action
):
    incident, _ = incident_and_action
    url = f"{INCIDENTS}{incident.pk}/status/"
    colleague = api_as("coordinator")
    colleague.post(url, {"status": "responding", "from_status": "reported"}, format="json")
    colleague.post(url, {"status": "recovery", "from_status": "responding"}, format="json")
    response = api_as("responder").post(
        url, {"status": "responding", "from_status": "reported"}, format="json"
    )
    assert response.status_code == 409
    assert "it is now recovery, not reported" in response.json()["detail"]
    assert colleague.get(f"{INCIDENTS}{incident.pk}/").json()["status"] == IncidentStatus.RECOVERY


def test_a_partner_in_two_partnerships_sees_only_the_tokens_partnership(
    api_as, incident_and_action, demo_users, other_partnership
):
    southmoor, southmoor_coordinator = other_partnership
    other_incident(southmoor, southmoor_coordinator.user)
    MembershipFactory(user=demo_users["viewer"], partnership=southmoor, role="coordinator")
    assert api_as("viewer").get(INCIDENTS).json()["count"] == 1


def test_listing_takes_the_same_number_of_queries_however_many_incidents(
    api_as, demo, demo_users, django_assert_max_num_queries
):
    api = api_as("coordinator")
    for _ in range(2):
        api.post(INCIDENTS, new_incident(), format="json")
    with django_assert_max_num_queries(8):
        small = api.get(INCIDENTS)
    for _ in range(6):
        api.post(INCIDENTS, new_incident(), format="json")
    with django_assert_max_num_queries(8):
        large = api.get(INCIDENTS)
    assert small.json()["count"] == 2 and large.json()["count"] == 8


@pytest.mark.parametrize(
    "accept, suffix", [("application/vnd.oai.openapi", "yaml"), ("application/vnd.oai.openapi+json", "json")]
)
def test_the_schema_saved_under_the_name_it_is_served_with_carries_the_marking(
    api_as, settings, accept, suffix
):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    response = api_as("coordinator").get("/api/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'inline; filename="svtoolkit-api-OFFICIAL-SENSITIVE-PARTNERS-ONLY.{suffix}"'
    )


def test_an_incident_recorded_keeps_its_scenes_place_and_location_as_on_the_web(api_as, demo):
    response = api_as("responder").post(
        INCIDENTS,
        new_incident(scene_place="school", scene_latitude="51.57150", scene_longitude="-0.07200"),
        format="json",
    )
    assert response.status_code == 201
    scene = Incident.objects.get(pk=response.json()["id"]).scenes.get()
    assert (scene.place, str(scene.latitude), str(scene.longitude)) == ("school", "51.57150", "-0.07200")


def test_an_incident_with_half_a_scene_location_is_a_400_and_records_nothing(api_as, demo):
    response = api_as("responder").post(INCIDENTS, new_incident(scene_latitude="51.5715"), format="json")
    assert response.status_code == 400
    assert response.json() == {"scene_longitude": ["Give both the latitude and the longitude, or neither."]}
    assert not Incident.objects.exists()
