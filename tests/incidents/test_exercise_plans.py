"""An exercise rehearses the plan its incident would draw: the run sheet and the exercise incident's plan come
from the same checklist version under the same conditions."""

from datetime import date

import pytest

from svtoolkit.incidents import services
from svtoolkit.playbooks import selectors
from svtoolkit.playbooks import services as playbook_services
from tests.incidents.builders import categorise, recorded_incident
from tests.playbooks.builders import demo_checklist

pytestmark = pytest.mark.django_db


def on_the_run_sheet(exercise) -> set[str]:
    return {item.key for _, items in selectors.exercise_run_sheet(exercise) for item in items}


def planned_exercise(partnership, by, *, types) -> object:
    """An exercise of an incident of ``types`` decided a serious violence incident, on the published
    checklist."""
    return playbook_services.start_exercise(
        partnership=partnership,
        by=by,
        title="Operation Larch",
        scenario="A man is attacked outside a takeaway.",
        incident_types=types,
        categories=["serious_violence"],
        planned_for=date(2027, 3, 4),
        organisations=[],
    )


def drawn_for(exercise, by, *, types) -> tuple:
    """The exercise's incident, of ``types``, decided a serious violence incident, with its plan drawn; and
    the keys of the items in its plan."""
    incident = recorded_incident(exercise.partnership, by, types=types, exercise=exercise)
    categorise(incident, by, serious_violence=True)
    services.draw_plan(incident=incident, by=by)
    return incident, set(incident.actions.exclude(item=None).values_list("item__key", flat=True))


def test_a_homicide_exercises_run_sheet_has_the_items_for_a_death_as_its_incidents_plan_does(
    demo, demo_users
):
    """The defect: the run sheet matched the ticked categories directly, so a homicide rehearsed without the
    items for a death (the homicide reviews) that its incident's plan had."""
    coordinator = demo_users["coordinator"]
    demo_checklist(demo, coordinator)
    exercise = planned_exercise(demo, coordinator, types=["homicide"])

    _, planned = drawn_for(exercise, coordinator, types=["homicide"])

    assert "longer-homicide-reviews" in on_the_run_sheet(exercise)
    assert on_the_run_sheet(exercise) == planned


def test_an_exercises_incident_draws_its_plan_from_the_version_the_exercise_was_planned_on(demo, demo_users):
    """The defect: the exercise incident's plan came from the newest published version, not the one rehearsed
    on the run sheet."""
    coordinator = demo_users["coordinator"]
    made = demo_checklist(demo, coordinator)
    exercise = planned_exercise(demo, coordinator, types=["knife"])
    # Like an item every plan has, in the newer version only.
    like = made.draft.items.exclude(area__phase="before").filter(incident_types=[], categories=[]).first()
    fields = {name: getattr(like, name) for name in playbook_services.ITEM_FIELDS}
    newer = playbook_services.add_item(
        area=like.area, by=coordinator, **fields | {"action": "Check the council's out-of-hours log"}
    )
    made.draft.refresh_from_db()
    playbook_services.publish_draft(
        version=made.draft,
        by=coordinator,
        change_note="Out-of-hours log",
        expected_revision=made.draft.revision,
    )

    incident, planned = drawn_for(exercise, coordinator, types=["knife"])

    assert incident.playbook_version == exercise.version
    assert newer.key not in planned
    assert on_the_run_sheet(exercise) == planned
