"""Test data for incidents: the demo incident (police taking part, an action they own), a police measure at
its scene and a person affected."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from svtoolkit.accounts.services import remove_member
from svtoolkit.incidents import services
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, ActionStatus, Incident, PlanAction
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.strands import services as strands_services
from svtoolkit.playbooks import services as playbook_services
from tests.factories import MembershipFactory

# What a responder types into the record form (/incidents/new/) to record an incident.
RECORD_FORM = {
    "title": "Shooting on the Eastgate estate",
    "incident_types": ["firearm"],
    "occurred_at": "2026-11-24T21:10",
    "notified_at": "2026-11-24T21:40",
    "notification_source": "police",
    "summary": "Shots fired; one man injured.",
    "scene_description": "Car park behind Eastgate House",
    "scene_area": "Eastgate",
}

# What sharing an incident with another partnership must say, since its people affected go with it.
SHARE_BASIS = {
    "purpose": "The victim lives in the other borough",
    "article6_basis": "6_1_e",
    "gateway": "cda_1998_s115",
}


def recorded_incident(
    demo, by, *, types=("knife",), occurred_at=None, notified_at=None, place="", exercise=None
):
    """The stabbing near Northbridge Academy, recorded by ``by`` and told of an hour later unless said (as
    part of ``exercise``, if given)."""
    occurred_at = occurred_at or timezone.now() - timedelta(hours=3)
    return services.record_incident(
        partnership=demo,
        by=by,
        title="Stabbing near Northbridge Academy",
        incident_types=list(types),
        occurred_at=occurred_at,
        notified_at=notified_at or occurred_at + timedelta(hours=1),
        notification_source="police",
        notified_by="Duty inspector",
        summary="A 16-year-old was stabbed at the bus stop outside the school at home time.",
        scenes=[
            {"description": "Bus stop, Northbridge Academy", "area": "Northbridge Central", "place": place}
        ],
        exercise=exercise,
    )


def categorise(incident, by, *, factors=(), serious_violence=True, meeting=False, cross_borough=False):
    return services.categorise(
        incident=incident,
        by=by,
        factors=list(factors),
        other_factors="",
        serious_violence=serious_violence,
        meeting_needed=meeting,
        cross_borough=cross_borough,
        rationale="Judged on the likely impact on the community.",
    )


def correct_record(incident, by, **changes):
    """Save the incident's record form as it stands, with ``changes`` made to it (Correct the record)."""
    fields = {
        "title": incident.title,
        "incident_types": incident.incident_types,
        "occurred_at": incident.occurred_at,
        "notified_at": incident.notified_at,
        "summary": incident.summary,
    }
    return services.edit_record(
        incident=incident, by=by, expected_revision=incident.revision, **(fields | changes)
    )


# The police's declaration of a critical incident, with a gold group.
GOLD_GROUP = {"critical_incident": True, "tier": "gold_group", "declared_by": "Supt A. Khan"}


def police_declared(incident, by, at):
    """The police declared ``incident`` a critical incident, with a gold group, at ``at``."""
    return services.record_police_declaration(incident=incident, by=by, declared_at=at, **GOLD_GROUP)


def demo_incident(demo, demo_users):
    """A recorded, categorised incident with the police taking part and an action owned by the police."""
    responder = demo_users["responder"]
    incident = recorded_incident(demo, responder)
    police = demo.organisations.get(kind="police")
    services.add_participant(incident=incident, organisation=police, contact=None, by=responder)
    action = services.add_action(
        incident=incident,
        by=responder,
        title="Review CCTV of the bus stop",
        guidance="",
        owner_organisation=police,
        owner=None,
        due_at=timezone.now() + timedelta(hours=4),
    )
    return incident, action


def action_due(incident, by, due_at, title="Visit the family", owner_organisation=None):
    """An action added by hand to ``incident``'s plan, due at ``due_at``, with no owner (or
    ``owner_organisation`` and no person)."""
    return services.add_action(
        incident=incident,
        by=by,
        title=title,
        guidance="",
        owner_organisation=owner_organisation,
        owner=None,
        due_at=due_at,
    )


def answering(action, event, *, by):
    """``action`` made the plan's action for the item of the default checklist that ``event`` completes, as
    if drawn from it (the checklist adopted by ``by``, the incident planned on it: refresh it). Returns the
    item."""
    version = playbook_services.adopt_default_playbook(partnership=action.incident.partnership, by=by)
    item = version.items.filter(completed_by=event).first()
    PlanAction.objects.filter(pk=action.pk).update(item=item)
    Incident.objects.filter(pk=action.incident_id).update(playbook_version=version)
    action.refresh_from_db()
    return item


def mark_action(action, status, *, by, note="", not_needed_reason=""):
    """``by`` saves ``action`` with ``status`` through the service, as its form does (read as it stands)."""
    return services.update_action(
        action=PlanAction.objects.select_related("incident__partnership").get(pk=action.pk),
        by=by,
        expected_revision=action.revision,
        status=status,
        owner_organisation=action.owner_organisation,
        owner=None,
        not_needed_reason=not_needed_reason,
        note=note,
    )


def reassign(action, by, owner_organisation, owner):
    """``by`` gives ``action`` to ``owner_organisation`` and ``owner`` through the service."""
    return services.update_action(
        action=action,
        by=by,
        expected_revision=action.revision,
        status=action.status,
        owner_organisation=owner_organisation,
        owner=owner,
        not_needed_reason="",
        note="",
    )


