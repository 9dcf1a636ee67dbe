"""Changing what a region sees and does: a partnership's sharing choices, an incident shared with the region,
proposals to share an incident with a neighbouring partnership, and alerting the region's duty contacts.

Each function runs in one transaction and writes the partnership's audit log (and, for an incident, its
timeline). Messages go through svtoolkit.messaging in the same transaction.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.alerts import services as alert_services
from svtoolkit.alerts.models import Alert
from svtoolkit.alerts.selectors import coordinators_of
from svtoolkit.audit.services import record_created, record_deleted, record_updated
from svtoolkit.core import events
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.disclosures import basis_given
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.incidents.models import Incident, IncidentShare
from svtoolkit.incidents.selectors import clock_time
from svtoolkit.messaging import services as messaging
from svtoolkit.messaging.models import Notification, Urgency
from svtoolkit.partnerships.models import Partnership, RegionalCategory, RegionalSharing, RegionMembership
from svtoolkit.regions import fund_services
from svtoolkit.regions.models import ProposalStatus, RegionalShare, ShareProposal
from svtoolkit.regions.selectors import closed_to_sharing, type_labels

NO_SHARE_REASON = "Say why the incident should be shared."

NOT_IN_A_REGION = "This partnership does not belong to a region."


@transaction.atomic
def choose_regional_sharing(*, partnership, categories, by, expected_revision: int | None, request=None):
    """Set which categories of information the partnership's region sees of its incidents; refused if someone
    else changed the choice meanwhile (compare and set on its revision)."""
    if partnership.region_id is None:
        raise DomainError(NOT_IN_A_REGION)
    unknown = set(categories) - set(RegionalCategory.values)
    if unknown:
        raise DomainError("Choose from the categories listed.", field="categories")
    chosen = [category for category in RegionalCategory.values if category in set(categories)]
    # Before the first save the page shows the unsaved default at revision 1 (``regional_sharing_of``): the
    # first save moves it on, as every save does, so a page still showing the default meets the conflict.
    sharing, created = RegionalSharing.objects.get_or_create(
        partnership=partnership, defaults={"categories": chosen, "updated_by": by, "revision": 2}
    )
    if not created:
        update_if_unchanged(sharing, expected_revision=expected_revision, categories=chosen, updated_by=by)
    record_updated(by=by, partnership=partnership, target=sharing, request=request, categories=chosen)
    return sharing


@transaction.atomic
def share_with_region(*, incident, by, request=None) -> RegionalShare:
    """Share one incident with the partnership's region: the region reads its free text too (title, summary,
    scenes), never its people affected."""
    region_id = incident.partnership.region_id
    if region_id is None:
        raise DomainError(NOT_IN_A_REGION)
    # A share with a region the partnership has since left is no share with this one.
    for stale in (
        RegionalShare.objects.filter(incident=incident)
        .exclude(region_id=region_id)
        .select_related("region", "incident__partnership")
    ):
        _end_share(stale, by=by, request=request, text=f"No longer shared with {stale.region}.")
    share, created = RegionalShare.objects.get_or_create(
        incident=incident, defaults={"shared_by": by, "region_id": region_id}
    )
    if created:
        incident_services.log_change(
            incident=incident, by=by, text=f"Shared with the region ({incident.partnership.region})."
        )
        record_created(by=by, partnership=incident.partnership, target=share, request=request)
    return share


@transaction.atomic
def stop_sharing_with_region(*, incident, by, request=None) -> None:
    """Take the incident's free text back from the region (it still sees what the categories allow)."""
    share = RegionalShare.objects.filter(incident=incident).first()
    if share is not None:
        _end_share(share, by=by, request=request, text="No longer shared with the region.")


@transaction.atomic
def stop_sharing_with_region_left(*, partnership, from_region, by, request=None) -> int:
    """The partnership left ``from_region`` (``partnerships.signals.partnership_moved``): its incidents
    shared with that region stop being shared, as each share was its team's consent to that region while the
    partnership was in it; each audited and on the incident's timeline. Returns how many."""
    shares = list(
        RegionalShare.objects.select_for_update(of=("self",))
        .filter(region=from_region, incident__partnership=partnership)
        .select_related("incident__partnership")
        .order_by("pk")
    )
    for share in shares:
        _end_share(
            share,
            by=by,
            request=request,
            text=f"No longer shared with {from_region}, as {partnership} left it.",
        )
    return len(shares)


