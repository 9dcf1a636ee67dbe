"""Who may GET each incident page, and the objects their URLs name.

The demo incident has the police taking part, not health: so the police partner sees it and the
health partner does not (404, as if it did not exist).
"""

from svtoolkit.incidents import tokens
from tests.access_expectations_base import COORDINATOR_ONLY, ROLES
from tests.incidents.builders import (
    demo_hospital_stay,
    demo_incident,
    demo_measure,
    demo_person,
    demo_referral,
    demo_school,
)

MANAGERS = {"coordinator", "responder"}


def status_map(*, allowed, allowed_status=200, hidden=("health",)):
    """Anonymous people are sent to sign in; a role the page is not for gets 403; a role it is for, but
    who cannot see this incident, gets 404 (a POST-only page answers a GET with 405 before looking)."""
    statuses = {"anonymous": 302}
    for role in ROLES[1:]:
        if role not in allowed:
            statuses[role] = 403
        elif role in hidden and allowed_status == 200:
            statuses[role] = 404
        else:
            statuses[role] = allowed_status
    return statuses


READ = status_map(allowed={"coordinator", "responder", "police", "health", "viewer"})
MANAGE = status_map(allowed=MANAGERS)
MANAGE_POST = status_map(allowed=MANAGERS, allowed_status=405)
WORK = status_map(allowed=MANAGERS | {"police", "health"})
ACKNOWLEDGE_POST = status_map(allowed=MANAGERS | {"police", "health"}, allowed_status=405)
# Police measures: the response team and partners of a police organisation taking part (checked once the
# incident is found, so the health partner, who cannot see it, gets 404; a POST-only page answers 405 first).
POLICE_MEASURES = WORK
POLICE_MEASURES_POST = ACKNOWLEDGE_POST
SCHOOLS = {**WORK, "police": 403}
ON_THE_LIST = {**WORK, "coordinator": 403, "police": 403}

EXPECTED = {
    "incidents:list": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)},
    # The police partner may report: "Record an incident" takes them to the incident alert form.
    "incidents:record": {
        "anonymous": 302,
        "coordinator": 200,
        "responder": 200,
        "police": 302,
        **dict.fromkeys(["health", "viewer"], 403),
    },
    "incidents:acknowledge": dict.fromkeys(ROLES, 200),
    "incidents:incident": READ,
    "incidents:categorise": MANAGE,
    "incidents:edit_record": MANAGE,
    "incidents:scene_add": MANAGE,
    "incidents:measure_add": POLICE_MEASURES,
    "incidents:measure_lift": POLICE_MEASURES_POST,
    # The police's declaration is recorded by those who record the police's measures.
    "incidents:police_declaration": POLICE_MEASURES,
    "incidents:lead": MANAGE,
    "incidents:partners": MANAGE,
    "incidents:inform": MANAGE_POST,
    "incidents:send_notice_again": MANAGE_POST,
    "incidents:stop_taking_part": MANAGE,
    "incidents:acknowledge_here": ACKNOWLEDGE_POST,
    "incidents:plan": READ,
    "incidents:draw_plan": MANAGE_POST,
    "incidents:action_add": MANAGE,
    "incidents:plan_review": MANAGE,
    "incidents:first_hours": READ,
    # The bulk update: the response team and partners taking part (they update their own actions).
    "incidents:plan_update": WORK,
    "incidents:action": WORK,
    "incidents:timeline": READ,
    "incidents:update": WORK,
    "incidents:decisions": READ,
    "incidents:decision_add": MANAGE,
    "incidents:status": MANAGE,
    "incidents:share": MANAGE,
    "incidents:link_add": MANAGE,
    "incidents:messages": MANAGE,
    "incidents:people": READ,
    # The demo responder recorded the person, so is the only one on the need-to-know list.
    "incidents:person_add": {**MANAGE, "coordinator": 403},
    "incidents:person": {**READ, "coordinator": 403, "police": 403, "viewer": 403},
    # Correcting a record: the response team, and of them only those on the need-to-know list.
    "incidents:person_edit": {**MANAGE, "coordinator": 403},
    # Who may read one record: the response team on that record's own list (the responder recorded it).
    "incidents:person_need_to_know": {**MANAGE, "coordinator": 403},
    "incidents:need_to_know": {**MANAGE, "coordinator": 403},
    "incidents:need_to_know_remove": MANAGE_POST,
    # Only while no active coordinator or responder is left on the list: here the responder still is.
    "incidents:need_to_know_recover": {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)},
    "incidents:escalation_settings": COORDINATOR_ONLY,
    # The strands: everyone who sees the incident reads the page (the hospital and safeguarding records
    # opened only by the need-to-know list); schools recorded by the response team and education partners;
    # hospital stays, referrals and people at risk by the response team on the need-to-know list (here the
    # responder alone), and partners of a hospital or social care taking part who are on it.
    "incidents:strands": READ,
    "incidents:school_add": SCHOOLS,
    "incidents:school_edit": SCHOOLS,
    "incidents:hospital_add": ON_THE_LIST,
    "incidents:hospital_edit": ON_THE_LIST,
    "incidents:referral_add": ON_THE_LIST,
    "incidents:referral_outcome": ON_THE_LIST,
    "incidents:person_at_risk_add": ON_THE_LIST,
}


def url_kwargs(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    person = demo_person(incident, demo_users["responder"])
    measure = demo_measure(incident, demo_users)
    participation = incident.participations.get(organisation__kind="police")
    token = tokens.issue_acknowledgement_token(participation=participation)
    by_incident = {"incident_id": incident.pk}
    arguments = {
        name: by_incident
        for name in EXPECTED
        if name
        not in {
            "incidents:list",
            "incidents:record",
            "incidents:acknowledge",
            "incidents:escalation_settings",
        }
    }
    arguments["incidents:action"] = {**by_incident, "action_id": action.pk}
    arguments["incidents:acknowledge"] = {"token": token}
    arguments["incidents:send_notice_again"] = {**by_incident, "participation_id": participation.pk}
    arguments["incidents:stop_taking_part"] = {**by_incident, "participation_id": participation.pk}
    arguments["incidents:measure_lift"] = {**by_incident, "measure_id": measure.pk}
    arguments["incidents:person"] = {**by_incident, "person_id": person.pk}
    arguments["incidents:person_edit"] = {**by_incident, "person_id": person.pk}
    arguments["incidents:school_edit"] = {
        **by_incident,
        "school_id": demo_school(incident, demo_users["responder"]).pk,
    }
    arguments["incidents:hospital_edit"] = {
        **by_incident,
        "stay_id": demo_hospital_stay(incident, person, demo_users["responder"]).pk,
    }
    arguments["incidents:referral_outcome"] = {
        **by_incident,
        "referral_id": demo_referral(incident, person, demo_users["responder"]).pk,
    }
    arguments["incidents:person_need_to_know"] = {**by_incident, "person_id": person.pk}
    arguments["incidents:need_to_know_remove"] = {**by_incident, "entry_id": incident.need_to_know.get().pk}
    return arguments