def given_to(action, owner, demo_users):
    """``action`` given to ``owner`` (its organisation kept) by the coordinator, through the service."""
    reassign(action, demo_users["coordinator"], action.owner_organisation, owner)
    return owner


def set_aside_as_listed(incident, *, by, reason, status=ActionStatus.NOT_NEEDED):
    """``by`` sets every open action of ``incident`` aside, as the close page lists them (their revisions)."""
    listed = incident.actions.filter(status__in=OPEN_ACTION_STATUSES).values_list("pk", "revision")
    return services.set_aside_open_actions(
        incident=incident, by=by, status=status, reason=reason, expected_revisions=dict(listed)
    )


def moved_to(incident, *statuses, by):
    """``by`` moves ``incident`` to each of ``statuses`` in turn through the service, as the status page does
    opened on it as it stands (each move from the status stored then)."""
    for status in statuses:
        stored = Incident.objects.values_list("status", flat=True).get(pk=incident.pk)
        services.change_status(incident=incident, by=by, status=status, status_seen=stored)
    return incident


def updated_together(incident, actions, *, by, **changes):
    """``by`` updates ``actions`` at once (the plan's bulk update) with ``changes``, from a plan page showing
    them as they stand. Returns how many changed."""
    shown = PlanAction.objects.filter(pk__in=[action.pk for action in actions])
    return services.update_actions(
        incident=incident,
        actions=actions,
        by=by,
        expected_revisions=dict(shown.values_list("pk", "revision")),
        **changes,
    )


def more_actions(incident, by, *, how_many: int) -> list:
    """``how_many`` more actions in the incident's plan, due from two hours ago onwards, an hour apart."""
    return [
        services.add_action(
            incident=incident,
            by=by,
            title=f"Extra action {number}",
            guidance="",
            owner_organisation=None,
            owner=None,
            due_at=timezone.now() + timedelta(hours=number - 2),
        )
        for number in range(how_many)
    ]


def demo_measure(incident, demo_users):
    """A section 60 authorisation in force at the incident's scene, placed on the map, added by the police."""
    now = timezone.now()
    return measures_services.add_measure(
        scene=incident.scenes.get(),
        by=demo_users["police"],
        kind="stop_and_search",
        description="Stop and search in the streets around Northbridge Academy",
        area="Northbridge Central",
        latitude=Decimal("51.57150"),
        longitude=Decimal("-0.07200"),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=10),
        authorised_by="Supt A. Khan",
    )


def demo_person(incident, by, **changes):
    """A victim recorded by ``by``, who is then the one person on the incident's need-to-know list."""
    fields = {
        "name": "J. S.",
        "age_band": "16_17",
        "role": "victim",
        "relation": "Stabbed at the bus stop",
        "support_needs": "",
        "consent": "not_asked",
        "consent_scope": "",
        "referrals": "",
        "single_point_of_contact": None,
        "lawful_basis": "safeguarding",
        "sharing_agreement": "Northbridge CSP information-sharing agreement 2025",
    }
    fields.update(changes)
    return people_services.add_person_affected(incident=incident, by=by, **fields)


def on_the_records_list_only(person, user, *, by):
    """Put ``user`` on ``person``'s own need-to-know list beside ``by``, not on the incident's list."""
    return people_services.change_person_need_to_know(
        person=person, users=[by, user], by=by, expected_revision=person.revision
    )


def shared_with_a_reader(incident, partnership, reader, *, by):
    """``incident`` shared with ``partnership`` (its records with them, on a health basis), and ``reader``,
    one of its members, put on the incident's list and each record's."""
    services.share_incident(
        incident=incident, partnership=partnership, by=by, article9_condition="9_2_g_sch1_18", **SHARE_BASIS
    )
    people_services.add_to_need_to_know(incident=incident, user=reader, by=by, with_records=True)


# What a referral to the MASH says of its lawful basis (its disclosure).
REFERRAL_BASIS = {
    "purpose": "A child at risk after the stabbing",
    "article6_basis": "6_1_e",
    "article9_condition": "9_2_g_sch1_18",
    "gateway": "children_act_2004_s11",
    "agreement": None,
}


def demo_school(incident, by, **fields):
    """Northbridge Academy, from the directory, recorded on the incident by ``by``."""
    school = incident.partnership.organisations.get(name="Northbridge Academy")
    return strands_services.record_school(incident=incident, school=school, by=by, **fields)


def demo_hospital_stay(incident, person, by, **changes):
    """``person`` in Northbridge University Hospital, nothing agreed yet."""
    fields = {
        "hospital": incident.partnership.organisations.get(kind="health_hospital"),
        "status": "in_hospital",
        "ward_restrictions": "",
        "visitor_arrangements": "",
        "expected_discharge_on": None,
        "discharge_plan": "",
        "discharge_plan_agreed": False,
        "violence_reduction_team_informed_at": None,
    }
    fields.update(changes)
    return strands_services.record_hospital_stay(incident=incident, patient=person, by=by, **fields)


def demo_referral(incident, person, by, **basis):
    return strands_services.refer(
        incident=incident,
        person=person,
        route="mash",
        referred_at=timezone.now() - timedelta(minutes=30),
        by=by,
        basis={**REFERRAL_BASIS, **basis},
    )


def left_the_partnership(user, partnership, *, by, still_member_of=None):
    """``user`` taken out of ``partnership`` by ``by``, as a coordinator removes a member; still a responder
    of ``still_member_of`` when given (someone who moved to another partnership)."""
    if still_member_of is not None:
        MembershipFactory(user=user, partnership=still_member_of, role="responder")
    remove_member(membership=user.memberships.get(partnership=partnership), by=by)
