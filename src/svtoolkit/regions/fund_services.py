"""Changing the critical-incident fund: applying, deciding, recording the spend, and the region's rules.

States: applied -> approved | part-approved | declined; approved or part-approved -> spend recorded; applied
-> withdrawn when the borough leaves every region. What a region grants for one incident, across all the
applications made to it, stays within its limit per incident.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit.alerts.selectors import coordinators_of
from svtoolkit.audit.services import record_created, record_updated
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_and_move_revision, update_if_unchanged
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.messaging import services as messaging
from svtoolkit.regions.fund_models import FundApplication, FundRules, FundStatus
from svtoolkit.regions.fund_selectors import rules_of

GRANTED = (FundStatus.APPROVED, FundStatus.PART_APPROVED, FundStatus.SPENT)
DECISIONS = {
    "approve": FundStatus.APPROVED,
    "part_approve": FundStatus.PART_APPROVED,
    "decline": FundStatus.DECLINED,
}

NO_DECISION = "Choose whether to approve, part-approve or decline."


def committed_for(incident, *, region, leaving_out=None) -> int:
    """Pounds ``region`` has granted for the incident, or that are asked of it and not yet decided: each
    region's limit counts its own fund only (not what another region granted before the borough moved)."""
    applications = FundApplication.objects.filter(incident=incident, region=region).exclude(
        pk=getattr(leaving_out, "pk", None)
    )
    granted = applications.filter(status__in=GRANTED).aggregate(total=Sum("amount_approved"))["total"] or 0
    waiting = (
        applications.filter(status=FundStatus.APPLIED).aggregate(total=Sum("amount_requested"))["total"] or 0
    )
    return granted + waiting


def _within_limit(rules, incident, amount, *, field, leaving_out=None) -> None:
    left = rules.limit_per_incident - committed_for(incident, region=rules.region, leaving_out=leaving_out)
    if amount > left:
        raise DomainError(
            f"The fund's limit is £{rules.limit_per_incident:,} for one incident and £{max(left, 0):,} of it "
            "is left for this one: enter an amount no more than that",
            field=field,
        )


@transaction.atomic
def apply(*, incident, partnership, by, amount_requested, purpose, pays_for, needed_by, request=None):
    """A partnership asks its region's fund for money for an incident, within the region's rules."""
    region = partnership.region
    if region is None:
        raise DomainError("Your partnership is not part of a region, so it has no fund to apply to")
    rules = rules_of(region)
    if not rules.is_open:
        raise DomainError(f"{region}'s fund is not taking applications at the moment")
    if amount_requested < 1:
        raise DomainError("Enter an amount of at least £1", field="amount_requested")
    if needed_by < timezone.localdate():
        raise DomainError("The date it is needed by must be today or in the future", field="needed_by")
    # One application for the incident at a time: two at once would each count without the other and
    # together ask for more than the limit.
    lock_incident(incident)
    _within_limit(rules, incident, amount_requested, field="amount_requested")
    application = FundApplication.objects.create(
        region=region,
        partnership=partnership,
        incident=incident,
        amount_requested=amount_requested,
        purpose=purpose,
        pays_for=pays_for.strip(),
        needed_by=needed_by,
        applied_by=by,
    )
    incident_services.log_change(
        incident=incident, by=by, text=f"Applied to {region}'s fund for £{amount_requested:,}."
    )
    record_created(by=by, target=application, request=request)
    return application


@transaction.atomic
def follow_the_partnership(*, partnership, from_region, to_region, by, request=None) -> int:
    """The partnership moved region (``partnerships.signals.partnership_moved``): its applications still
    waiting for a decision go to the new region's fund, which decides them under its own rules, or are
    withdrawn, saying why, when it left every region (its coordinators told, as of a decision); those decided
    stay with the region that decided them. Each is on its incident's timeline and audited. Returns how many
    moved or were withdrawn."""
    waiting = list(
        FundApplication.objects.select_for_update(of=("self",))
        .filter(partnership=partnership, region=from_region, status=FundStatus.APPLIED)
        .select_related("incident")
        .order_by("pk")
    )
    if to_region is None:
        changes = {
            "status": FundStatus.WITHDRAWN,
            "decision_reasons": f"Withdrawn: {partnership} left {from_region}, so no fund can decide it.",
            "decided_by": by,
            "decided_at": timezone.now(),
        }
        what = f"was withdrawn, as {partnership} left {from_region}"
        detail = {"status": FundStatus.WITHDRAWN, "left": str(from_region)}
    else:
        changes = {"region": to_region, "moved_from": from_region, "moved_at": timezone.now()}
        what = f"moved from {from_region}'s fund to {to_region}'s, as {partnership} moved region"
        detail = {"moved_from": str(from_region), "region": str(to_region)}
    update_and_move_revision(FundApplication.objects.filter(pk__in=[a.pk for a in waiting]), **changes)
    for application in waiting:
        text = f"The application for £{application.amount_requested:,} {what}."
        incident_services.log_change(incident=application.incident, by=by, text=text)
        record_updated(by=by, target=application, request=request, **detail)
        if to_region is None:
            application.refresh_from_db()
            _tell_coordinators(application)
    return len(waiting)


