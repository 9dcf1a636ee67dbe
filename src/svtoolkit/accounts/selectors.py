"""Reading people, memberships and invitations."""

from django.db.models import F, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts.models import Invitation, Membership

# Set at single sign-on when the identity provider reports multi-factor authentication and the partnership
# accepts it in place of svtoolkit's own second factor.
IDENTITY_PROVIDER_MFA_SESSION_KEY = "svt_idp_mfa"


def second_factor_passed(request) -> bool:
    """This sign-in passed a second factor: svtoolkit's own, or the identity provider's where accepted."""
    return request.user.is_verified() or bool(request.session.get(IDENTITY_PROVIDER_MFA_SESSION_KEY))


def has_confirmed_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required_for(user) -> bool:
    """True when any partnership the person belongs to requires two-factor sign-in."""
    return Membership.objects.filter(user=user, partnership__require_two_factor=True).exists()


def lacks_required_second_factor(user) -> bool:
    """A partnership of theirs requires two-factor sign-in and they have no authenticator of svtoolkit's own.

    What a personal API token asks of its owner: a token carries no sign-in, so an identity provider's
    multi-factor authentication, which counts for one sign-in only, cannot stand in for it.
    """
    return two_factor_required_for(user) and not has_confirmed_authenticator(user)


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def members_of(partnership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(partnership=partnership)
        .select_related("user", "organisation")
        .order_by("user__full_name", "user__email")
    )


def membership_in(partnership, membership_id) -> Membership:
    """One membership of this partnership; another partnership's id is not found (404)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(members_of(partnership), pk=membership_id)


def _pending() -> QuerySet[Invitation]:
    """Invitations not yet accepted, withdrawn or expired (as ``Invitation.is_pending`` has it)."""
    from django.utils import timezone

    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def pending_invitations(partnership) -> QuerySet[Invitation]:
    return _pending().filter(partnership=partnership).select_related("organisation", "invited_by")


def pending_invitations_for(email, *, partnerships) -> QuerySet[Invitation]:
    """The pending invitations sent to ``email`` by any of ``partnerships``, the newest first."""
    return _pending().filter(email=email, partnership__in=partnerships).order_by("-created_at")


def holding_token(queryset: QuerySet, token: str, *, field: str = "token_hash"):
    """The row of ``queryset`` whose secret link token this is (stored hashed in ``field``, as an
    invitation's is), or None: for no token, or one nobody holds."""
    if not token:
        return None
    return queryset.filter(**{field: Invitation.hash_token(token)}).first()


def invitation_by_token(token: str) -> Invitation | None:
    return holding_token(Invitation.objects.select_related("partnership", "organisation"), token)


def invitation_in(partnership, invitation_id) -> Invitation:
    """One of the partnership's invitations, pending or not: one accepted or withdrawn since a page listed it
    is for the service to say what became of it."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Invitation.objects.filter(partnership=partnership), pk=invitation_id)


def account_exists(email: str) -> bool:
    from svtoolkit.accounts.models import User

    return User.objects.filter(email=email).exists()


def members_without_authenticator(partnership) -> QuerySet[Membership]:
    """Members who have not yet set up two-factor sign-in (they will be asked to at their next sign-in); not
    those whose accounts are switched off, who cannot sign in to do so."""
    confirmed = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return members_of(partnership).filter(user__is_active=True).exclude(user_id__in=confirmed)


def coordinator_home_section(*, user, partnership) -> dict | None:
    """Home-page section for coordinators: invitations not yet accepted, members still without two-factor."""
    from svtoolkit import access

    if not access.can_manage_members(user, partnership):
        return None
    return {
        "pending_invitations": list(pending_invitations(partnership)),
        "members_without_two_factor": (
            list(members_without_authenticator(partnership)) if partnership.require_two_factor else []
        ),
    }


# What a person's name as shown reads (User.__str__): a list of people shown by name reads only these columns
# (core.forms.model_choice_field's ``labelled_by``).
PERSON_LABEL_COLUMNS = ("full_name", "email")


def member_users(partnership) -> QuerySet:
    """The active people of a partnership, for choosing an owner, chair, lead officer or contact."""
    from svtoolkit.accounts.models import User

    return User.objects.filter(memberships__partnership=partnership, is_active=True).order_by(
        "full_name", "email"
    )


def people_acting_for(organisation_ids) -> QuerySet:
    """The active people who act for these organisations, each in the organisation's own partnership (any role
    but viewer): those who may sign off, say, for an approver organisation, which may be of a partnership the
    incident is shared with."""
    from svtoolkit.accounts.models import Role, User

    return User.objects.filter(
        is_active=True,
        memberships__in=Membership.objects.filter(
            organisation_id__in=organisation_ids, partnership=F("organisation__partnership")
        ).exclude(role=Role.VIEWER),
    ).order_by("full_name", "email")


def sign_in_domains_open_to(*, provider: str, domain: str) -> list:
    """The partnerships' rules that let people of this email domain sign in with this identity provider."""
    from svtoolkit.accounts.models import SignInDomain

    return [
        rule
        for rule in SignInDomain.objects.filter(domain=domain, partnership__is_active=True).select_related(
            "partnership"
        )
        if provider in rule.partnership.sso_providers
    ]


def sign_in_domains_of(partnership) -> QuerySet:
    from svtoolkit.accounts.models import SignInDomain

    return SignInDomain.objects.filter(partnership=partnership)
