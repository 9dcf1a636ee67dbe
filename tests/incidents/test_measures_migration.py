"""Upgrading ends the police measures left in force on incidents closed before closing refused that
(migration 0033): each is recorded ended when its incident closed, with a line on the timeline saying so."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.incidents.models import MeasureState, SceneMeasure, TimelineEntry
from tests.factories import SceneMeasureFactory
from tests.incidents.builders import demo_incident
from tests.migrating import latest, migrate
from tests.recovery.test_after import closed

BEFORE = [("incidents", "0032_share_discloses_records")]

CLOSING = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.get_default_timezone())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_measure_left_in_force_on_a_closed_incident_is_ended_at_its_closing(
    client_for, demo, demo_users, time_machine
):
    time_machine.move_to(CLOSING - timedelta(hours=2), tick=False)
    incident, _ = demo_incident(demo, demo_users)
    scene = incident.scenes.get()
    time_machine.move_to(CLOSING, tick=False)
    closed(incident, demo_users["responder"])
    incident.refresh_from_db()
    assert incident.closed_at == CLOSING
    # Left current at closing, as closing allowed before it refused that.
    police, earlier = demo_users["police"], CLOSING - timedelta(hours=2)
    cordon = SceneMeasureFactory(
        scene=scene, added_by=police, starts_at=earlier, description="Cordon around the bus stop"
    )
    section_60 = SceneMeasureFactory(
        scene=scene,
        added_by=police,
        kind="stop_and_search",
        description="Stop and search around Northbridge Academy",
        starts_at=earlier,
        ends_at=CLOSING + timedelta(hours=20),
    )
    expired = SceneMeasureFactory(scene=scene, added_by=police, starts_at=earlier, ends_at=CLOSING)
    # Still open: its measure may yet be lifted by hand, so it is left as it is.
    open_incident, _ = demo_incident(demo, demo_users)
    open_cordon = SceneMeasureFactory(scene=open_incident.scenes.get(), added_by=police)

    time_machine.move_to(CLOSING + timedelta(hours=3), tick=False)
    page_url = reverse("incidents:incident", args=[incident.pk])
    client = client_for("responder")
    assert "In force until lifted" in client.get(page_url).content.decode()
    migrate(BEFORE)
    migrate(latest())  # through 0033_end_measures_left_in_force_at_closing

    ended = {measure.pk: measure for measure in SceneMeasure.objects.all()}
    now = timezone.now()
    assert ended[cordon.pk].lifted_at == ended[section_60.pk].lifted_at == CLOSING
    assert ended[cordon.pk].state_at(now) == ended[section_60.pk].state_at(now) == MeasureState.LIFTED
    assert ended[expired.pk].lifted_at is None
    assert ended[open_cordon.pk].lifted_at is None
    notes = list(TimelineEntry.objects.filter(incident=incident, by=None).values_list("text", flat=True))
    assert sorted(notes) == [
        "Cordon recorded as ended at 22:00 on 25 Nov 2026, when the incident closed: it was left in force at "
        "closing, before closing refused that, and ended by the upgrade. Cordon around the bus stop",
        "Stop and search authorisation (section 60) recorded as ended at 22:00 on 25 Nov 2026, when the "
        "incident closed: it was left in force at closing, before closing refused that, and ended by the "
        "upgrade. Stop and search around Northbridge Academy",
    ]
    assert not TimelineEntry.objects.filter(incident=open_incident, by=None).exists()

    page = client.get(page_url).content.decode()
    assert "In force" not in page
    assert page.count("Lifted at 22:00 on 25 Nov") == 2
