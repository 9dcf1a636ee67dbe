"""The critical-incident fund's rules: the limit per incident, the states (applied -> approved, part-approved
or declined -> spend recorded), reasons for a decline, the spend, the audit and the coordinators told."""

import pytest
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents.models import TimelineEntry
from svtoolkit.messaging.models import Delivery, Notification
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import RegionRole
from svtoolkit.regions import fund_selectors, fund_services
from svtoolkit.regions.fund_models import FundApplication, FundStatus
from tests.factories import (
    FundRulesFactory,
    IncidentFactory,
    MembershipFactory,
    PartnershipFactory,
    RegionFactory,
    RegionMembershipFactory,
    UserFactory,
)
from tests.regions.fund_builders import a_decided_application, an_application, application_form, fund_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return fund_world()


def _decide(application, by, **decision):
    return fund_services.decide(
        application=application, by=by, expected_revision=application.revision, **decision
    )


def _spend(application, by, **spend):
    return fund_services.record_spend(
        application=application, by=by, expected_revision=application.revision, **spend
    )


# --- Applying and the limit ------------------------------------------------------------------------------


def test_a_borough_applies_and_the_incident_and_the_audit_log_show_it(world):
    application = an_application(world)
    assert application.status == FundStatus.APPLIED
    assert application.region == world.region and application.partnership == world.borough
    assert TimelineEntry.objects.filter(incident=world.incident, text__contains="£1,500").exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, partnership=world.borough, target_id=str(application.pk)
    ).exists()


def test_the_default_limit_per_incident_is_the_setting(world, settings):
    settings.REGION_FUND_LIMIT_PER_INCIDENT = 1000
    with pytest.raises(DomainError) as refused:
        an_application(world, amount_requested=1001)
    assert refused.value.field == "amount_requested"
    assert "£1,000" in refused.value.message
    assert not FundApplication.objects.exists()
    assert an_application(world, amount_requested=1000).amount_requested == 1000


def test_the_regions_own_limit_replaces_the_default(world, settings):
    settings.REGION_FUND_LIMIT_PER_INCIDENT = 100
    FundRulesFactory(region=world.region, limit_per_incident=3000)
    assert an_application(world, amount_requested=3000).amount_requested == 3000


def test_the_limit_counts_every_application_for_the_incident_not_declined(world):
    first = an_application(world, amount_requested=3000)
    with pytest.raises(DomainError, match="£2,000 of it is left"):
        an_application(world, amount_requested=2500)
    _decide(first, world.regional_coordinator, decision="decline", reasons="Not what the fund is for.")
    assert an_application(world, amount_requested=5000).status == FundStatus.APPLIED
    # Another incident has its own limit.
    other = IncidentFactory(partnership=world.borough)
    assert an_application(world, incident=other, amount_requested=5000).status == FundStatus.APPLIED


def test_a_closed_fund_takes_no_applications(world):
    FundRulesFactory(region=world.region, is_open=False)
    with pytest.raises(DomainError, match="not taking applications"):
        an_application(world)


def test_money_cannot_be_needed_by_a_day_gone(world):
    with pytest.raises(DomainError) as refused:
        an_application(world, needed_by=timezone.localdate().replace(year=2020))
    assert refused.value.field == "needed_by"


def test_a_partnership_in_no_region_has_no_fund_to_apply_to(world):
    alone = PartnershipFactory()
    with pytest.raises(DomainError, match="not part of a region"):
        fund_services.apply(
            incident=IncidentFactory(partnership=alone),
            partnership=alone,
            by=world.responder,
            **application_form(),
        )


# --- Deciding --------------------------------------------------------------------------------------------


def test_approving_grants_the_amount_asked_for_and_tells_the_boroughs_coordinators(world):
    application = _decide(an_application(world), world.regional_coordinator, decision="approve")
    assert application.status == FundStatus.APPROVED
    assert application.amount_approved == 1500
    assert application.decided_by == world.regional_coordinator
    notification = Notification.objects.get(kind="fund_decision")
    assert notification.partnership == world.borough and notification.incident == world.incident
    told = set(Delivery.objects.filter(notification=notification).values_list("recipient", flat=True))
    assert told == {world.coordinator.pk}
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, target_id=str(application.pk))
    assert entry.partnership == world.borough and entry.detail["decision"] == "approved"


