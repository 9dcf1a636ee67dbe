"""Who may GET each recovery page, and the objects their URLs name (on the demo incident)."""

from tests.access_expectations_base import COORDINATOR_ONLY, POST_ONLY_SIGNED_IN, ROLES, SIGNED_IN_200
from tests.incidents.access import MANAGE, MANAGE_POST, READ, WORK
from tests.recovery.builders import demo_recovery

# The demo responder recorded the person and added the coordinator: they are the need-to-know list.
ON_THE_LIST_WORKING = {**WORK, "police": 403}

EXPECTED = {
    "recovery:incident": READ,
    "recovery:milestone_add": MANAGE,
    "recovery:milestone_change": MANAGE,
    "recovery:milestone_remove": MANAGE,
    "recovery:confirm_anniversary": MANAGE_POST,
    "recovery:calendar": SIGNED_IN_200,
    "recovery:feed_issue": POST_ONLY_SIGNED_IN,
    "recovery:feed_revoke": POST_ONLY_SIGNED_IN,
    # The secret link is the key: it answers whoever holds it, signed in or not.
    "recovery:feed": dict.fromkeys(ROLES, 200),
    "recovery:support": READ,
    "recovery:support_add": ON_THE_LIST_WORKING,
    "recovery:support_update": ON_THE_LIST_WORKING,
    "recovery:subject_access": COORDINATOR_ONLY,
    "recovery:review": READ,
    "recovery:review_start": MANAGE_POST,
    "recovery:review_contribute": WORK,
    "recovery:review_complete": MANAGE,
    "recovery:follow_up_add": MANAGE,
    "recovery:follow_up_done": MANAGE_POST,
    "recovery:lesson_add": MANAGE,
    "recovery:close": MANAGE,
    "recovery:reopen": MANAGE,
    "recovery:lessons": SIGNED_IN_200,
    "recovery:lesson": READ,
    "recovery:retention": COORDINATOR_ONLY,
}


def url_kwargs(demo, demo_users):
    made = demo_recovery(demo, demo_users)
    incident, person = made.incident, made.person
    by_incident = {"incident_id": incident.pk}
    arguments = {
        name: by_incident
        for name in EXPECTED
        if name
        not in {
            "recovery:calendar",
            "recovery:feed_issue",
            "recovery:feed_revoke",
            "recovery:lessons",
            "recovery:retention",
        }
    }
    arguments.update(
        {
            "recovery:confirm_anniversary": {**by_incident, "index": 0},
            "recovery:milestone_change": {**by_incident, "milestone_id": made.milestone.pk},
            "recovery:milestone_remove": {**by_incident, "milestone_id": made.milestone.pk},
            "recovery:feed": {"token": made.feed_token},
            "recovery:support_add": {**by_incident, "person_id": person.pk},
            "recovery:support_update": {**by_incident, "offer_id": made.offer.pk},
            "recovery:subject_access": {**by_incident, "person_id": person.pk},
            "recovery:follow_up_done": {**by_incident, "follow_up_id": made.follow_up.pk},
            "recovery:lesson": {"lesson_id": made.lesson.pk},
        }
    )
    return arguments
