"""Police measures at a scene: cordons, rendezvous points, s.35 and s.60 authorisations, road closures."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import selectors
from svtoolkit.incidents.measures import selectors as measures_selectors
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import MeasureState, SceneMeasure, TimelineEntry
from svtoolkit.incidents.signals import measure_changed
from tests.factories import ParticipationFactory, SceneFactory, SceneMeasureFactory
from tests.incidents.builders import demo_incident
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db

# A Wednesday night in November (GMT), when a section 60 is typically authorised.
NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def at_night(time_machine):
    time_machine.move_to(NIGHT, tick=False)


@pytest.fixture
def incident(demo, demo_users, at_night):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def scene(incident):
    return incident.scenes.get()


def add(scene, by, **changes):
    """A section 60 authorisation from now until 02:00, unless told otherwise."""
    fields = {
        "kind": "stop_and_search",
        "description": "Stop and search in the streets around Northbridge Academy",
        "area": "Northbridge Central",
        "latitude": None,
        "longitude": None,
        "starts_at": NIGHT,
        "ends_at": NIGHT + timedelta(hours=4),
        "authorised_by": "Supt A. Khan",
    }
    return measures_services.add_measure(scene=scene, by=by, **{**fields, **changes})


# --- Recording --------------------------------------------------------------------------------------------


def test_a_section_60_authorisation_is_written_to_the_timeline_and_the_audit_log(scene, demo_users):
    police = demo_users["police"]
    measure = add(scene, police)
    entry = TimelineEntry.objects.filter(incident=scene.incident).order_by("-id").first()
    assert entry.text == (
        "Section 60 stop and search authorised until 02:00 on 26 Nov in Northbridge Central by Supt A. Khan. "
        "Stop and search in the streets around Northbridge Academy"
    )
    assert entry.by == police
    audit = AuditEntry.objects.get(action=AuditAction.CREATE, target_type="incidents.SceneMeasure")
    assert audit.actor == police and audit.target_id == str(measure.pk)
    assert measure.state_at(timezone.now()) == MeasureState.IN_FORCE


def test_a_measure_starting_later_says_from_when(scene, demo_users):
    add(
        scene,
        demo_users["responder"],
        starts_at=NIGHT + timedelta(hours=1),
        ends_at=NIGHT + timedelta(hours=2),
    )
    assert (
        TimelineEntry.objects.order_by("-id")
        .first()
        .text.startswith(
            "Section 60 stop and search authorised from 23:00 until 00:00 on 26 Nov in Northbridge Central"
        )
    )


def test_a_section_60_beyond_24_hours_is_refused_and_nothing_is_written(scene, demo_users):
    entries = TimelineEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        add(scene, demo_users["police"], ends_at=NIGHT + timedelta(hours=24, minutes=1))
    assert refused.value.field == "ends_at"
    assert refused.value.message == (
        "A section 60 authorisation lasts at most 24 hours: make it end by 22:00 on 26 Nov. "
        "An extension by a superintendent, of up to 24 hours more, is recorded as a new authorisation."
    )
    assert not SceneMeasure.objects.exists()
    assert TimelineEntry.objects.count() == entries
    assert not AuditEntry.objects.filter(target_type="incidents.SceneMeasure").exists()


def test_a_section_60_of_exactly_24_hours_is_allowed(scene, demo_users):
    assert add(scene, demo_users["police"], ends_at=NIGHT + timedelta(hours=24)).pk


def test_a_dispersal_order_lasts_up_to_48_hours_and_no_longer(scene, demo_users):
    dispersal = {"kind": "dispersal_order", "description": "Dispersal zone around the station"}
    assert add(scene, demo_users["police"], **dispersal, ends_at=NIGHT + timedelta(hours=48)).pk
    with pytest.raises(DomainError) as refused:
        add(scene, demo_users["police"], **dispersal, ends_at=NIGHT + timedelta(hours=48, minutes=1))
    assert refused.value.message == (
        "A dispersal order (section 35) lasts at most 48 hours: make it end by 22:00 on 27 Nov."
    )


def test_a_section_60_is_extended_once_by_a_further_authorisation_and_not_again(scene, demo_users):
    police = demo_users["police"]
    add(scene, police, ends_at=NIGHT + timedelta(hours=24))
    # The superintendent's extension carries it on, from before it ends, for 24 hours more.
    assert add(scene, police, starts_at=NIGHT + timedelta(hours=23), ends_at=NIGHT + timedelta(hours=47)).pk
    entries = TimelineEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        add(scene, police, starts_at=NIGHT + timedelta(hours=47), ends_at=NIGHT + timedelta(hours=71))
    assert refused.value.field == "ends_at"
    assert refused.value.message == (
        "Stop and search here would be authorised for more than 48 hours without a break, from 22:00: a "
        "section 60 authorisation lasts at most 24 hours and may be extended once, by up to 24 hours. "
        "Make it end by 22:00 on 27 Nov, or start a new authorisation, on new grounds, after the last one "
        "ends."
    )
    assert SceneMeasure.objects.count() == 2 and TimelineEntry.objects.count() == entries
    # After the extension has ended, a new authorisation is not an extension.
    assert add(scene, police, starts_at=NIGHT + timedelta(hours=48), ends_at=NIGHT + timedelta(hours=60)).pk


def test_a_section_60_after_one_lifted_or_within_one_in_force_extends_nothing(scene, demo_users):
    police = demo_users["police"]
    lifted = add(scene, police, ends_at=NIGHT + timedelta(hours=24))
    measures_services.lift_measure(measure=lifted, by=police)
    add(scene, police, starts_at=NIGHT + timedelta(hours=1), ends_at=NIGHT + timedelta(hours=25))
    add(scene, police, starts_at=NIGHT + timedelta(hours=25), ends_at=NIGHT + timedelta(hours=49))
    add(scene, police, starts_at=NIGHT + timedelta(hours=2), ends_at=NIGHT + timedelta(hours=3))
    assert SceneMeasure.objects.count() == 4


def test_the_form_explains_a_second_extension_of_a_section_60(client_for, scene, demo_users):
    police = demo_users["police"]
    add(scene, police, ends_at=NIGHT + timedelta(hours=24))
    add(scene, police, starts_at=NIGHT + timedelta(hours=24), ends_at=NIGHT + timedelta(hours=48))
    url = reverse("incidents:measure_add", args=[scene.incident_id])
    answer = client_for("police").post(
        url, form(scene, starts_at="2026-11-27T22:00", ends_at="2026-11-28T10:00")
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "govuk-error-summary" in page
    assert "may be extended once, by up to 24 hours. Start a new authorisation" in page
    assert SceneMeasure.objects.count() == 2


@pytest.mark.parametrize("kind", ["dispersal_order", "stop_and_search"])
def test_an_authorisation_must_say_who_gave_it_and_when_it_ends(scene, demo_users, kind):
    problems = measures_services.measure_problems(
        kind=kind,
        description="Around the school",
        latitude=None,
        longitude=None,
        starts_at=NIGHT,
        ends_at=None,
        authorised_by=" ",
    )
    assert [field for field, _ in problems] == ["authorised_by", "ends_at"]
    with pytest.raises(DomainError) as refused:
        add(scene, demo_users["police"], kind=kind, ends_at=None, authorised_by="")
    assert refused.value.field == "authorised_by"


def test_a_cordon_stays_until_lifted_and_needs_no_authorisation(scene, demo_users):
    cordon = add(
        scene, demo_users["police"], kind="cordon", description="Inner cordon", ends_at=None, authorised_by=""
    )
    assert selectors.measure_status(cordon, now=timezone.now()) == "In force until lifted"
    assert TimelineEntry.objects.order_by("-id").first().text == (
        "Cordon in place in Northbridge Central. Inner cordon"
    )


def test_a_measure_must_end_after_it_starts(scene, demo_users):
    with pytest.raises(DomainError) as refused:
        add(scene, demo_users["police"], kind="road_closure", ends_at=NIGHT - timedelta(minutes=1))
    assert (refused.value.field, refused.value.message) == ("ends_at", "The end must be after the start.")


def test_the_database_refuses_a_measure_ending_before_it_starts(scene):
    with pytest.raises(IntegrityError):
        SceneMeasureFactory(scene=scene, starts_at=NIGHT, ends_at=NIGHT - timedelta(hours=1))


def test_a_location_needs_both_coordinates(scene, demo_users):
    with pytest.raises(DomainError) as refused:
        add(scene, demo_users["police"], latitude=Decimal("51.5"))
    assert refused.value.field == "longitude"


# --- Lifting and ending -----------------------------------------------------------------------------------


def test_lifting_a_measure_ends_it_once(scene, demo_users, time_machine):
    measure = add(scene, demo_users["police"])
    time_machine.move_to(NIGHT + timedelta(hours=1, minutes=40), tick=False)
    measures_services.lift_measure(measure=measure, by=demo_users["responder"])
    measure.refresh_from_db()
    assert measure.state_at(timezone.now()) == MeasureState.LIFTED
    assert measure.lifted_by == demo_users["responder"]
    assert selectors.measure_status(measure, now=timezone.now()) == "Lifted at 23:40"
    assert TimelineEntry.objects.order_by("-id").first().text == (
        "Section 60 stop and search authorisation withdrawn in Northbridge Central "
        "(it was to end at 02:00 on 26 Nov). Stop and search in the streets around Northbridge Academy"
    )
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, target_id=str(measure.pk)).count() == 1
    with pytest.raises(DomainError, match="already lifted at 23:40"):
        measures_services.lift_measure(measure=measure, by=demo_users["police"])
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, target_id=str(measure.pk)).count() == 1


def test_a_measure_past_its_end_has_expired_and_cannot_be_lifted(scene, demo_users, time_machine):
    measure = add(scene, demo_users["police"])
    time_machine.move_to(NIGHT + timedelta(hours=5), tick=False)
    assert measure.state_at(timezone.now()) == MeasureState.EXPIRED
    assert selectors.measure_status(measure, now=timezone.now()) == "Expired at 02:00"
    with pytest.raises(DomainError, match="This measure ended at 02:00: there is nothing to lift"):
        measures_services.lift_measure(measure=measure, by=demo_users["police"])


def test_a_measure_added_or_lifted_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    incident, scene, demo_users
):
    """The defect: a measure could be added, or lifted, from a page opened while the incident was open after a
    colleague had closed it, writing on the timeline of a closed incident. Now either is refused and nothing
    is written: a closed incident is kept as it was closed."""
    police = demo_users["police"]
    closed(incident, demo_users["responder"])
    # Left current at closing, as closing allowed before it refused that (tests/recovery).
    cordon = SceneMeasureFactory(scene=scene, added_by=police)
    entries = TimelineEntry.objects.filter(incident=incident).count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        add(scene, police)
    with pytest.raises(DomainError, match="closed meanwhile"):
        measures_services.lift_measure(measure=cordon, by=police)
    assert list(SceneMeasure.objects.values_list("pk", "lifted_at")) == [(cordon.pk, None)]
    assert TimelineEntry.objects.filter(incident=incident).count() == entries


# --- For the alert updates --------------------------------------------------------------------------------


def test_the_summary_has_one_line_per_measure_still_current_and_no_coordinates(scene, demo_users):
    police = demo_users["police"]
    add(scene, police, latitude=Decimal("51.57150"), longitude=Decimal("-0.07200"))
    add(
        scene,
        police,
        kind="rendezvous_point",
        description="RVP: Tesco car park, Station Road",
        area="",
        starts_at=NIGHT + timedelta(minutes=30),
        ends_at=None,
        authorised_by="",
    )
    lifted = add(scene, police, kind="cordon", description="Outer cordon", ends_at=None)
    measures_services.lift_measure(measure=lifted, by=police)
    add(
        scene,
        police,
        kind="road_closure",
        description="Station Road closed",
        starts_at=NIGHT - timedelta(hours=3),
        ends_at=NIGHT - timedelta(hours=1),
    )
    summary = measures_selectors.measures_summary(scene.incident)
    assert summary.splitlines() == [
        "Stop and search authorisation (section 60): Stop and search in the streets around Northbridge "
        "Academy (Northbridge Central). In force until 02:00 on 26 Nov; authorised by Supt A. Khan.",
        "Rendezvous point: RVP: Tesco car park, Station Road. Starts at 22:30, until lifted.",
    ]
    assert "51.57" not in summary and "0.072" not in summary


def test_the_summary_is_empty_without_measures(incident):
    assert measures_selectors.measures_summary(incident) == ""


def test_measure_changed_is_sent_in_the_changes_transaction_with_the_incident_and_the_measure(
    scene, demo_users
):
    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    measure_changed.connect(listener)
    try:
        measure = add(scene, demo_users["police"])
        measures_services.lift_measure(measure=measure, by=demo_users["responder"])
        with pytest.raises(DomainError):
            add(scene, demo_users["police"], ends_at=NIGHT + timedelta(days=3))
    finally:
        measure_changed.disconnect(listener)
    assert [(h["incident"], h["measure"].pk, h["change"], h["by"]) for h in heard] == [
        (scene.incident, measure.pk, "added", demo_users["police"]),
        (scene.incident, measure.pk, "lifted", demo_users["responder"]),
    ]


# --- Who may record them ----------------------------------------------------------------------------------


def test_the_response_team_and_police_taking_part_record_measures_others_do_not(demo, demo_users, incident):
    def may(role):
        return access.can_record_scene_measures(demo_users[role], demo, incident)

    assert may("coordinator") and may("responder") and may("police")
    assert not may("viewer")
    # A health partner whose organisation takes part sees the incident but decides no police measure.
    ParticipationFactory(incident=incident, organisation=demo_users["health"].memberships.get().organisation)
    assert not may("health")


def test_police_not_taking_part_do_not_record_measures(demo, demo_users, at_night):
    other, _ = demo_incident(demo, demo_users)
    other.participations.all().delete()
    assert not access.can_record_scene_measures(demo_users["police"], demo, other)


# --- Pages ------------------------------------------------------------------------------------------------


def form(scene, **changes):
    return {
        "scene": scene.pk,
        "kind": "stop_and_search",
        "description": "Stop and search in the streets around Northbridge Academy",
        "area": "Northbridge Central",
        "latitude": "51.57150",
        "longitude": "-0.07200",
        "starts_at": "2026-11-25T22:00",
        "ends_at": "2026-11-26T02:00",
        "authorised_by": "Supt A. Khan",
        **changes,
    }


def test_a_police_partner_adds_a_measure_and_everyone_who_sees_the_incident_sees_it(client_for, scene):
    url = reverse("incidents:measure_add", args=[scene.incident_id])
    client = client_for("police")
    assert client.get(url).status_code == 200
    response = client.post(url, form(scene))
    assert response.status_code == 302
    assert response["Location"].endswith("#scenes")
    measure = SceneMeasure.objects.get()
    assert (measure.latitude, measure.ends_at) == (Decimal("51.57150"), NIGHT + timedelta(hours=4))

    page = client.get(reverse("incidents:incident", args=[scene.incident_id])).content.decode()
    assert "Stop and search authorisation (section 60)" in page
    assert "In force until 02:00 on 26 Nov" in page
    assert "Authorised by Supt A. Khan" in page
    assert reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk]) in page


@pytest.mark.parametrize(
    "role, sees_coordinates", [("responder", True), ("police", False), ("viewer", False)]
)
def test_the_overview_shows_coordinates_only_to_the_response_team(
    client_for, scene, demo_users, role, sees_coordinates
):
    measure = add(scene, demo_users["police"], latitude=Decimal("51.57150"), longitude=Decimal("-0.07200"))
    page = client_for(role).get(reverse("incidents:incident", args=[scene.incident_id])).content.decode()
    assert "Stop and search in the streets around Northbridge Academy" in page
    assert ("51.57150" in page) == sees_coordinates
    lift = reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk])
    assert (lift in page) == (role != "viewer")


def test_bad_measure_input_is_explained_all_at_once_and_nothing_is_saved(client_for, scene):
    url = reverse("incidents:measure_add", args=[scene.incident_id])
    response = client_for("police").post(
        url, form(scene, ends_at="2026-11-27T02:00", authorised_by="", latitude="51.5", longitude="")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    for message in [
        "Say who gave the authorisation (an inspector or above), like Supt A. Khan",
        "A section 60 authorisation lasts at most 24 hours: make it end by 22:00 on 26 Nov",
        "Give both the latitude and the longitude, or neither",
    ]:
        assert message in content
    assert 'href="#id_ends_at_day"' in content  # the error summary links to the date input's first box
    assert not SceneMeasure.objects.exists()


def test_a_time_that_is_not_a_time_is_explained_once(client_for, scene):
    response = client_for("responder").post(
        reverse("incidents:measure_add", args=[scene.incident_id]), form(scene, ends_at="tomorrow")
    )
    content = response.content.decode()
    assert "Enter a real date and time" in content
    assert "Say when the authorisation ends" not in content
    assert not SceneMeasure.objects.exists()


def test_a_scene_of_another_incident_cannot_be_chosen(client_for, demo, demo_users, scene):
    other, _ = demo_incident(demo, demo_users)
    response = client_for("responder").post(
        reverse("incidents:measure_add", args=[scene.incident_id]), form(other.scenes.get())
    )
    assert "Choose one of the scenes" in response.content.decode()
    assert not SceneMeasure.objects.exists()


def test_a_health_partner_taking_part_may_not_add_or_lift_measures(client_for, demo_users, scene):
    measure = add(scene, demo_users["police"])
    ParticipationFactory(
        incident=scene.incident, organisation=demo_users["health"].memberships.get().organisation
    )
    client = client_for("health")
    assert client.get(reverse("incidents:incident", args=[scene.incident_id])).status_code == 200
    assert client.get(reverse("incidents:measure_add", args=[scene.incident_id])).status_code == 403
    lift = reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk])
    assert client.post(lift).status_code == 403
    measure.refresh_from_db()
    assert measure.lifted_at is None
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail={"reason": "can_record_scene_measures"}
    ).exists()


@pytest.mark.parametrize("role, status", [("viewer", 403), ("health", 404)])
def test_a_viewer_or_a_partner_not_taking_part_cannot_lift(client_for, demo_users, scene, role, status):
    measure = add(scene, demo_users["police"])
    response = client_for(role).post(reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk]))
    assert response.status_code == status
    measure.refresh_from_db()
    assert measure.lifted_at is None


def test_the_police_lift_a_measure_and_a_second_lift_is_explained(client_for, demo_users, scene):
    measure = add(scene, demo_users["police"])
    client = client_for("police")
    url = reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk])
    assert client.post(url).status_code == 302
    measure.refresh_from_db()
    assert measure.lifted_by == demo_users["police"]
    again = client.post(url, follow=True).content.decode()
    assert "This measure was already lifted at 22:00" in again
    assert "Lifted at 22:00" in again


def test_a_measure_of_another_incident_is_not_found(client_for, demo, demo_users, scene):
    other, _ = demo_incident(demo, demo_users)
    measure = add(other.scenes.get(), demo_users["police"])
    response = client_for("responder").post(
        reverse("incidents:measure_lift", args=[scene.incident_id, measure.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("chosen", ["²", "9" * 20, "0"])
def test_a_scene_in_the_address_that_no_scene_could_be_is_ignored(client_for, scene, chosen):
    """The page is the usual one, its only scene chosen, whatever follows ?scene= (not a server error)."""
    url = reverse("incidents:measure_add", args=[scene.incident_id])
    client = client_for("police")

    response = client.get(url, {"scene": chosen})

    assert response.status_code == 200
    assert _chosen_scene(response) == _chosen_scene(client.get(url)) == str(scene.pk)


def test_the_link_beside_a_scene_chooses_that_scene_and_a_scene_of_another_incident_none(
    client_for, demo, demo_users, scene
):
    second = SceneFactory(incident=scene.incident, description="Park entrance")
    elsewhere = demo_incident(demo, demo_users)[0].scenes.get()
    url = reverse("incidents:measure_add", args=[scene.incident_id])
    client = client_for("police")

    assert _chosen_scene(client.get(url, {"scene": second.pk})) == str(second.pk)
    assert _chosen_scene(client.get(url, {"scene": elsewhere.pk})) is None
    assert _chosen_scene(client.get(url)) is None  # two scenes: the partner chooses


def _chosen_scene(response) -> str | None:
    """The value of the scene radio ticked on the page, if any."""
    import re

    ticked = re.search(r'<input[^>]*name="scene"[^>]*value="(\d+)"[^>]*checked', response.content.decode())
    return ticked.group(1) if ticked else None
