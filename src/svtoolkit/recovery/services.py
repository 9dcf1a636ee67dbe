"""The recovery calendar: anniversaries the lead confirms, court dates, reviews and events; personal feeds."""

import secrets
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from svtoolkit.accounts.models import Invitation
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_created
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import services as incident_services
from svtoolkit.recovery.models import (
    CalendarFeed,
    Milestone,
    MilestoneKind,
)

ANNIVERSARIES = [
    ("One month on", relativedelta(months=1)),
    ("Six months on", relativedelta(months=6)),
    ("One year on", relativedelta(years=1)),
]


@dataclass(frozen=True)
class ProposedAnniversary:
    title: str
    date: date
    index: int  # its place in ANNIVERSARIES, which confirming it names: the same whatever is confirmed


def _anniversaries(incident) -> list[ProposedAnniversary]:
    happened = timezone.localtime(incident.occurred_at).date()
    return [
        ProposedAnniversary(title, happened + step, index)
        for index, (title, step) in enumerate(ANNIVERSARIES)
    ]


def proposed_anniversaries(incident) -> list[ProposedAnniversary]:
    """One month, six months and one year after the incident, less those already confirmed (on its day, or
    under its title: an anniversary moved to another day is still the one confirmed)."""
    confirmed = set()
    for title, day in incident.milestones.filter(kind=MilestoneKind.ANNIVERSARY).values_list("title", "date"):
        confirmed |= {title, day}
    return [
        proposal
        for proposal in _anniversaries(incident)
        if proposal.date not in confirmed and proposal.title not in confirmed
    ]


@transaction.atomic
def add_milestone(*, incident, by, kind, title, date, notes="", request=None) -> Milestone:
    milestone = Milestone.objects.create(
        incident=incident, kind=kind, title=title.strip(), date=date, notes=notes.strip(), created_by=by
    )
    incident_services.log_change(
        incident=incident,
        by=by,
        text=f"On the recovery calendar: {milestone.title}, {milestone.date:%d %B %Y}.",
    )
    incident_services.audit(
        incident=incident, by=by, action=AuditAction.CREATE, target=milestone, request=request
    )
    return milestone


@transaction.atomic
def change_milestone(
    *, milestone, by, expected_revision: int, kind, title, date, notes="", request=None
) -> Milestone:
    """Change a date on the recovery calendar (a trial moved, say); refused if someone changed it meanwhile.
    A date moved is reminded of again, a week before the new day."""
    before = milestone.date
    update_if_unchanged(
        milestone,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this date while you were editing it.",
        kind=kind,
        title=title.strip(),
        date=date,
        notes=notes.strip(),
        changed_at=timezone.now(),
        # Only a moved date touches the reminder: the reminder marks itself sent without a new revision, so
        # the mark this request read may be out of date, and writing it back would remind again.
        **({"reminded_on": None} if date != before else {}),
    )
    incident_services.log_change(
        incident=milestone.incident,
        by=by,
        text=(
            f"On the recovery calendar: {milestone.title} moved from {before:%d %B %Y} to {date:%d %B %Y}."
            if date != before
            else f"On the recovery calendar: {milestone.title}, {date:%d %B %Y}, changed."
        ),
    )
    incident_services.audit(
        incident=milestone.incident, by=by, action=AuditAction.UPDATE, target=milestone, request=request
    )
    return milestone


# Said to whoever answers a page about a date removed since they opened it.
MILESTONE_GONE = "Someone else took this date off the calendar meanwhile."


@transaction.atomic
def remove_milestone(*, milestone, by, expected_revision: int | None, request=None) -> None:
    """Take a date off the recovery calendar (put there by mistake, or no longer happening): it leaves the
    calendars and feeds and is not reminded of; the timeline and the audit log keep what it was. Refused if
    someone changed it since the question was asked about it (they may have moved it rather than ended it):
    compare and delete, as ``save_if_unchanged`` compares and sets."""
    deleted, _ = Milestone.objects.filter(pk=milestone.pk, revision=expected_revision).delete()
    if not deleted:
        current = Milestone.objects.filter(pk=milestone.pk).values_list("revision", flat=True).first()
        if current is None:
            raise DomainError(MILESTONE_GONE)
        raise EditConflict(
            "Someone else changed this date while you were deciding to remove it.", current_revision=current
        )
    # What was removed is the date as the question showed it: its revision was the one stored.
    incident_services.log_change(
        incident=milestone.incident,
        by=by,
        text=f"Taken off the recovery calendar: {milestone.title}, {milestone.date:%d %B %Y}.",
    )
    incident_services.audit(
        incident=milestone.incident, by=by, action=AuditAction.DELETE, target=milestone, request=request
    )


@transaction.atomic
def confirm_anniversary(*, incident, by, index: int, request=None) -> Milestone:
    """The lead confirms one of the proposed anniversaries (``ProposedAnniversary.index``: its place in
    ANNIVERSARIES, so a page opened before another was confirmed still confirms the one it showed).

    The incident is locked first, so of two confirmations at once the second finds it confirmed."""
    incident_services.locked_incidents().only("pk").get(pk=incident.pk)
    proposal = next(
        (proposal for proposal in proposed_anniversaries(incident) if proposal.index == index), None
    )
    if proposal is None:
        raise DomainError("That anniversary is no longer proposed: it may have been confirmed already.")
    return add_milestone(
        incident=incident,
        by=by,
        kind=MilestoneKind.ANNIVERSARY,
        title=proposal.title,
        date=proposal.date,
        request=request,
    )


@transaction.atomic
def issue_feed(*, user, request=None) -> str:
    """A new secret feed link for the person (any earlier one stops working); the secret is shown once."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=Invitation.hash_token(token))
    record_created(by=user, target=feed, request=request)
    return token


@transaction.atomic
def revoke_feeds(*, user, request=None) -> int:
    revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(action=AuditAction.DELETE, actor=user, detail={"what": "calendar feed"}, request=request)
    return revoked