def test_part_approving_grants_less_with_reasons(world):
    application = a_decided_application(world, amount_approved=900)
    assert application.status == FundStatus.PART_APPROVED
    assert application.amount_approved == 900
    assert application.decision_reasons == "The fund pays for one weekend."
    assert "£900 approved" in Notification.objects.get(kind="fund_decision").body


@pytest.mark.parametrize(
    "decision, field",
    [
        ({"decision": "part_approve", "amount_approved": None, "reasons": "Less."}, "amount_approved"),
        ({"decision": "part_approve", "amount_approved": 1500, "reasons": "All."}, "amount_approved"),
        ({"decision": "part_approve", "amount_approved": 500, "reasons": " "}, "reasons"),
        ({"decision": "decline", "reasons": "  "}, "reasons"),
        ({"decision": "maybe"}, "decision"),
    ],
)
def test_a_decision_that_breaks_a_rule_changes_nothing(world, decision, field):
    application = an_application(world)
    with pytest.raises(DomainError) as refused:
        _decide(application, world.regional_coordinator, **decision)
    assert refused.value.field == field
    application.refresh_from_db()
    assert application.status == FundStatus.APPLIED and application.decided_at is None
    assert not Notification.objects.exists()


def test_declining_keeps_the_reasons_and_grants_nothing(world):
    application = _decide(
        an_application(world),
        world.regional_coordinator,
        decision="decline",
        reasons="Police funding covers it.",
    )
    assert application.status == FundStatus.DECLINED
    assert application.amount_approved is None
    assert "Police funding covers it." in Notification.objects.get().body


def test_an_application_is_decided_once(world):
    application = a_decided_application(world)
    with pytest.raises(DomainError, match="decided already"):
        _decide(application, world.regional_coordinator, decision="approve")


def test_a_decision_on_a_stale_page_is_refused(world):
    application = an_application(world)
    stale = application.revision
    _decide(FundApplication.objects.get(pk=application.pk), world.regional_coordinator, decision="approve")
    application.status = FundStatus.APPLIED
    with pytest.raises(EditConflict):
        fund_services.decide(
            application=application,
            by=world.regional_coordinator,
            decision="decline",
            reasons="No.",
            expected_revision=stale,
        )


def test_approving_cannot_go_over_the_limit_a_lowered_rule_sets(world):
    application = an_application(world, amount_requested=4000)
    FundRulesFactory(region=world.region, limit_per_incident=3000)
    with pytest.raises(DomainError, match="£3,000"):
        _decide(application, world.regional_coordinator, decision="approve")
    assert (
        _decide(
            application,
            world.regional_coordinator,
            decision="part_approve",
            amount_approved=3000,
            reasons="The limit.",
        ).amount_approved
        == 3000
    )


# --- The spend -------------------------------------------------------------------------------------------


def test_the_borough_records_the_spend_and_its_outcome(world):
    application = _spend(
        a_decided_application(world),
        world.responder,
        amount_spent=950,
        outcome="achieved",
        outcome_note="Calm.",
    )
    assert application.status == FundStatus.SPENT
    assert (application.amount_spent, application.outcome, application.spend_recorded_by) == (
        950,
        "achieved",
        world.responder,
    )
    assert TimelineEntry.objects.filter(incident=world.incident, text__contains="£950 spent").exists()


def test_the_spend_cannot_be_more_than_approved(world):
    application = a_decided_application(world, amount_approved=900)
    with pytest.raises(DomainError) as refused:
        _spend(application, world.responder, amount_spent=901, outcome="achieved")
    assert refused.value.field == "amount_spent"


@pytest.mark.parametrize("state", ["applied", "declined", "spent"])
def test_the_spend_is_recorded_only_once_and_only_after_approval(world, state):
    application = an_application(world)
    if state == "declined":
        application = _decide(application, world.regional_coordinator, decision="decline", reasons="No.")
    if state == "spent":
        application = _decide(application, world.regional_coordinator, decision="approve")
        application = _spend(application, world.responder, amount_spent=100, outcome="partly")
    with pytest.raises(DomainError, match="Only an approved application"):
        _spend(application, world.responder, amount_spent=10, outcome="achieved")


# --- The rules and the figures ---------------------------------------------------------------------------


