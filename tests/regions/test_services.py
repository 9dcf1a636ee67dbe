"""The regional tier's rules: alerting the region, what the board shows and audits, the partnership's sharing
choices, sharing an incident with the region, and proposals to share across borough lines."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.models import Role
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import Incident, IncidentShare, TimelineEntry
from svtoolkit.messaging.models import Delivery, Notification
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.partnerships.models import RegionalCategory
from svtoolkit.regions import selectors, services
from svtoolkit.regions.models import ProposalStatus, RegionalShare
from tests.alerts.builders import categorise, raise_police_alert
from tests.factories import IncidentFactory, PartnershipFactory, RegionFactory, UserFactory
from tests.incidents.builders import SHARE_BASIS, demo_incident
from tests.regions.builders import neighbour, proposal, region_sees

pytestmark = pytest.mark.django_db


def region_alerts():
    return Notification.objects.filter(kind="region_alert")


# --- Regional alerting -----------------------------------------------------------------------------


def test_an_alert_raised_in_the_region_reaches_its_duty_contacts_without_free_text(demo, demo_users):
    alert = raise_police_alert(demo, demo_users)
    [notification] = region_alerts()
    assert notification.incident == alert.incident
    deliveries = Delivery.objects.filter(notification=notification)
    assert {d.address for d in deliveries} >= {"region@example.org"}
    assert "region-viewer@example.org" not in {d.address for d in deliveries}  # not a duty contact
    assert alert.incident.reference in notification.subject
    for text in (notification.subject, notification.body, notification.sms_text):
        assert "Stabbing outside Northbridge Academy" not in text
        assert "Station Road" not in text


def test_the_regions_alert_of_an_incident_shared_with_it_still_carries_no_free_text(demo, demo_users):
    """The defect: an incident shared with the region put its title ("What happened: ...") in the text message
    and email to every duty contact, though the alert promises no free text: the region reads it on its
    incident page, where the reading is audited."""
    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    categorise(incident, demo_users["responder"], serious_violence=True)
    [notification] = region_alerts()
    for text in (notification.subject, notification.body, notification.sms_text):
        assert incident.title not in text and "What happened" not in text
    assert reverse("regions:incident", args=[demo.region.slug, incident.pk]) in notification.sms_text


def test_categorising_as_serious_violence_alerts_the_region_once(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    categorise(incident, demo_users["responder"], serious_violence=False)
    assert not region_alerts().exists()
    categorise(incident, demo_users["responder"], serious_violence=True)
    categorise(incident, demo_users["responder"], serious_violence=True)
    assert region_alerts().count() == 1


def test_a_partnership_that_keeps_its_categorisations_alerts_no_region_for_one(demo, demo_users):
    """The alert's reason would tell the region what the partnership chose not to share."""
    region_sees(demo, demo_users, RegionalCategory.TYPES, RegionalCategory.STATUS)
    incident, _ = demo_incident(demo, demo_users)
    categorise(incident, demo_users["responder"], serious_violence=True)
    assert not region_alerts().exists()
    raise_police_alert(demo, demo_users)  # an alert raised says nothing of a categorisation: it still goes
    assert region_alerts().count() == 1


def test_an_incident_shared_with_a_region_is_not_shared_with_the_next_one(demo, demo_users):
    """A partnership moved to another region (in the admin) shared its incidents with the first region's
    staff, not the new region's: their free text stays hidden until the partnership shares again."""
    from tests.factories import RegionFactory, RegionMembershipFactory

    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    next_region = RegionFactory()
    staff = RegionMembershipFactory(region=next_region).user
    demo.region = next_region
    demo.save(update_fields=["region"])

    [shown] = [row for row in selectors.board(next_region, user=staff)["incidents"] if row.pk == incident.pk]
    assert shown.title is None and shown.scenes is None
    services.share_with_region(incident=incident, by=demo_users["responder"])
    [shown] = [row for row in selectors.board(next_region, user=staff)["incidents"] if row.pk == incident.pk]
    assert shown.title == incident.title


