"""Reading the recovery calendar, always through the access rules."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Invitation
from svtoolkit.incidents.deadlines import Deadline
from svtoolkit.recovery.models import (
    CalendarFeed,
    Milestone,
    MilestoneKind,
)


def milestones_of(incident) -> QuerySet[Milestone]:
    return incident.milestones.select_related("created_by")


def milestone_on(incident, milestone_id) -> Milestone:
    return get_object_or_404(incident.milestones.select_related("incident"), pk=milestone_id)


# Dates set by a court or a coroner, as they become known: the plan shows them among the incident's deadlines.
COURT_KINDS = {
    MilestoneKind.INQUEST: "The coroner's inquest (Coroners and Justice Act 2009)",
    MilestoneKind.TRIAL: "The court's listing of the trial",
    MilestoneKind.COURT: "The court's listing",
}


def court_deadlines(incident) -> list[Deadline]:
    """The inquest, trial and court dates on the incident's recovery calendar, as deadlines with a source."""
    return [
        Deadline(
            key=f"milestone-{milestone.pk}",
            title=milestone.title,
            due_on=milestone.date,
            source=COURT_KINDS[milestone.kind],
            basis="",
        )
        for milestone in incident.milestones.filter(kind__in=COURT_KINDS)
    ]


def upcoming_for(user, partnership) -> QuerySet[Milestone]:
    """Milestones from today on, of the incidents this person may see in their current partnership."""
    return (
        Milestone.objects.filter(
            incident__in=access.visible_incidents(user, partnership), date__gte=timezone.localdate()
        )
        .select_related("incident")
        .order_by("date", "id")
    )


def feed_milestones(user) -> list[Milestone]:
    """Every milestone the person may see, across all their partnerships: what their calendar feed carries."""
    visible = set()
    for membership in access.memberships_of(user).values():
        visible |= set(access.visible_incidents(user, membership.partnership).values_list("pk", flat=True))
    return list(
        Milestone.objects.filter(incident_id__in=visible).select_related("incident").order_by("date", "id")
    )


def feed_owner(token: str):
    """The person whose live feed this secret opens, or None (unknown or revoked)."""
    feed = (
        CalendarFeed.objects.filter(token_hash=Invitation.hash_token(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed and feed.user.is_active else None


def has_live_feed(user) -> bool:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()