def test_a_regional_coordinator_sets_the_rules_and_a_stale_edit_is_refused(world, settings):
    assert fund_selectors.rules_of(world.region).limit_per_incident == settings.REGION_FUND_LIMIT_PER_INCIDENT
    fund_services.set_rules(
        region=world.region, by=world.regional_coordinator, limit_per_incident=2500, is_open=True
    )
    assert fund_selectors.rules_of(world.region).limit_per_incident == 2500
    fund_services.set_rules(
        region=world.region,
        by=world.regional_coordinator,
        limit_per_incident=2000,
        is_open=False,
        expected_revision=1,
    )
    with pytest.raises(EditConflict):
        fund_services.set_rules(
            region=world.region,
            by=world.regional_coordinator,
            limit_per_incident=10,
            is_open=True,
            expected_revision=1,
        )
    with pytest.raises(DomainError):
        fund_services.set_rules(
            region=world.region,
            by=world.regional_coordinator,
            limit_per_incident=0,
            is_open=True,
            expected_revision=2,
        )


def test_the_fund_report_counts_by_borough_purpose_and_outcome(world):
    spent = _spend(
        a_decided_application(world, amount_approved=1000),
        world.responder,
        amount_spent=800,
        outcome="achieved",
    )
    declined = an_application(world, incident=IncidentFactory(partnership=world.borough), purpose="safety")
    _decide(declined, world.regional_coordinator, decision="decline", reasons="No.")
    an_application(
        world, incident=IncidentFactory(partnership=world.borough), purpose="safety", amount_requested=200
    )
    report = fund_selectors.fund_report(world.region)
    assert report["totals"] == {
        "applications": 3,
        "requested": 3200,
        "approved": 1000,
        "spent": 800,
        "declined": 1,
    }
    assert report["by_borough"] == [
        {
            "label": "Northbridge",
            "applications": 3,
            "requested": 3200,
            "approved": 1000,
            "spent": 800,
            "declined": 1,
        }
    ]
    by_purpose = {row["label"]: row for row in report["by_purpose"]}
    assert by_purpose["Safety and security measures"]["applications"] == 2
    assert by_purpose["Community reassurance and engagement"]["spent"] == 800
    by_outcome = {row["label"]: row["applications"] for row in report["by_outcome"]}
    assert by_outcome == {"Spend not recorded yet": 1, "Achieved what it was for": 1}
    assert spent.status == FundStatus.SPENT
    assert fund_selectors.fund_report(world.region, year=2001)["totals"]["applications"] == 0


# --- The access rules ------------------------------------------------------------------------------------


def test_only_the_lead_partnerships_response_team_applies_and_records_the_spend(world):
    other = PartnershipFactory(region=world.region)
    outsider = MembershipFactory(partnership=other, role="coordinator").user
    exercise = IncidentFactory(partnership=world.borough, is_exercise=True)
    may_apply = [
        access.can_apply_to_fund(user, world.borough, world.incident)
        for user in (world.coordinator, world.responder, world.viewer, world.regional_coordinator)
    ]
    assert may_apply == [True, True, False, False]
    assert not access.can_apply_to_fund(world.responder, world.borough, exercise)
    assert not access.can_apply_to_fund(outsider, other, world.incident)
    application = an_application(world)
    assert access.can_record_fund_spend(world.coordinator, world.borough, application)
    assert not access.can_record_fund_spend(world.viewer, world.borough, application)
    assert not access.can_record_fund_spend(outsider, other, application)


# --- The borough moves to another region -----------------------------------------------------------------


def _move(world, region):
    mover = UserFactory(is_superuser=True, is_staff=True)
    partnership_services.move_to_region(partnership=world.borough, region=region, by=mover)
    return mover


def test_open_applications_follow_a_borough_moved_to_another_region_and_decided_ones_stay(world):
    """The defect: a borough moved to another region left its open applications in the old region's queue
    (to be decided by a region no longer answering for it), and the new region never saw them."""
    decided = a_decided_application(world)
    waiting = an_application(world, amount_requested=500)
    kent = RegionFactory(name="Kent and Medway VRU", slug="kent")
    kent_coordinator = RegionMembershipFactory(region=kent, role=RegionRole.COORDINATOR).user

    _move(world, kent)

    assert list(fund_selectors.applications_of_region(world.region)) == [decided]
    assert list(fund_selectors.applications_of_region(kent)) == [waiting]
    waiting.refresh_from_db()
    assert (waiting.region, waiting.moved_from, waiting.status) == (kent, world.region, FundStatus.APPLIED)
    assert TimelineEntry.objects.filter(
        incident=world.incident,
        text="The application for £500 moved from London Violence Reduction Unit's fund to Kent and Medway "
        "VRU's, as Northbridge moved region.",
    ).exists()
    # The new region decides it, under its own rules.
    assert _decide(waiting, kent_coordinator, decision="approve").status == FundStatus.APPROVED
    # The old region keeps what it decided, and the borough records its spend there.
    _spend(decided, world.coordinator, amount_spent=900, outcome="achieved")
    assert fund_selectors.fund_report(world.region)["totals"]["spent"] == 900


