"""Who may GET each page of the checklist, readiness and exercises, and the objects their URLs name."""

from tests.access_expectations_base import (
    COORDINATOR_AND_RESPONDER,
    COORDINATOR_ONLY,
    COORDINATOR_ONLY_POST,
    MEMBERS,
    SIGNED_IN_200,
)
from tests.playbooks.builders import demo_checklist

COORDINATOR_AND_RESPONDER_POST = {**COORDINATOR_AND_RESPONDER, "coordinator": 405, "responder": 405}
# The draft, as a version, is found only by those who may open its page (access.can_see_draft_checklist).
DRAFT_FOUND_BY_COORDINATORS = {"anonymous": 302, **dict.fromkeys(MEMBERS, 404), "coordinator": 200}

EXPECTED = {
    "playbooks:playbook": SIGNED_IN_200,
    "playbooks:adopt": COORDINATOR_ONLY_POST,
    "playbooks:versions": SIGNED_IN_200,
    "playbooks:version": SIGNED_IN_200,
    "playbooks:compare": DRAFT_FOUND_BY_COORDINATORS,  # version 1 with the draft, version 2
    "playbooks:draft": COORDINATOR_ONLY,
    "playbooks:start_draft": COORDINATOR_ONLY_POST,
    "playbooks:publish": COORDINATOR_ONLY,
    "playbooks:discard_draft": COORDINATOR_ONLY,
    "playbooks:item_add": COORDINATOR_ONLY,
    "playbooks:item_edit": COORDINATOR_ONLY,
    "playbooks:item_retire": COORDINATOR_ONLY_POST,
    "playbooks:readiness": SIGNED_IN_200,
    "playbooks:assessment_start": COORDINATOR_AND_RESPONDER_POST,
    "playbooks:assessment": SIGNED_IN_200,
    "playbooks:assessment_report": SIGNED_IN_200,
    "playbooks:rating_edit": COORDINATOR_AND_RESPONDER,
    "playbooks:assessment_area": COORDINATOR_AND_RESPONDER,
    "playbooks:exercises": SIGNED_IN_200,
    "playbooks:exercise_start": COORDINATOR_AND_RESPONDER,
    "playbooks:exercise": SIGNED_IN_200,
    "playbooks:exercise_cancel": COORDINATOR_AND_RESPONDER_POST,
}


def url_kwargs(demo, demo_users):
    """A published version 1, a draft version 2, an assessment and an exercise for the demo partnership."""
    made = demo_checklist(demo, demo_users["coordinator"])
    item, assessment, exercise = made.draft.items.first(), made.assessment, made.exercise
    return {
        "playbooks:version": {"number": 1},
        "playbooks:compare": {"older": 1, "newer": 2},
        "playbooks:item_add": {"area_id": item.area_id},
        "playbooks:item_edit": {"item_id": item.pk},
        "playbooks:item_retire": {"item_id": item.pk},
        "playbooks:assessment": {"assessment_id": assessment.pk},
        "playbooks:assessment_report": {"assessment_id": assessment.pk},
        "playbooks:rating_edit": {"assessment_id": assessment.pk, "rating_id": assessment.ratings.first().pk},
        "playbooks:assessment_area": {
            "assessment_id": assessment.pk,
            "area_id": assessment.ratings.first().item.area_id,
        },
        "playbooks:exercise": {"exercise_id": exercise.pk},
        "playbooks:exercise_cancel": {"exercise_id": exercise.pk},
    }