def test_sharing_again_after_a_region_changed_without_the_move_ends_the_old_share_on_the_record(
    demo, demo_users
):
    """A region changed outside ``move_to_region`` left the old share behind: sharing with the new region
    ended it with nothing in the audit log or on the timeline."""
    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    old_region = demo.region
    demo.region = RegionFactory()
    demo.save(update_fields=["region"])

    services.share_with_region(incident=incident, by=demo_users["responder"])

    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE,
        partnership=demo,
        target_type="regions.RegionalShare",
        actor=demo_users["responder"],
    ).exists()
    assert TimelineEntry.objects.filter(
        incident=incident, text=f"No longer shared with {old_region}."
    ).exists()
    assert RegionalShare.objects.get(incident=incident).region == demo.region


def test_a_partnership_outside_any_region_alerts_no_region(demo, demo_users):
    demo.region = None
    demo.save(update_fields=["region"])
    raise_police_alert(demo, demo_users)
    assert not region_alerts().exists()


def test_an_exercise_alerts_no_region(demo, demo_users):
    raise_police_alert(demo, demo_users, is_exercise=True)
    assert not region_alerts().exists()


# --- The board ----------------------------------------------------------------------------------------


def test_the_board_shows_the_first_day_against_the_toolkits_expectations(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    # The partnership's own council takes part from the start; it was told an hour after the police told us.
    incident.participations.filter(organisation__kind="council").update(
        informed_at=incident.notified_at + timedelta(hours=1)
    )
    late = timezone.now() + timedelta(hours=23)
    [shown] = selectors.board(demo.region, user=demo_users["regional_viewer"], now=late)["incidents"]
    assert [(step.label, step.state) for step in shown.first_day] == [
        ("Partners informed", "Done in time"),
        ("First meeting held", "Overdue"),
        ("Communications lead agreed", "Overdue"),
    ]
    assert (shown.actions_settled, shown.actions_total) == (0, 1)
    assert shown.title is None and shown.summary is None and shown.scenes is None


def test_a_partnership_keeping_its_dates_shows_the_region_its_first_day_as_done_or_not_yet(demo, demo_users):
    """The defect: the first day read "Due" then "Overdue" (or "Done in time" / "Done late") against the time
    the partnership was notified, so the board, refreshed every 30 s, told the region that time, to the half
    minute, though the partnership keeps its dates from the region."""
    region_sees(demo, demo_users, RegionalCategory.STATUS, RegionalCategory.PROGRESS)
    incident, _ = demo_incident(demo, demo_users)
    incident.participations.filter(organisation__kind="council").update(
        informed_at=incident.notified_at + timedelta(hours=1)
    )
    due = incident.notified_at + timedelta(hours=24)

    def first_day(now):
        [shown] = selectors.board(demo.region, user=demo_users["regional_viewer"], now=now)["incidents"]
        assert shown.notified_at is None
        return [(step.label, step.state) for step in shown.first_day]

    expected = [
        ("Partners informed", "Done"),
        ("First meeting held", "Not yet"),
        ("Communications lead agreed", "Not yet"),
    ]
    assert first_day(due - timedelta(seconds=30)) == expected
    assert first_day(due + timedelta(seconds=30)) == expected


def test_each_board_read_is_written_to_the_partnerships_audit_log(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)
    selectors.board(demo.region, user=demo_users["regional_viewer"])
    entry = AuditEntry.objects.get(action=AuditAction.REGIONAL_VIEW, partnership=demo)
    assert entry.actor == demo_users["regional_viewer"]
    assert entry.detail["incidents"] == [incident.reference]
    assert entry.detail["region"] == demo.region.name
    assert not AuditEntry.objects.filter(action=AuditAction.REGIONAL_VIEW, partnership=other).exists()


def test_closed_incidents_exercises_and_other_regions_stay_off_the_board(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    elsewhere = PartnershipFactory()
    IncidentFactory(partnership=elsewhere)
    IncidentFactory(partnership=demo, is_exercise=True, sequence=900)
    IncidentFactory(partnership=demo, status="closed", sequence=901)
    shown = selectors.board(demo.region, user=demo_users["regional_viewer"])["incidents"]
    assert [each.reference for each in shown] == [incident.reference]


def neighbour_keeping_its_dates(demo):
    """Eastmere, the demo's neighbour, letting the region see its incidents' status and not their dates."""
    eastmere = neighbour(demo)
    services.choose_regional_sharing(
        partnership=eastmere,
        categories=[RegionalCategory.STATUS],
        by=eastmere.memberships.get().user,
        expected_revision=None,
    )
    return eastmere


def notified(partnership, moment, sequence):
    return IncidentFactory(partnership=partnership, occurred_at=moment, notified_at=moment, sequence=sequence)


def board_references(demo, demo_users, now):
    board = selectors.board(demo.region, user=demo_users["regional_viewer"], now=now)
    return [incident.reference for incident in board["incidents"]]


def test_a_partnership_keeping_its_dates_from_the_region_has_its_incidents_after_the_dated_ones(
    demo, demo_users
):
    """The defect: the board placed every incident by the date notified, so an incident whose partnership
    keeps its dates from the region sat between its neighbours' dated ones, telling the region its date. Now
    such incidents come after the dated ones, by borough and newest reference first."""
    eastmere = neighbour_keeping_its_dates(demo)
    now = timezone.now()

    def hours_ago(hours):
        return now - timedelta(hours=hours)

    eastmere_older = notified(eastmere, hours_ago(50), 1).reference
    eastmere_newer = notified(eastmere, hours_ago(2), 2).reference
    eastmere_recorded_last = notified(
        eastmere, hours_ago(30), 3
    ).reference  # notified earlier, recorded after
    northbridge_older = notified(demo, hours_ago(40), 1).reference
    northbridge_newer = notified(demo, hours_ago(10), 2).reference

    assert board_references(demo, demo_users, now) == [
        northbridge_newer,
        northbridge_older,
        eastmere_recorded_last,
        eastmere_newer,
        eastmere_older,
    ]


def test_which_incidents_make_a_full_board_does_not_depend_on_dates_kept_from_the_region(
    demo, demo_users, monkeypatch
):
    """The defect: with more open incidents than the board holds, the board took the newest by the date
    notified, so whether an incident of a partnership keeping its dates made the board told the region
    how recent it was. Now the dated ones are picked first, then the others by borough and newest
    reference: moving the kept dates changes nothing the region sees."""
    monkeypatch.setattr(selectors, "BOARD_SIZE", 3)
    eastmere = neighbour_keeping_its_dates(demo)
    now = timezone.now()
    northbridge = [
        notified(demo, now - timedelta(hours=hours), n).reference for n, hours in ((1, 20), (2, 30))
    ]
    eastmere_first = notified(eastmere, now - timedelta(hours=1), 1)
    eastmere_second = notified(eastmere, now - timedelta(hours=50), 2)

    expected = [*northbridge, eastmere_second.reference]
    assert board_references(demo, demo_users, now) == expected
    Incident.objects.filter(pk=eastmere_first.pk).update(notified_at=now - timedelta(hours=60))
    Incident.objects.filter(pk=eastmere_second.pk).update(notified_at=now - timedelta(minutes=5))
    assert board_references(demo, demo_users, now) == expected


def test_a_board_holding_every_open_incident_does_not_say_some_were_left_off(
    client_for, demo, demo_users, monkeypatch
):
    """The defect: a board with exactly as many open incidents as it holds said "the newest shown", as if
    some were left off, though every one was there: it could not tell a full board from one with more left
    off. Now it says so only when there are more."""
    monkeypatch.setattr(selectors, "BOARD_SIZE", 2)
    now = timezone.now()
    for sequence in (1, 2):
        notified(demo, now - timedelta(hours=sequence), sequence)
    board = selectors.board(demo.region, user=demo_users["regional_viewer"], now=now)
    assert (len(board["incidents"]), board["limited"]) == (2, False)
    page = (
        client_for("regional_viewer").get(reverse("regions:board", args=[demo.region.slug])).content.decode()
    )
    assert "2 open incidents</caption>" in page

    notified(demo, now - timedelta(hours=3), 3)
    board = selectors.board(demo.region, user=demo_users["regional_viewer"], now=now)
    assert (len(board["incidents"]), board["limited"]) == (2, True)


# --- Sharing choices --------------------------------------------------------------------------------


def test_the_partnership_chooses_what_the_region_sees(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    coordinator = demo_users["coordinator"]
    sharing = services.choose_regional_sharing(
        partnership=demo, categories=[RegionalCategory.STATUS], by=coordinator, expected_revision=None
    )
    demo.refresh_from_db()
    [shown] = selectors.board(demo.region, user=demo_users["regional_viewer"])["incidents"]
    assert shown.status == "Reported" and shown.incident_types is None and shown.first_day is None
    with pytest.raises(EditConflict):
        services.choose_regional_sharing(
            partnership=demo, categories=[], by=coordinator, expected_revision=sharing.revision - 1
        )
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, target_id=str(sharing.pk)).exists()


def test_sharing_an_incident_opens_its_free_text_to_the_region_and_never_its_people(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    shown, _ = selectors.regional_incident(demo.region, incident.pk, user=demo_users["regional_viewer"])
    assert shown.title == incident.title and shown.scenes == ["Bus stop, Northbridge Academy"]
    assert not hasattr(shown, "people")
    services.stop_sharing_with_region(incident=incident, by=demo_users["responder"])
    shown, _ = selectors.regional_incident(demo.region, incident.pk, user=demo_users["regional_viewer"])
    assert shown.title is None


def test_a_partnership_outside_any_region_cannot_share_with_one(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    demo.region = None
    demo.save(update_fields=["region"])
    with pytest.raises(DomainError):
        services.share_with_region(incident=incident, by=demo_users["responder"])


# --- Cross-borough proposals -------------------------------------------------------------------------


def test_accepting_a_proposal_shares_the_incident_with_the_other_partnership(demo, demo_users):
    proposed = proposal(demo, demo_users)
    assert Notification.objects.filter(kind="region_share_proposal", incident=proposed.incident).exists()
    services.decide_proposal(proposal=proposed, accept=True, basis=SHARE_BASIS, by=demo_users["responder"])
    assert IncidentShare.objects.filter(incident=proposed.incident, partnership=proposed.partnership).exists()
    proposed.refresh_from_db()
    assert proposed.status == ProposalStatus.ACCEPTED and proposed.decided_by == demo_users["responder"]
    with pytest.raises(DomainError, match="already accepted by"):
        services.decide_proposal(proposal=proposed, accept=False, reason="No", by=demo_users["coordinator"])


def test_declining_a_proposal_needs_a_reason_and_shares_nothing(demo, demo_users):
    proposed = proposal(demo, demo_users)
    with pytest.raises(DomainError):
        services.decide_proposal(proposal=proposed, accept=False, reason=" ", by=demo_users["responder"])
    services.decide_proposal(
        proposal=proposed, accept=False, reason="Not linked.", by=demo_users["responder"]
    )
    assert not IncidentShare.objects.filter(incident=proposed.incident).exists()


def test_a_proposal_on_a_closed_incident_is_declined_but_not_accepted(demo, demo_users):
    proposed = proposal(demo, demo_users)
    Incident.objects.filter(pk=proposed.incident_id).update(status="closed")
    with pytest.raises(DomainError, match="is closed, so it cannot be shared"):
        services.decide_proposal(
            proposal=proposed, accept=True, basis=SHARE_BASIS, by=demo_users["responder"]
        )
    assert not IncidentShare.objects.filter(incident=proposed.incident).exists()
    services.decide_proposal(proposal=proposed, accept=False, reason="Over.", by=demo_users["responder"])
    assert proposed.status == ProposalStatus.DECLINED


def test_a_proposal_on_an_erased_incident_is_not_said_to_wait_for_a_re_open(client_for, demo, demo_users):
    """The defect: accepting a proposal on a closed incident whose people's details were erased said
    "Re-open it first, or decline.", and its panel "re-open it to share it", though such an incident cannot be
    re-opened. Both now say why it cannot be, and that the proposal can still be declined."""
    proposed = proposal(demo, demo_users)
    Incident.objects.filter(pk=proposed.incident_id).update(
        status="closed", closed_at=timezone.now(), personal_data_erased_at=timezone.now()
    )
    with pytest.raises(DomainError) as refused:
        services.decide_proposal(
            proposal=proposed, accept=True, basis=SHARE_BASIS, by=demo_users["responder"]
        )
    told = str(refused.value)
    assert "were erased, so it cannot be re-opened" in told and "Re-open it first" not in told
    assert not IncidentShare.objects.filter(incident=proposed.incident).exists()
    page = client_for("responder").get(reverse("incidents:incident", args=[proposed.incident_id]))
    assert told in page.content.decode()
    assert "re-open it to share it" not in page.content.decode()


def test_only_a_regional_coordinator_proposes_and_only_once(demo, demo_users):
    proposed = proposal(demo, demo_users)
    for by in (demo_users["regional_coordinator"], demo_users["regional_viewer"]):
        with pytest.raises(DomainError):
            services.propose_share(
                region=demo.region,
                incident=proposed.incident,
                partnership=proposed.partnership,
                reason="Again.",
                by=by,
            )


def test_the_region_sees_incidents_linked_across_borough_lines(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)
    incident_services.share_incident(
        incident=incident, partnership=other, by=demo_users["responder"], **SHARE_BASIS
    )
    retaliation = IncidentFactory(partnership=other)
    IncidentShare.objects.create(incident=retaliation, partnership=demo)
    shown, _ = selectors.regional_incident(demo.region, incident.pk, user=demo_users["regional_viewer"])
    assert [linked.reference for linked in shown.linked] == [retaliation.reference]
    assert shown.linked[0].title is None  # not shared with the region
    logged = AuditEntry.objects.filter(action=AuditAction.REGIONAL_VIEW).values_list("partnership", flat=True)
    assert set(logged) == {demo.pk, other.pk}


# --- A borough moves to another region ---------------------------------------------------------------


def proposed_towards(demo, demo_users, neighbour):
    """The region proposes sharing an incident of ``neighbour`` with Northbridge."""
    return services.propose_share(
        region=demo.region,
        incident=IncidentFactory(partnership=neighbour),
        partnership=demo,
        reason="The victim lives in Northbridge.",
        by=demo_users["regional_coordinator"],
    )


def test_the_old_regions_open_proposals_are_withdrawn_saying_why_when_a_borough_moves_region(
    demo, demo_users
):
    """The defect: the old region's proposals stayed open after the borough moved, so its response team could
    still accept one, sharing an incident no longer of that region on that region's word."""
    proposed = proposal(demo, demo_users)  # the region proposes sharing a Northbridge incident with Eastmere
    eastmere = proposed.partnership
    towards = proposed_towards(demo, demo_users, eastmere)
    declined = services.propose_share(
        region=demo.region,
        incident=proposed.incident,
        partnership=PartnershipFactory(name="Westford", region=demo.region),
        reason="The school is in Westford.",
        by=demo_users["regional_coordinator"],
    )
    services.decide_proposal(
        proposal=declined, accept=False, reason="Not linked.", by=demo_users["responder"]
    )
    old_region = demo.region
    mover = UserFactory(is_superuser=True, is_staff=True)

    partnership_services.move_to_region(partnership=demo, region=RegionFactory(name="Kent"), by=mover)

    why = f"{demo} left {old_region}, which proposed the sharing."
    with pytest.raises(DomainError, match=f"This proposal was withdrawn: {why}"):
        services.decide_proposal(
            proposal=proposed, accept=True, basis=SHARE_BASIS, by=demo_users["responder"]
        )
    assert not IncidentShare.objects.exists()
    for withdrawn in (proposed, towards):  # an incident of the borough, or sharing one with it
        withdrawn.refresh_from_db()
        assert (withdrawn.status, withdrawn.decision_reason) == (ProposalStatus.WITHDRAWN, why)
        assert (withdrawn.decided_by, withdrawn.region) == (mover, old_region)
        assert TimelineEntry.objects.filter(
            incident=withdrawn.incident,
            text=f"{old_region}'s proposal to share this incident with {withdrawn.partnership} was "
            f"withdrawn: {why}",
        ).exists()
        assert AuditEntry.objects.filter(
            action=AuditAction.UPDATE,
            partnership=withdrawn.incident.partnership,
            target_id=str(withdrawn.pk),
            detail__status=ProposalStatus.WITHDRAWN,
        ).exists()
    declined.refresh_from_db()
    assert declined.status == ProposalStatus.DECLINED  # decided: left as it was


def coordinators_of(partnership) -> set[int]:
    return set(partnership.memberships.filter(role=Role.COORDINATOR).values_list("user", flat=True))


def test_the_coordinators_asked_to_decide_a_proposal_are_told_it_was_withdrawn_as_a_borough_moved_region(
    demo, demo_users
):
    """The defect: a proposal withdrawn as its borough moved region told nobody, while its coordinators had
    been told of it to decide it (and a meeting cancelled tells those invited)."""
    proposed = proposal(demo, demo_users)
    eastmere = proposed.partnership
    towards = proposed_towards(demo, demo_users, eastmere)
    old_region = demo.region

    partnership_services.move_to_region(
        partnership=demo, region=RegionFactory(name="Kent"), by=UserFactory(is_superuser=True, is_staff=True)
    )

    why = f"{demo} left {old_region}, which proposed the sharing."
    told = Notification.objects.filter(kind="region_share_proposal_withdrawn").order_by("pk")
    assert [(notice.partnership, notice.incident) for notice in told] == [
        (demo, proposed.incident),
        (eastmere, towards.incident),
    ]
    for notice, coordinators in zip(told, [coordinators_of(demo), coordinators_of(eastmere)], strict=True):
        assert coordinators and set(notice.deliveries.values_list("recipient", flat=True)) == coordinators
        assert why in notice.body and "withdrawn" in notice.subject


def test_a_borough_moved_out_of_a_region_stops_sharing_its_incidents_with_it_and_says_so(demo, demo_users):
    """The defect: an incident shared with a region stayed shared with it after its borough moved out, with
    nothing in the audit log or on the timeline; moved back, the region read its free text again without the
    response team sharing it again (a share is the team's consent to that region, for that time)."""
    incident, _ = demo_incident(demo, demo_users)
    services.share_with_region(incident=incident, by=demo_users["responder"])
    old_region = demo.region
    mover = UserFactory(is_superuser=True, is_staff=True)

    partnership_services.move_to_region(partnership=demo, region=RegionFactory(name="Kent"), by=mover)

    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, partnership=demo, target_type="regions.RegionalShare", actor=mover
    ).exists()
    assert TimelineEntry.objects.filter(
        incident=incident, text=f"No longer shared with {old_region}, as {demo} left it."
    ).exists()
    partnership_services.move_to_region(partnership=demo, region=old_region, by=mover)
    shown, _ = selectors.regional_incident(old_region, incident.pk, user=demo_users["regional_viewer"])
    assert shown.title is None and not shown.shared_with_region