def _end_share(share, *, by, request, text) -> None:
    """The region no longer reads the incident's free text: in the partnership's audit log and on the
    incident's timeline."""
    record_deleted(by=by, partnership=share.incident.partnership, target=share, request=request)
    share.delete()
    incident_services.log_change(incident=share.incident, by=by, text=text)


@transaction.atomic
def propose_share(*, region, incident, partnership, reason: str, by, request=None) -> ShareProposal:
    """A regional coordinator proposes that the incident be shared with another partnership of the region;
    the incident's partnership is told and decides. Recorded in its audit log and the incident's timeline."""
    if not access.may_propose_share(by, region, incident, partnership):
        raise DomainError("Choose another partnership of this region.", field="partnership")
    if not reason.strip():
        raise DomainError(NO_SHARE_REASON, field="reason")
    # One proposal for the incident at a time: two sent at once would each find none open and the second
    # break the one-open-proposal rule (a 500), not be told it was proposed already.
    lock_incident(incident)
    if IncidentShare.objects.filter(incident=incident, partnership=partnership).exists():
        raise DomainError(f"The incident is already shared with {partnership}.", field="partnership")
    if ShareProposal.objects.filter(
        incident=incident, partnership=partnership, status=ProposalStatus.PROPOSED
    ):
        raise DomainError(f"Sharing with {partnership} has been proposed already.", field="partnership")
    proposal = ShareProposal.objects.create(
        incident=incident, region=region, partnership=partnership, reason=reason.strip(), proposed_by=by
    )
    incident_services.log_change(
        incident=incident,
        by=by,
        text=f"The region ({region}) proposed sharing this incident with {partnership}.",
    )
    record_created(by=by, partnership=incident.partnership, target=proposal, request=request)
    _tell_coordinators(
        proposal,
        kind="region_share_proposal",
        subject=f"{incident.reference}: the region proposes sharing it with {partnership}",
        body=lambda link: (
            f"{by} of {region} proposes sharing {incident.reference} with {partnership}.\n\n"
            f"Why: {proposal.reason}\n\nAccept or decline on the incident's page: {link}\n"
        ),
    )
    return proposal


def _tell_coordinators(proposal, *, kind: str, subject: str, body) -> None:
    """The coordinators of the partnership whose incident ``proposal`` is about are sent a message about it,
    ``body(link)`` given the link to the incident; once for each ``kind`` of message about one proposal."""
    incident = proposal.incident
    messaging.send(
        kind=kind,
        subject=subject,
        body=body(settings.SITE_URL + reverse("incidents:incident", args=[incident.pk])),
        recipients=[messaging.recipient_for_user(person) for person in coordinators_of(incident.partnership)],
        partnership=incident.partnership,
        incident=incident,
        dedupe_key=f"{kind.replace('_', '-')}:{proposal.pk}",
    )


@transaction.atomic
def decide_proposal(
    *, proposal, accept: bool, by, reason: str = "", basis: dict | None = None, request=None
) -> ShareProposal:
    """The incident's partnership accepts (the incident is shared with the other partnership) or declines
    (with a reason) a proposal; decided once, whoever clicks second is told. Accepting is a disclosure, so it
    takes the why and the lawful basis (``basis``: ``incidents.services.share_incident``'s arguments), and
    only while the incident is open; declining is taken once it is closed too. An accepted proposal has
    ``share``, the share it made, saying what it recorded (``share_incident``)."""
    if not accept and not reason.strip():
        raise DomainError("Say why you decline.", field="reason")
    decided = ShareProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED,
        decided_by=by,
        decided_at=timezone.now(),
        decision_reason="" if accept else reason.strip(),
    )
    proposal.refresh_from_db()
    if not decided:
        raise DomainError(decided_already(proposal))
    if accept and access.is_read_only(proposal.incident):
        # Declining shares nothing and is taken once closed; sharing is a change that waits for a re-open.
        raise DomainError(closed_to_sharing(proposal.incident))
    if accept:
        _both_still_in_the_region(proposal)
        given = basis_given(basis)
        proposal.share = incident_services.share_incident(
            incident=proposal.incident, partnership=proposal.partnership, by=by, request=request, **given
        )
        timeline_line = None
    else:
        timeline_line = f"Declined sharing with {proposal.partnership}: {proposal.decision_reason}"
    _recorded(proposal, proposal.status, by=by, request=request, timeline_line=timeline_line)
    return proposal