def test_the_fund_report_still_counts_by_borough_what_it_granted_a_borough_that_moved_away(world):
    """Its by-borough table adds up to its totals: a grant stays in the report of the fund that made it."""
    a_decided_application(world, amount_approved=1000)
    _move(world, RegionFactory(name="Kent and Medway VRU", slug="kent"))

    report = fund_selectors.fund_report(world.region)
    assert report["totals"]["approved"] == 1000
    assert [(row["label"], row["approved"]) for row in report["by_borough"]] == [("Northbridge", 1000)]


def test_a_borough_that_leaves_every_region_has_its_open_applications_withdrawn_with_the_reason(world):
    decided = a_decided_application(world)
    waiting = an_application(world, amount_requested=500)

    _move(world, None)

    waiting.refresh_from_db()
    assert waiting.status == FundStatus.WITHDRAWN
    assert waiting.decision_reasons == (
        "Withdrawn: Northbridge left London Violence Reduction Unit, so no fund can decide it."
    )
    assert list(fund_selectors.applications_of_region(world.region, status=FundStatus.APPLIED)) == []
    decided.refresh_from_db()
    assert decided.status == FundStatus.PART_APPROVED
    with pytest.raises(DomainError):
        _decide(waiting, world.regional_coordinator, decision="approve")
    assert (
        fund_services.committed_for(world.incident, region=world.region) == 1000
    )  # a withdrawn application holds nothing


def test_the_boroughs_coordinators_are_told_of_an_application_withdrawn_as_it_left_every_region(world):
    """The defect: withdrawn with a reason, but nobody was told (a decision tells them)."""
    waiting = an_application(world, amount_requested=500)

    _move(world, None)

    notification = Notification.objects.get(kind="fund_withdrawal")
    assert notification.partnership == world.borough and notification.incident == world.incident
    told = set(Delivery.objects.filter(notification=notification).values_list("recipient", flat=True))
    assert told == {world.coordinator.pk}
    assert notification.subject.startswith("Withdrawn: your application to the fund for")
    assert "Northbridge left London Violence Reduction Unit, so no fund can decide it." in notification.body
    assert f"/fund/applications/{waiting.pk}/" in notification.body


def test_a_borough_moved_to_another_region_is_not_told_its_applications_were_withdrawn(world):
    an_application(world)
    _move(world, RegionFactory(name="Kent and Medway VRU", slug="kent"))
    assert not Notification.objects.exists()


def test_moving_a_borough_to_the_region_it_is_in_changes_nothing(world):
    waiting = an_application(world)
    _move(world, world.region)
    waiting.refresh_from_db()
    assert (waiting.region, waiting.moved_from) == (world.region, None)
    assert not AuditEntry.objects.filter(target_type="partnerships.Partnership").exists()


def test_after_a_move_the_new_regions_limit_counts_only_what_it_granted_and_what_waits_for_it(world):
    """The defect: the limit per incident counted what every region had granted for the incident, so what the
    old region granted before the borough moved left the new region's fund less (or nothing) to grant."""
    a_decided_application(world, decision="approve", amount_requested=4000)
    an_application(world, amount_requested=500)
    kent = RegionFactory(name="Kent and Medway VRU", slug="kent")

    _move(world, kent)

    # The application still waiting moved with the borough and counts against Kent's limit; London's grant
    # does not.
    with pytest.raises(DomainError, match="£4,500 of it is left"):
        an_application(world, amount_requested=4600)
    assert an_application(world, amount_requested=4500).region == kent
    assert fund_services.committed_for(world.incident, region=kent) == 5000
    assert fund_services.committed_for(world.incident, region=world.region) == 4000
