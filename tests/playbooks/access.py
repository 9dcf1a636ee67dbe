"""Who may GET each page of the checklist, readiness and exercises, and the objects their URLs name."""

from datetime import date

from svtoolkit.playbooks import services
from tests.access_expectations_base import (
    COORDINATOR_AND_RESPONDER,
    COORDINATOR_ONLY,
    COORDINATOR_ONLY_POST,
    SIGNED_IN_200,
)

COORDINATOR_AND_RESPONDER_POST = {**COORDINATOR_AND_RESPONDER, "coordinator": 405, "responder": 405}

EXPECTED = {
    "playbooks:playbook": SIGNED_IN_200,
    "playbooks:adopt": COORDINATOR_ONLY_POST,
    "playbooks:versions": SIGNED_IN_200,
    "playbooks:version": SIGNED_IN_200,
    "playbooks:compare": SIGNED_IN_200,
    "playbooks:draft": COORDINATOR_ONLY,
    "playbooks:start_draft": COORDINATOR_ONLY_POST,
    "playbooks:publish": COORDINATOR_ONLY,
    "playbooks:discard_draft": COORDINATOR_ONLY_POST,
    "playbooks:item_add": COORDINATOR_ONLY,
    "playbooks:item_edit": COORDINATOR_ONLY,
    "playbooks:item_retire": COORDINATOR_ONLY_POST,
    "playbooks:readiness": SIGNED_IN_200,
    "playbooks:assessment_start": COORDINATOR_AND_RESPONDER_POST,
    "playbooks:assessment": SIGNED_IN_200,
    "playbooks:assessment_report": SIGNED_IN_200,
    "playbooks:rating_edit": COORDINATOR_AND_RESPONDER,
    "playbooks:exercises": SIGNED_IN_200,
    "playbooks:exercise_start": COORDINATOR_AND_RESPONDER,
    "playbooks:exercise": SIGNED_IN_200,
}


def url_kwargs(demo, demo_users):
    """A published version 1, a draft version 2, an assessment and an exercise for the demo partnership."""
    coordinator = demo_users["coordinator"]
    first = services.adopt_default_playbook(partnership=demo, by=coordinator)
    services.publish_draft(version=first, by=coordinator, change_note="First version")
    draft = services.start_draft(playbook=first.playbook, by=coordinator)
    item = draft.items.first()
    assessment = services.start_assessment(partnership=demo, by=coordinator)
    exercise = services.start_exercise(
        partnership=demo,
        by=coordinator,
        title="Operation Lantern",
        scenario="A stabbing outside a secondary school at home time.",
        incident_types=["knife"],
        categories=["young_person"],
        planned_for=date(2027, 2, 4),
        organisations=[],
    )
    return {
        "playbooks:version": {"number": 1},
        "playbooks:compare": {"older": 1, "newer": 2},
        "playbooks:item_add": {"area_id": item.area_id},
        "playbooks:item_edit": {"item_id": item.pk},
        "playbooks:item_retire": {"item_id": item.pk},
        "playbooks:assessment": {"assessment_id": assessment.pk},
        "playbooks:assessment_report": {"assessment_id": assessment.pk},
        "playbooks:rating_edit": {"assessment_id": assessment.pk, "rating_id": assessment.ratings.first().pk},
        "playbooks:exercise": {"exercise_id": exercise.pk},
    }