def _recorded(proposal, status, *, by, request, timeline_line: str | None = None) -> None:
    """A proposal decided or withdrawn: the status it took in the audit log of its incident's partnership,
    and ``timeline_line`` on the incident's timeline (accepting leaves none of its own: sharing the incident
    writes one)."""
    if timeline_line is not None:
        incident_services.log_change(incident=proposal.incident, by=by, text=timeline_line)
    record_updated(
        by=by, partnership=proposal.incident.partnership, target=proposal, request=request, status=status
    )


def _both_still_in_the_region(proposal) -> None:
    """Refuse to share the incident once either partnership has left the region that proposed it, as read now:
    a proposal made at the moment one left is missed by ``withdraw_proposals``, and must share nothing."""
    region_id = proposal.region_id
    left = (
        Partnership.objects.filter(pk__in=[proposal.incident.partnership_id, proposal.partnership_id])
        .exclude(region_id=region_id)
        .order_by("name")
        .first()
    )
    if left is not None:
        raise DomainError(
            f"{left} has left {proposal.region}, which proposed the sharing, so it cannot be accepted. "
            "Nothing was shared."
        )


def decided_already(proposal) -> str:
    """What someone deciding ``proposal`` after a colleague decided it is told: who decided, how and when (or,
    withdrawn as a partnership left the region, why)."""
    if proposal.status == ProposalStatus.WITHDRAWN:
        return f"This proposal was withdrawn: {proposal.decision_reason} Nothing you entered was saved."
    when = clock_time(proposal.decided_at, relative_to=timezone.now())
    return (
        f"This proposal was already {proposal.get_status_display().lower()} by "
        f"{proposal.decided_by or 'someone else'} at {when}. Nothing you entered was saved."
    )


@transaction.atomic
def withdraw_proposals(*, partnership, from_region, by, request=None) -> int:
    """The partnership left ``from_region`` (``partnerships.signals.partnership_moved``): that region's
    proposals still open to share one of its incidents, or to share an incident with it, are withdrawn, saying
    why, as the region proposed them between two of its partnerships; each on the incident's timeline and in
    its partnership's audit log, and its coordinators, who were asked to decide it, told. Returns how many."""
    open_ones = list(
        ShareProposal.objects.select_for_update(of=("self",))
        .filter(region=from_region, status=ProposalStatus.PROPOSED)
        .filter(Q(incident__partnership=partnership) | Q(partnership=partnership))
        .select_related("incident__partnership", "partnership")
        .order_by("pk")
    )
    why = f"{partnership} left {from_region}, which proposed the sharing."
    ShareProposal.objects.filter(pk__in=[proposal.pk for proposal in open_ones]).update(
        status=ProposalStatus.WITHDRAWN, decided_by=by, decided_at=timezone.now(), decision_reason=why
    )
    for proposal in open_ones:
        _recorded(
            proposal,
            ProposalStatus.WITHDRAWN,
            by=by,
            request=request,
            timeline_line=f"{from_region}'s proposal to share this incident with {proposal.partnership} was "
            f"withdrawn: {why}",
        )
        _tell_of_withdrawal(proposal, from_region=from_region, why=why)
    return len(open_ones)


def _tell_of_withdrawal(proposal, *, from_region, why: str) -> None:
    """The coordinators told of the proposal (``propose_share``) are told it was withdrawn: they need not
    decide it."""
    reference, partnership = proposal.incident.reference, proposal.partnership
    _tell_coordinators(
        proposal,
        kind="region_share_proposal_withdrawn",
        subject=f"{reference}: the proposal to share it with {partnership} was withdrawn",
        body=lambda link: (
            f"{from_region}'s proposal to share {reference} with {partnership} was withdrawn: {why}\n\n"
            f"There is nothing to decide. The incident: {link}\n"
        ),
    )


def on_partnership_moved(sender, signal, **moved) -> None:
    """``partnerships.signals.partnership_moved``'s receiver (connected in ``AppConfig.ready``): what the
    region kept with the partnership follows it (the fund's applications still waiting) or ends (the region's
    open proposals, and the incidents shared with it)."""
    fund_services.follow_the_partnership(**moved)
    if moved["from_region"] is not None:
        left = {key: moved[key] for key in ("partnership", "from_region", "by", "request")}
        withdraw_proposals(**left)
        stop_sharing_with_region_left(**left)


# --- Regional alerting ------------------------------------------------------------------------------------


