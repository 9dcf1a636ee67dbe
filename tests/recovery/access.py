"""Who may GET each recovery page, and the objects their URLs name (on the demo incident)."""

from datetime import date

from svtoolkit.incidents import services as incident_services
from svtoolkit.recovery import services
from tests.access_expectations_base import COORDINATOR_ONLY, POST_ONLY_SIGNED_IN, ROLES, SIGNED_IN_200
from tests.incidents.access import MANAGE, MANAGE_POST, READ, WORK, demo_incident

# The demo responder recorded the person and added the coordinator: they are the need-to-know list.
ON_THE_LIST_WORKING = {**WORK, "police": 403}

EXPECTED = {
    "recovery:incident": READ,
    "recovery:milestone_add": MANAGE,
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
    incident, _ = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=date(2027, 5, 10)
    )
    token = services.issue_feed(user=demo_users["viewer"])
    person = incident_services.add_person_affected(
        incident=incident,
        by=responder,
        name="A. B.",
        age_band="18_24",
        role="victim",
        relation="",
        support_needs="",
        consent="given",
        consent_scope="",
        referrals="",
        single_point_of_contact=None,
        lawful_basis="consent",
        sharing_agreement="Northbridge CSP information-sharing agreement 2025",
    )
    incident_services.add_to_need_to_know(incident=incident, user=demo_users["coordinator"], by=responder)
    offer = services.offer_support(
        person=person,
        by=responder,
        kind="offer",
        support_service=None,
        description="Trauma counselling",
        offered_by=None,
        offered_on=date(2026, 11, 1),
        follow_up_on=None,
    )
    services.start_review(incident=incident, by=responder)
    follow_up = services.add_follow_up(
        incident=incident,
        by=responder,
        title="Add the school to the bus-stop CCTV plan",
        owner_organisation=demo.organisations.first(),
        due_on=date(2027, 1, 31),
    )
    lesson = services.record_lesson(incident=incident, by=responder, title="Tell schools sooner", detail="…")
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
            "recovery:feed": {"token": token},
            "recovery:support_add": {**by_incident, "person_id": person.pk},
            "recovery:support_update": {**by_incident, "offer_id": offer.pk},
            "recovery:subject_access": {**by_incident, "person_id": person.pk},
            "recovery:follow_up_done": {**by_incident, "follow_up_id": follow_up.pk},
            "recovery:lesson": {"lesson_id": lesson.pk},
        }
    )
    return arguments
