"""What every request needs to know about the person signed in, read from the database once per change.

Every page asks who the person is in each partnership and region, and which authenticator verified them. Those
change rarely, so they are kept in the cache under the person's ``access_version``, which comes with the user
row that every request reads anyway. Any change to them (a membership, a regional role, a partnership, region
or organisation, an authenticator) moves the version in the same transaction (a save or a delete through the
receivers, an update or a bulk write through the models' ``AccessQuerySet``), so the next request misses the
cache and reads them afresh: a change is never seen late.
"""

import contextlib
import functools
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts.models import Membership, forget_access_of
from svtoolkit.core.cache import OUTAGE_ERRORS

# Long enough to serve a working day; the version in the key, not the timeout, keeps the entries right.
CACHE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class Principal:
    memberships: dict  # partnership id -> Membership, with its partnership and organisation
    region_memberships: dict  # region id -> partnerships.RegionMembership, with its region
    devices: dict  # persistent id -> confirmed django-otp device

    @property
    def has_authenticator_app(self) -> bool:
        """A confirmed authenticator app: once they have one, a password alone never gets them in."""
        return any(isinstance(device, TOTPDevice) for device in self.devices.values())

    @property
    def two_factor_required(self) -> bool:
        """A partnership of theirs requires two-factor sign-in."""
        return any(membership.partnership.require_two_factor for membership in self.memberships.values())


def principal_of(user) -> Principal:
    """The person's memberships, regional roles and authenticators: once per request, and from the cache
    while nothing about them has changed."""
    principal = getattr(user, "_svt_principal", None)
    if principal is None:
        key = f"svt:principal:{user.pk}:{user.access_version}:{_identity(user)}"
        principal = _cached(key)
        if principal is None:
            principal = _load(user)
            _keep(key, principal)
        user._svt_principal = principal
    return principal


def _identity(user) -> str:
    """Who this row is, beyond its id: another database sharing the cache (a test run, a benchmark, a
    re-seeded demo) has people with the same ids and versions, whose memberships must never be taken for
    these. The password's stored hash carries a random salt made when it was set."""
    row = f"{user.email}|{user.date_joined.isoformat()}|{user.password}"
    return hashlib.sha256(row.encode()).hexdigest()[:16]


def _cached(key):
    try:
        return cache.get(key)
    except OUTAGE_ERRORS:  # Redis is down: the database still answers
        return None


def _keep(key, principal):
    with contextlib.suppress(*OUTAGE_ERRORS):
        cache.set(key, principal, CACHE_SECONDS)


def _load(user) -> Principal:
    memberships = Membership.objects.filter(user=user, partnership__is_active=True).select_related(
        "partnership", "organisation"
    )
    return Principal(
        memberships={m.partnership_id: m for m in memberships},
        region_memberships={m.region_id: m for m in user.region_memberships.select_related("region")},
        devices={device.persistent_id: device for device in devices_for_user(user, confirmed=True)},
    )


def forget_access_of_members(**membership_filter) -> None:
    """As ``forget_access_of``, for everyone with a membership matching the filter (``partnership=p``)."""
    forget_access_of(Membership.objects.filter(**membership_filter).values_list("user_id", flat=True))


def skipping_restores(receiver):
    """For a receiver of post_save and post_delete that forgets access: a restore or a fixture (a raw save)
    writes the rows as they were, access versions included, so it moves no version."""

    @functools.wraps(receiver)
    def unless_raw(sender, instance, raw=False, **kwargs):
        if not raw:
            receiver(sender, instance, **kwargs)

    return unless_raw