def duty_contacts_of(region) -> list:
    """Who the region alerts: its members marked as duty contacts, still active."""
    return [
        membership.user
        for membership in RegionMembership.objects.filter(
            region=region, is_duty_contact=True, user__is_active=True
        ).select_related("user")
    ]


def alert_region(*, incident, why: str, dedupe: str, reveals: str | None = None):
    """Tell the region's duty contacts that a partnership of the region raised an alert or categorised an
    incident as serious violence: only what the region may see (reference, borough, and the types and status
    where shared), never the free text typed about it, not even of an incident shared with the region (its
    link leads to the region's page, where the reading is audited). ``reveals`` is the field the reason itself
    makes known (``serious_violence`` for a categorisation): a partnership that does not let its region see it
    sends no alert for that reason. Once per incident and reason; nothing for an exercise or a partnership
    outside any region."""
    partnership = incident.partnership
    region = partnership.region
    if region is None or incident.is_exercise:
        return None
    # Read as for an incident not shared with the region, whether or not it is: no free text in a message.
    fields = access.regional_fields(access.regional_categories_of(partnership), shared_with_region=False)
    if reveals is not None and reveals not in fields:
        return None
    borough = partnership.area or partnership.name
    lines = [f"{why}: {incident.reference}, {borough}."]
    if "incident_types" in fields:
        lines.append("Types: " + (", ".join(type_labels(incident.incident_types)) or "not given yet") + ".")
    if "status" in fields:
        lines.append(f"Status: {incident.get_status_display()}.")
    link = settings.SITE_URL + reverse("regions:incident", args=[region.slug, incident.pk])
    text = " ".join(lines)
    return messaging.send(
        kind="region_alert",
        subject=f"REGION {incident.reference} ({borough}): {why.lower()}"[:200],
        body=f"{text}\n\nThe region's board: {link}\n",
        sms_text=f"{text} {link}"[:480],
        recipients=[messaging.recipient_for_user(person) for person in duty_contacts_of(region)],
        urgency=Urgency.ALERT,
        partnership=partnership,
        incident=incident,
        dedupe_key=_region_alert_key(incident.pk, dedupe),
    )


def _region_alert_key(incident_id, dedupe: str) -> str:
    return f"region-alert:{incident_id}:{dedupe}"


def _withdraw_alert_raised(incident_id, *, because: str) -> None:
    messaging.withdraw(
        notification_ids=Notification.objects.filter(
            dedupe_key=_region_alert_key(incident_id, "raised")
        ).values_list("pk", flat=True),
        because=because,
    )


def withdraw_region_alert(*, alert) -> None:
    """An alert acknowledged: the texts and emails telling the region's duty contacts it was raised, still
    waiting for a try, are not sent, as the alert's own are not (``alerts.services.acknowledge``)."""
    _withdraw_alert_raised(alert.incident_id, because=alert_services.why_withdrawn(alert))


def withdraw_region_alert_at_closing(sender, *, incident, **kwargs) -> None:
    """``incidents.signals.incident_closed``: an incident closed before anyone acknowledged its alert, so the
    region's duty contacts' texts and emails still waiting are not sent either, as the alert's own are not
    (``alerts.services.withdraw_unacknowledged_alert``)."""
    if alert_services.unacknowledged_alert_of(incident) is not None:
        _withdraw_alert_raised(incident.pk, because=alert_services.why_withdrawn_at_closing(incident))


def on_event(*, event_type: str, partnership, payload: dict) -> None:
    """core.events subscriber (inside the change's transaction): an alert raised, or an incident categorised
    as serious violence, in a partnership of a region alerts the region; an alert acknowledged withdraws the
    region's alert still waiting (even if the partnership has left the region since)."""
    if event_type == events.ALERT_ACKNOWLEDGED:
        alert = Alert.objects.select_related("acknowledged_by").filter(pk=payload["alert"]["id"]).first()
        if alert is not None:
            withdraw_region_alert(alert=alert)
        return
    if partnership.region_id is None:
        return
    if event_type == events.ALERT_RAISED:
        why, dedupe, reveals = "Incident alert raised", "raised", None
    elif event_type == events.INCIDENT_CATEGORISED and payload["categorisation"]["serious_violence"]:
        why, dedupe, reveals = "Categorised as serious violence", "serious-violence", "serious_violence"
    else:
        return
    incident = (
        Incident.objects.select_related("partnership__region")
        .filter(pk=payload["incident"].get("id"))
        .first()
    )
    if incident is not None:
        alert_region(incident=incident, why=why, dedupe=dedupe, reveals=reveals)
