"""Upgrading marks held the exercises whose incident was recorded before migration incidents/0034: until then
nothing changed an exercise's status, so every one of them still said "Planned"."""

import pytest
from django.urls import reverse

from svtoolkit.playbooks.models import Exercise, ExerciseStatus
from tests.incidents.builders import recorded_incident
from tests.migrating import latest, migrate
from tests.playbooks.builders import demo_checklist, planned_exercise

BEFORE_THE_MARK = [("incidents", "0033_end_measures_left_in_force_at_closing")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_an_exercise_whose_incident_was_recorded_before_the_upgrade_is_shown_as_held(
    client_for, demo, demo_users
):
    coordinator = demo_users["coordinator"]
    run = demo_checklist(demo, coordinator).exercise
    recorded_incident(demo, coordinator, exercise=run)
    not_run = planned_exercise(demo, coordinator, title="Operation Beacon")
    migrate(BEFORE_THE_MARK)
    # As the code before 0034 left them: planned, run or not.
    Exercise.objects.update(status=ExerciseStatus.PLANNED)
    migrate(latest())

    assert dict(Exercise.objects.values_list("pk", "status")) == {
        run.pk: ExerciseStatus.HELD,
        not_run.pk: ExerciseStatus.PLANNED,
    }
    listed = client_for("coordinator").get(reverse("playbooks:exercises")).content.decode()
    assert listed.count("Held") == 1 and listed.count("Planned") == 1
