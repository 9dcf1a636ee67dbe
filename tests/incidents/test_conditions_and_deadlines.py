"""The plan follows the guidance: items depend on the facts recorded (categorisation, a child victim, the
place, a death, the police tier), and statutory deadlines are worked out in working days with their source."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.core.working_days import is_working_day, working_days_between
from svtoolkit.incidents import conditions, deadlines, services
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Incident, PoliceTier
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.strands import services as strands_services
from svtoolkit.playbooks import conditions as item_conditions
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.playbooks.default import load_playbook_data
from svtoolkit.recovery import services as recovery_services
from tests.incidents.builders import (
    categorise,
    correct_record,
    demo_hospital_stay,
    demo_person,
    more_actions,
    recorded_incident,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Thursday 2 April 2026, the day before Good Friday: Easter Monday (6 April) is a bank holiday too.
BEFORE_EASTER = timezone.make_aware(datetime(2026, 4, 2, 22, 30))


@pytest.fixture
def checklist(demo, demo_users):
    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )


def record(demo, by, *, types=("knife",), when=None, place=""):
    """An incident the partnership was told of as it happened (``when``, two hours ago unless said)."""
    when = when or timezone.now() - timedelta(hours=2)
    return recorded_incident(demo, by, types=types, occurred_at=when, notified_at=when, place=place)


def planned(incident) -> dict:
    return {action.item.key: action for action in incident.actions.exclude(item=None).select_related("item")}


def declare(incident, by, *, tier, critical=True, at=None):
    return services.record_police_declaration(
        incident=incident,
        by=by,
        critical_incident=critical,
        tier=tier,
        declared_by="Supt A. Khan",
        declared_at=at or timezone.now() - timedelta(minutes=30),
    )


# --- A child victim: the safeguarding notification in 5 working days, the rapid review in 15 ---------------


def test_a_child_victim_adds_the_safeguarding_notification_due_in_five_working_days_after_easter(
    demo, demo_users, checklist
):
    responder = demo_users["responder"]
    incident = record(demo, responder, when=BEFORE_EASTER)
    categorise(incident, responder, serious_violence=True)
    services.draw_plan(incident=incident, by=responder)
    assert "safeguarding-panel-notification" not in planned(incident)

    demo_person(incident, responder, age_band="16_17", role="victim")

    notification = planned(incident)["safeguarding-panel-notification"]
    # Good Friday and Easter Monday are bank holidays: Tue 7 to Mon 13 are the five working days (not Thu 9).
    assert timezone.localtime(notification.due_at).date() == date(2026, 4, 13)
    # Children's social care owns it when it takes part; otherwise the lead, saying why (never nobody).
    assert notification.owner_organisation is not None
    assert notification.owner_organisation.kind == "childrens_social_care" or notification.owner_reason
    rapid_review = planned(incident)["safeguarding-rapid-review"]
    assert timezone.localtime(rapid_review.due_at).date() == date(2026, 4, 27)

    found = {deadline.key: deadline for deadline in deadlines.statutory_deadlines(incident)}
    assert found["child-safeguarding-notification"].due_on == date(2026, 4, 13)
    assert "Children Act 2004" in found["child-safeguarding-notification"].source
    assert found["child-safeguarding-rapid-review"].due_on == date(2026, 4, 27)
    assert "Working Together" in found["child-safeguarding-rapid-review"].source


def test_an_adult_victim_adds_no_child_safeguarding_deadline(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder)
    categorise(incident, responder, serious_violence=True)
    services.draw_plan(incident=incident, by=responder)
    demo_person(incident, responder, age_band="25_39", role="victim")
    demo_person(incident, responder, age_band="10_15", role="witness")
    assert "safeguarding-panel-notification" not in planned(incident)
    assert deadlines.statutory_deadlines(incident) == []


@pytest.mark.parametrize("role", ["witness", "suspect", "family"])
def test_a_child_recorded_in_any_role_brings_the_items_for_children_involved(
    demo, demo_users, checklist, role
):
    """A child or young person involved, whatever their part, is looked after as one (referred to the MASH
    within 24 hours, their youth justice worker found) even when the categorisation did not tick it."""
    responder = demo_users["responder"]
    incident = record(demo, responder)
    categorise(incident, responder, serious_violence=True)
    services.draw_plan(incident=incident, by=responder)
    demo_person(incident, responder, age_band="25_39", role="victim")
    demo_person(incident, responder, age_band="18_24", role=role)
    assert "safeguarding-mash-referral" not in planned(incident)

    demo_person(incident, responder, age_band="10_15", role=role)

    assert {"safeguarding-mash-referral", "safeguarding-youth-justice-cases"} <= set(planned(incident))
    assert "safeguarding-panel-notification" not in planned(incident)  # for a child harmed, not one involved


def test_the_shipped_checklist_times_the_panel_notification_in_working_days_not_weeks():
    """Defect: the 5-working-day notification fell due with the longer-term items, at 28 days."""
    data = load_playbook_data()
    timings = data["timings"]
    speaking_of_it = [
        item
        for area in data["areas"]
        for item in area["items"]
        if "five working days" in (item["action"] + item["guidance"]).lower()
        and "panel" in (item["action"] + item["guidance"]).lower()
    ]
    assert speaking_of_it
    for item in speaking_of_it:
        assert timings[item["timing"]].get("working_days") == 5, item["key"]


# --- Community impact assessment and tension: from the first day -----------------------------------------


def test_a_community_impact_assessment_and_tension_reading_fall_due_within_the_first_day(
    demo, demo_users, checklist
):
    """Defect: tension monitoring started at 28 days; a community impact assessment starts on day one."""
    responder = demo_users["responder"]
    incident = record(demo, responder)
    services.draw_plan(incident=incident, by=responder)
    first_day = [
        action
        for action in incident.actions.all()
        if "tension" in action.title.lower() and action.due_at <= incident.occurred_at + timedelta(hours=24)
    ]
    assert first_day
    assert any("community impact assessment" in action.title.lower() for action in first_day)


# --- The serious violence decision gates items ------------------------------------------------------------


def test_the_serious_violence_decision_changes_the_plan(demo, demo_users, checklist):
    """Defect: the plan was the same whether or not the incident was a serious violence incident."""
    responder = demo_users["responder"]
    not_serious = record(demo, responder)
    categorise(not_serious, responder, serious_violence=False)
    services.draw_plan(incident=not_serious, by=responder)
    serious = record(demo, responder)
    categorise(serious, responder, serious_violence=True)
    services.draw_plan(incident=serious, by=responder)

    assert set(planned(not_serious)) < set(planned(serious))
    assert "reassure-door-knocking" in set(planned(serious)) - set(planned(not_serious))

    # Re-categorising as serious violence brings the coordinated response in.
    categorise(not_serious, responder, serious_violence=True)
    assert set(planned(not_serious)) == set(planned(serious))


# --- The place, a death, the police tier -------------------------------------------------------------------


def test_a_scene_at_a_school_or_hospital_brings_their_own_items(demo, demo_users, checklist):
    responder = demo_users["responder"]
    at_school = record(demo, responder, place="school")
    services.draw_plan(incident=at_school, by=responder)
    assert "scene-school" in planned(at_school)
    assert "scene-hospital" not in planned(at_school)

    services.add_scene(
        incident=at_school,
        by=responder,
        description="Emergency department, Northbridge University Hospital",
        area="",
        latitude=None,
        longitude=None,
        place="hospital",
    )
    hospital_security = planned(at_school)["scene-hospital"]
    assert hospital_security.owner_organisation is not None
    assert hospital_security.owner_organisation.kind == "health_hospital" or hospital_security.owner_reason

    elsewhere = record(demo, responder)
    services.draw_plan(incident=elsewhere, by=responder)
    assert not {"scene-school", "scene-hospital"} & set(planned(elsewhere))


def test_a_death_brings_the_homicide_reviews_and_their_decision_deadlines(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["homicide", "knife", "domestic_abuse"], when=BEFORE_EASTER)
    services.draw_plan(incident=incident, by=responder)
    assert "longer-homicide-reviews" in planned(incident)
    demo_person(incident, responder, age_band="40_64", role="victim")

    found = {deadline.key: deadline for deadline in deadlines.statutory_deadlines(incident)}
    assert found["domestic-homicide-review-decision"].due_on == date(2026, 5, 2)
    assert "domestic homicide reviews" in found["domestic-homicide-review-decision"].source
    assert found["offensive-weapons-homicide-review-decision"].due_on == date(2026, 5, 2)
    assert (
        "Police, Crime, Sentencing and Courts Act 2022"
        in found["offensive-weapons-homicide-review-decision"].source
    )

    no_death = record(demo, responder, types=["knife"])
    services.draw_plan(incident=no_death, by=responder)
    assert "longer-homicide-reviews" not in planned(no_death)


def test_a_victim_recorded_as_deceased_is_a_death(demo, demo_users, checklist):
    """The defect: a knife incident's victim recorded as having died did not count as a death: no homicide
    review in the plan, no review deadlines."""
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"], when=BEFORE_EASTER)
    services.draw_plan(incident=incident, by=responder)
    assert "longer-homicide-reviews" not in planned(incident)

    demo_person(incident, responder, age_band="40_64", role="victim", deceased=True)

    assert "longer-homicide-reviews" in planned(incident)
    found = {deadline.key: deadline for deadline in deadlines.statutory_deadlines(incident)}
    assert found["offensive-weapons-homicide-review-decision"].due_on == date(2026, 5, 2)
    assert "domestic-homicide-review-decision" not in found  # not a domestic abuse incident


def test_a_child_victim_who_died_is_a_child_killed(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"], when=BEFORE_EASTER)
    categorise(incident, responder, serious_violence=False)
    child = demo_person(incident, responder, age_band="16_17", role="victim")
    assert "child-safeguarding-notification" not in {d.key for d in deadlines.statutory_deadlines(incident)}

    people_services.correct_person_affected(
        person=child, by=responder, expected_revision=child.revision, deceased=True
    )

    found = {deadline.key: deadline for deadline in deadlines.statutory_deadlines(incident)}
    assert found["child-safeguarding-notification"].due_on == date(2026, 4, 13)
    assert "offensive-weapons-homicide-review-decision" not in found  # for an adult killed


def test_adding_homicide_to_the_types_brings_the_homicide_items_into_the_plan(demo, demo_users, checklist):
    """The defect: the victim of a knife incident died and "homicide" was added to its types, but the plan
    never gained the homicide items."""
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    services.draw_plan(incident=incident, by=responder)
    assert not {"family-homicide-support", "longer-homicide-reviews"} & set(planned(incident))
    correct_record(incident, responder, incident_types=["knife", "homicide"])
    assert {"family-homicide-support", "longer-homicide-reviews"} <= set(planned(incident))


HOMICIDE_ONLY = "family-homicide-support"  # tied to the "homicide" type in the shipped checklist


def test_a_victim_recorded_as_deceased_brings_the_homicide_items_without_the_homicide_type(
    demo, demo_users, checklist
):
    """The defect: a death counted for the homicide reviews, but the items tied to the "homicide" type (the
    bereaved family's homicide support) came only with the type: a knife incident whose victim was recorded
    as having died never offered it."""
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    services.draw_plan(incident=incident, by=responder)
    assert HOMICIDE_ONLY not in planned(incident)

    demo_person(incident, responder, age_band="40_64", role="victim", deceased=True)

    support = planned(incident)[HOMICIDE_ONLY]
    assert support.status == "to_do"
    assert incident.timeline.filter(text__contains="after a person affected was recorded").exists()
    assert incident.incident_types == ["knife"]  # the record still says what was recorded


def test_a_victim_later_recorded_as_having_died_brings_the_homicide_items(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    services.draw_plan(incident=incident, by=responder)
    victim = demo_person(incident, responder, age_band="25_39", role="victim")
    assert HOMICIDE_ONLY not in planned(incident)

    people_services.correct_person_affected(
        person=victim, by=responder, expected_revision=victim.revision, deceased=True
    )

    assert HOMICIDE_ONLY in planned(incident)


def test_a_hospital_stay_that_ended_in_death_brings_the_homicide_items(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    services.draw_plan(incident=incident, by=responder)
    victim = demo_person(incident, responder, age_band="25_39", role="victim")
    stay = demo_hospital_stay(incident, victim, responder)
    assert HOMICIDE_ONLY not in planned(incident)

    strands_services.update_hospital_stay(
        stay=stay, by=responder, expected_revision=stay.revision, status="died"
    )

    assert HOMICIDE_ONLY in planned(incident)


def test_a_plan_drawn_after_the_death_was_recorded_has_the_homicide_items(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    demo_person(incident, responder, age_band="25_39", role="victim", deceased=True)
    services.draw_plan(incident=incident, by=responder)
    assert HOMICIDE_ONLY in planned(incident)


def test_a_plan_drawn_again_from_a_page_opened_before_a_newer_checklist_keeps_the_version_drawn_first(
    demo, demo_users, checklist
):
    """Two people draw the plan from pages opened together; a newer checklist is published in between. The
    second draw adds to the plan drawn first and leaves its version: the plan is never of two versions."""
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    as_opened_again = Incident.objects.get(pk=incident.pk)
    services.draw_plan(incident=incident, by=responder)
    draft = playbook_services.start_draft(playbook=checklist.playbook, by=coordinator)
    like = draft.items.exclude(area__phase="before").filter(incident_types=[], categories=[]).first()
    fields = {name: getattr(like, name) for name in playbook_services.ITEM_FIELDS}
    newer = playbook_services.add_item(
        area=like.area, by=coordinator, **fields | {"action": "Check the council's out-of-hours log"}
    )
    draft.refresh_from_db()
    playbook_services.publish_draft(
        version=draft, by=coordinator, change_note="Out-of-hours log", expected_revision=draft.revision
    )

    services.draw_plan(incident=as_opened_again, by=responder)

    incident.refresh_from_db()
    assert incident.playbook_version == checklist
    assert newer.key not in planned(incident)


def test_without_a_death_or_the_homicide_type_the_homicide_items_stay_out(demo, demo_users, checklist):
    responder = demo_users["responder"]
    incident = record(demo, responder, types=["knife"])
    services.draw_plan(incident=incident, by=responder)
    demo_person(incident, responder, age_band="25_39", role="victim")
    demo_person(incident, responder, age_band="25_39", role="witness")
    assert HOMICIDE_ONLY not in planned(incident)
    assert "type:homicide" not in conditions.facts_of(incident)


def test_correcting_when_the_partnership_was_told_re_dates_the_open_actions_drawn_from_the_checklist(
    demo, demo_users, checklist
):
    """The defect: told two days earlier than first recorded, every open action stayed due two days late."""
    responder = demo_users["responder"]
    incident = record(demo, responder)
    categorise(incident, responder, serious_violence=True)
    services.draw_plan(incident=incident, by=responder)
    [by_hand] = more_actions(incident, responder, how_many=1)
    done = incident.actions.exclude(item=None).filter(status="to_do").order_by("due_at", "pk").first()
    services.update_action(
        action=done,
        by=responder,
        expected_revision=done.revision,
        status="done",
        owner_organisation=done.owner_organisation,
        owner=done.owner,
        not_needed_reason="",
        note="Done on the night.",
    )
    due_before = dict(incident.actions.values_list("pk", "due_at"))

    two_days = timedelta(days=2)
    correct_record(
        incident,
        responder,
        occurred_at=incident.occurred_at - two_days,
        notified_at=incident.notified_at - two_days,
    )

    timings = checklist.vocabularies["timings"]
    drawn = incident.actions.exclude(item=None).select_related("item")
    drawn_open = [action for action in drawn if action.status in OPEN_ACTION_STATUSES]
    assert drawn_open and done.pk not in {action.pk for action in drawn_open}
    for action in drawn_open:
        # Timed in hours under a day, it moves by the two days; in days or working days, they are counted
        # again from the new time (on the clock: a clock change between moves it an hour less or more).
        assert action.due_at == deadlines.due_after(timings[action.item.timing], incident.notified_at)
        if timings[action.item.timing]["hours"] < 24:
            assert action.due_at == due_before[action.pk] - two_days
    # Those done keep the time they were judged by, and the action added by hand the time a person gave it.
    for action in [*(a for a in drawn if a.status not in OPEN_ACTION_STATUSES), by_hand]:
        assert incident.actions.get(pk=action.pk).due_at == due_before[action.pk]


def test_the_police_tier_chooses_the_gold_group_or_the_lighter_response(demo, demo_users, checklist):
    responder, police = demo_users["responder"], demo_users["police"]
    gold = record(demo, responder)
    services.draw_plan(incident=gold, by=responder)
    assert "reporting-join-police-gold-group" not in planned(gold)
    declare(gold, police, tier=PoliceTier.GOLD_GROUP)
    assert "reporting-join-police-gold-group" in planned(gold)
    assert "reporting-escalate-gold" in planned(gold)
    assert "reporting-below-gold-coordination" not in planned(gold)

    lighter = record(demo, responder)
    services.draw_plan(incident=lighter, by=responder)
    declare(lighter, police, tier=PoliceTier.BELOW_GOLD, critical=False)
    assert "reporting-below-gold-coordination" in planned(lighter)
    assert "reporting-join-police-gold-group" not in planned(lighter)


def test_conditions_hold_on_all_of_their_facts_and_one_of_any():
    assert "child_harmed" in item_conditions.met({"child_victim", "serious_violence"})
    assert "child_harmed" not in item_conditions.met({"child_victim"})
    assert "child_harmed" not in item_conditions.met({"serious_violence", "factor:death_or_life_changing"})
    assert "weapon_homicide" in item_conditions.met({"death", "adult_victim", "type:knife"})
    assert "weapon_homicide" not in item_conditions.met({"death", "adult_victim", "type:robbery"})
    assert {"at_school", "gold_group"} <= item_conditions.met({"place:school", "police:gold_group"})


def test_every_condition_the_checklist_or_a_deadline_names_is_labelled_in_the_vocabulary():
    data = load_playbook_data()
    labelled = set(data["categories"])
    assert set(item_conditions.conditions()) <= labelled
    assert {rule["when"] for rule in deadlines.rules()} <= labelled


# --- The police declaration -------------------------------------------------------------------------------


def test_a_police_declaration_is_kept_with_who_and_when_on_the_timeline_and_audited(demo, demo_users):
    responder, police = demo_users["responder"], demo_users["police"]
    incident = record(demo, responder)
    declaration = declare(incident, police, tier=PoliceTier.GOLD_GROUP)
    assert (declaration.recorded_by, declaration.declared_by) == (police, "Supt A. Khan")
    assert incident.timeline.filter(text__contains="Supt A. Khan").exists()
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, target_id=str(declaration.pk)).exists()
    later = declare(incident, police, tier=PoliceTier.BELOW_GOLD, at=timezone.now() - timedelta(minutes=5))
    assert "police:below_gold" in conditions.facts_of(incident)
    assert "police:gold_group" not in conditions.facts_of(incident)
    assert later.pk != declaration.pk


def test_a_police_declaration_in_the_future_or_before_the_incident_is_refused(demo, demo_users):
    responder = demo_users["responder"]
    incident = record(demo, responder)
    for moment in (timezone.now() + timedelta(hours=1), incident.occurred_at - timedelta(hours=1)):
        with pytest.raises(DomainError) as refused:
            declare(incident, responder, tier=PoliceTier.GOLD_GROUP, at=moment)
        assert refused.value.field == "declared_at"
    assert not incident.police_declarations.exists()


def test_the_police_partner_records_a_declaration_on_the_incident_page(demo, demo_users, client_for):
    incident = record(demo, demo_users["responder"])
    police = demo.organisations.get(kind="police")
    services.add_participant(incident=incident, organisation=police, contact=None, by=demo_users["responder"])
    client = client_for("police")
    url = f"/incidents/{incident.pk}/police/"
    page = client.post(
        url, {"critical_incident": "yes", "tier": "gold_group", "declared_by": "", "declared_at": ""}
    )
    assert page.status_code == 200 and "Enter the officer who declared it" in page.content.decode()
    moment = timezone.localtime(timezone.now() - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(
        url,
        {
            "critical_incident": "yes",
            "tier": "gold_group",
            "declared_by": "Supt A. Khan",
            "declared_at": moment,
        },
    )
    assert done.status_code == 302
    shown = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Police critical incident" in shown and "Gold group convened" in shown


# --- Inquest and trial dates join the deadlines; the plan and the recovery calendar show them -------------


def test_inquest_and_trial_dates_are_shown_among_the_deadlines(demo, demo_users, checklist, client_for):
    coordinator = demo_users["coordinator"]
    incident = record(demo, coordinator, types=["knife"], when=BEFORE_EASTER)
    categorise(incident, coordinator, serious_violence=True)
    services.draw_plan(incident=incident, by=coordinator)
    demo_person(incident, coordinator, age_band="16_17", role="victim")
    recovery_services.add_milestone(
        incident=incident,
        by=coordinator,
        kind="inquest",
        title="Inquest opens",
        date=date(2026, 6, 1),
        notes="",
    )
    found = deadlines.deadlines_for(incident)
    assert [deadline.due_on for deadline in found] == sorted(deadline.due_on for deadline in found)
    assert any(deadline.title == "Inquest opens" and "inquest" in deadline.source for deadline in found)

    client = client_for("coordinator")
    plan = client.get(f"/incidents/{incident.pk}/plan/").content.decode()
    assert "Statutory and formal deadlines" in plan
    assert "Monday 13 April 2026" in plan and "Children Act 2004" in plan and "Inquest opens" in plan
    calendar = client.get(f"/incidents/{incident.pk}/recovery/").content.decode()
    assert "Monday 13 April 2026" in calendar and "Working Together" in calendar


# --- Incident types and the partners who own items ---------------------------------------------------------


def test_the_shipped_incident_types_match_the_serious_violence_duty_definitions():
    types = load_playbook_data()["incident_types"]
    assert {"domestic_abuse", "sexual_violence", "robbery", "exploitation", "county_lines"} <= set(types)


def test_probation_and_youth_justice_own_items_of_the_shipped_checklist():
    owners = {item["owner_kind"] for area in load_playbook_data()["areas"] for item in area["items"]}
    assert {"probation", "youth_justice"} <= owners


def test_the_categorisation_suggestion_counts_what_the_police_declared(demo, demo_users, client_for):
    responder = demo_users["responder"]
    incident = record(demo, responder)
    assert not categorise(incident, responder, serious_violence=False).suggested_serious_violence
    declare(incident, demo_users["police"], tier=PoliceTier.GOLD_GROUP, critical=True)
    page = client_for("responder").get(f"/incidents/{incident.pk}/categorise/").content.decode()
    assert "The police have convened a gold group" in page
    suggested = categorise(incident, responder, serious_violence=True)
    assert suggested.suggested_serious_violence and suggested.suggested_meeting


@given(
    start=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    days=st.sampled_from([5, 15]),
)
def test_an_item_timed_in_working_days_falls_due_at_the_end_of_a_working_day(start, days):
    due = timezone.localtime(deadlines.due_after({"hours": 24 * days, "working_days": days}, start))
    assert is_working_day(due.date()) and due.time() == deadlines.END_OF_WORKING_DAY
    assert working_days_between(timezone.localtime(start).date(), due.date()) == days


def test_items_timed_in_days_fall_due_at_the_same_time_on_the_clock_across_a_clock_change(
    demo, demo_users, checklist
):
    """The defect: told on Friday 24 October 2025 at 10:00, the week's items fell due at 09:00 the next Friday
    (the clocks went back between), and the longer-term ones at 09:00 too."""
    responder = demo_users["responder"]
    told = datetime(2025, 10, 24, 10, 0, tzinfo=LONDON)
    incident = Incident.objects.get(pk=record(demo, responder, when=told).pk)  # its times as stored, in UTC
    services.draw_plan(incident=incident, by=responder)

    due = {a.item.timing: timezone.localtime(a.due_at) for a in incident.actions.select_related("item")}

    assert due["within_1_week"] == datetime(2025, 10, 31, 10, 0, tzinfo=LONDON)
    assert due["longer_term"] == datetime(2025, 11, 21, 10, 0, tzinfo=LONDON)
    assert due["within_24_hours"] == datetime(2025, 10, 25, 10, 0, tzinfo=LONDON)


def test_days_are_counted_on_the_clock_in_spring_too_and_hours_under_a_day_as_hours_elapsed():
    four_weeks, two_hours = {"hours": 24 * 28}, {"hours": 2}
    thursday = datetime(2025, 3, 20, 10, 0, tzinfo=LONDON).astimezone(UTC)  # as the database gives it
    assert deadlines.due_after(four_weeks, thursday) == datetime(2025, 4, 17, 10, 0, tzinfo=LONDON)
    # Told at 00:30 on the night the clocks go forward: two hours later is 03:30 on the clock.
    night = datetime(2025, 3, 30, 0, 30, tzinfo=LONDON).astimezone(UTC)
    assert deadlines.due_after(two_hours, night) == datetime(2025, 3, 30, 3, 30, tzinfo=LONDON)
    # A day and a half: a day on the clock, then twelve hours.
    assert deadlines.due_after({"hours": 36}, thursday) == datetime(2025, 3, 21, 22, 0, tzinfo=LONDON)