@transaction.atomic
def decide(*, application, by, decision, amount_approved=None, reasons="", expected_revision, request=None):
    """The region approves, part-approves (a smaller amount, with why) or declines (with reasons) an
    application; the applying partnership's coordinators are told through the delivery layer."""
    if application.status == FundStatus.WITHDRAWN:
        raise DomainError(f"This application was withdrawn. {application.decision_reasons}")
    if application.status != FundStatus.APPLIED:
        raise DomainError("This application has been decided already")
    status = DECISIONS.get(decision)
    if status is None:
        raise DomainError(NO_DECISION, field="decision")
    reasons = reasons.strip()
    if status == FundStatus.APPROVED:
        amount_approved = application.amount_requested
    elif status == FundStatus.DECLINED:
        amount_approved = None
        if not reasons:
            raise DomainError("Give the reasons for declining the application", field="reasons")
    else:
        if not amount_approved or amount_approved < 1:
            raise DomainError("Enter the amount approved", field="amount_approved")
        if amount_approved >= application.amount_requested:
            raise DomainError(
                f"A part-approval is less than the £{application.amount_requested:,} asked for: "
                "approve it in full instead",
                field="amount_approved",
            )
        if not reasons:
            raise DomainError("Say why less than the amount asked for is approved", field="reasons")
    if amount_approved:
        _within_limit(
            rules_of(application.region),
            application.incident,
            amount_approved,
            field="amount_approved" if status == FundStatus.PART_APPROVED else "decision",
            leaving_out=application,
        )
    now = timezone.now()
    update_if_unchanged(
        application,
        expected_revision=expected_revision,
        status=status,
        amount_approved=amount_approved,
        decision_reasons=reasons,
        decided_by=by,
        decided_at=now,
    )
    record_updated(
        by=by, target=application, request=request, decision=status, amount_approved=amount_approved
    )
    _tell_coordinators(application)
    return application


def _tell_coordinators(application) -> None:
    """The applying partnership's coordinators are told, through the delivery layer, how the application was
    decided, or that it was withdrawn and why."""
    withdrawn = application.status == FundStatus.WITHDRAWN
    link = settings.SITE_URL + reverse("fund:application", args=[application.pk])
    kind = "fund_withdrawal" if withdrawn else "fund_decision"
    messaging.send(
        kind=kind,
        subject=f"{application.get_status_display()}: your application to the fund for "
        f"{application.incident.reference}",
        body=render_to_string(
            f"regions/fund/email/{'withdrawal' if withdrawn else 'decision'}.txt",
            {"application": application, "link": link},
        ),
        recipients=[messaging.recipient_for_user(user) for user in coordinators_of(application.partnership)],
        partnership=application.partnership,
        incident=application.incident,
        dedupe_key=f"{kind.replace('_', '-')}:{application.pk}",
    )


@transaction.atomic
def record_spend(*, application, by, amount_spent, outcome, outcome_note="", expected_revision, request=None):
    """After the money is spent: how much, and whether it achieved what it was for."""
    if application.status not in (FundStatus.APPROVED, FundStatus.PART_APPROVED):
        raise DomainError("Only an approved application's spending can be recorded, and only once")
    if amount_spent > application.amount_approved:
        raise DomainError(
            f"The region approved £{application.amount_approved:,}: the amount spent cannot be more",
            field="amount_spent",
        )
    update_if_unchanged(
        application,
        expected_revision=expected_revision,
        status=FundStatus.SPENT,
        amount_spent=amount_spent,
        outcome=outcome,
        outcome_note=outcome_note.strip(),
        spend_recorded_by=by,
        spend_recorded_at=timezone.now(),
    )
    incident_services.log_change(
        incident=application.incident, by=by, text=f"Recorded £{amount_spent:,} spent from the region's fund."
    )
    record_updated(by=by, target=application, request=request, amount_spent=amount_spent, outcome=outcome)
    return application


@transaction.atomic
def set_rules(*, region, by, limit_per_incident, is_open, guidance="", expected_revision=None, request=None):
    """A regional coordinator sets the fund's limit per incident, whether it is open, and its guidance."""
    if limit_per_incident < 1:
        raise DomainError("Enter a limit of at least £1", field="limit_per_incident")
    changes = {"limit_per_incident": limit_per_incident, "is_open": is_open, "guidance": guidance.strip()}
    # Two first saves at once: the second finds the first's rules and meets the conflict, as a later save from
    # a page opened before the first would.
    rules, created = FundRules.objects.get_or_create(region=region, defaults={"updated_by": by, **changes})
    if not created:
        update_if_unchanged(rules, expected_revision=expected_revision, updated_by=by, **changes)
    record_updated(
        by=by, target=rules, request=request, limit_per_incident=limit_per_incident, is_open=is_open
    )
    return rules
