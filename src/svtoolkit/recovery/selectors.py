"""Reading the recovery calendar, always through the access rules."""

from django.db.models import QuerySet
from django.utils import timezone

from svtoolkit import access
from svtoolkit.recovery.models import (
    CalendarFeed,
    Milestone,
)


def milestones_of(incident) -> QuerySet[Milestone]:
    return incident.milestones.select_related("created_by")


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
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed and feed.user.is_active else None


def has_live_feed(user) -> bool:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()
