"""Changing people, memberships, invitations and authenticators. Each change is audited."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit import access
from svtoolkit.accounts.models import Invitation, Membership, Role, User, normalise_email
from svtoolkit.accounts.signals import member_removed, membership_changed
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import (
    record,
    record_counted,
    record_created,
    record_deleted,
    record_settings_changed,
    record_updated,
)
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import hold_row, update_if_unchanged


@transaction.atomic
def invite_member(
    *, partnership, email, full_name, role, organisation, invited_by, request=None
) -> Invitation:
    """Create an invitation and queue its email with a link to join, in one transaction. Invitations to one
    partnership are made one at a time (its row held until the commit), so two coordinators inviting the same
    address at once leave one working invitation: the later finds the earlier pending, and replaces it."""
    hold_row(partnership)
    email = normalise_email(email)
    if Membership.objects.filter(partnership=partnership, user__email=email).exists():
        raise DomainError(f"{email} is already a member of {partnership}.", field="email")
    _check_partner_has_organisation(role=role, organisation=organisation)
    # Locked, and read again once free: one accepted meanwhile is not withdrawn under its new member.
    replaced = list(
        Invitation.objects.select_for_update().filter(
            partnership=partnership, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        )
    )
    # The link's secret exists only in the email: the invitation keeps its hash, and the stored message drops
    # it once sent.
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        partnership=partnership,
        email=email,
        full_name=full_name.strip(),
        role=role,
        organisation=organisation,
        invited_by=invited_by,
        token_hash=Invitation.hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record_created(by=invited_by, target=invitation, request=request, role=role, email=email)
    # A newer invitation replaces any still pending for the same address: withdrawn by whoever sent it, as a
    # coordinator withdraws one, the entry naming the invitation that replaced it.
    for old in replaced:
        _withdraw(old, by=invited_by, request=request, replaced_by=invitation.pk)
    _send_invitation(invitation, token=token)
    return invitation


def _send_invitation(invitation, *, token) -> None:
    from svtoolkit.messaging import services as messaging

    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("accounts:accept_invitation", args=[token]),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    messaging.send(
        kind="invitation",
        subject=f"You are invited to join {invitation.partnership} on svtoolkit",
        body=render_to_string("accounts/email/invitation.txt", context),
        # By email whatever the person's choices: the address is who the invitation is for.
        recipients=[messaging.Recipient(label=invitation.email, email=invitation.email)],
        partnership=invitation.partnership,
        dedupe_key=f"invitation:{invitation.pk}",
        secret=token,
    )


@transaction.atomic
def send_password_reset(*, user, subject, body, token) -> None:
    """Queue a password-reset link. It goes by email whatever the person's choices (the address is how the
    account is proven), and its token is dropped from the stored message once sent."""
    from svtoolkit.messaging import services as messaging

    messaging.send(
        kind="password_reset",
        subject=subject,
        body=body,
        recipients=[messaging.Recipient(label=user.full_name or user.email, email=user.email)],
        secret=token,
    )


@transaction.atomic
def accept_invitation(*, invitation, full_name="", password=None, existing_user=None, request=None) -> User:
    """Turn a pending invitation into a membership, creating the account if the person is new. Someone who
    joined meanwhile as a viewer is given the invitation's role."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise DomainError(
            "This invitation has expired or has already been used. Ask your coordinator for a new one."
        )
    if not access.invitation_still_stands(invitation):
        raise DomainError(
            "The person who sent this invitation no longer manages the partnership's members. Ask a "
            "coordinator for a new one."
        )
    if existing_user is not None:
        if existing_user.email != invitation.email:
            raise DomainError(f"This invitation is for {invitation.email}. Sign out and open the link again.")
        user = existing_user
    else:
        if User.objects.filter(email=invitation.email).exists():
            raise DomainError("An account with this email address already exists. Sign in to accept.")
        user = _new_account(
            invitation.email,
            password=password,
            full_name=full_name.strip() or invitation.full_name,
            partnership=invitation.partnership,
            request=request,
        )
        if user is None:
            raise DomainError(
                "An account with this email address was made a moment ago (another invitation may have been "
                "accepted). Sign in to accept."
            )
    membership, joined = Membership.objects.get_or_create(
        user=user,
        partnership=invitation.partnership,
        defaults={"role": invitation.role, "organisation": invitation.organisation},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if joined:
        _record_joined(membership, via="invitation", request=request)
    elif membership.role == Role.VIEWER and invitation.role != Role.VIEWER:
        # Joined meanwhile as a viewer (single sign-on's self-registration, while the invitation could not be
        # used): the invitation gives the role its sender chose, as a change of role in their name.
        change_membership(
            membership=membership,
            role=invitation.role,
            organisation=invitation.organisation,
            expected_revision=membership.revision,
            by=invitation.invited_by,
            request=request,
        )
    return user


def _new_account(email, *, password, full_name, partnership, request) -> User | None:
    """A new account for ``email``, audited, or None if one was made for it since this request looked (two
    invitations accepted, or a first single sign-on, at the same moment): the address is unique, and the
    second must not meet the database's refusal as an error page."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
    except IntegrityError:
        if User.objects.filter(email=email).exists():
            return None
        raise
    record_created(by=user, partnership=partnership, target=user, request=request)
    return user


def _record_joined(membership, *, via: str, request, **detail) -> None:
    """The entry for someone joining a partnership (``via`` an invitation, or self-registration), in their
    own name, with the role they joined as."""
    record_created(
        by=membership.user, target=membership, request=request, role=membership.role, via=via, **detail
    )


@transaction.atomic
def revoke_invitation(*, invitation, by, request=None) -> None:
    """Withdraw a pending invitation; its link stops working. Locked and checked again, as accepting it is:
    one accepted or withdrawn since the page was opened is refused, saying what became of it."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(
            f"{invitation.email} has already accepted the invitation and joined the partnership. To take "
            "them out, remove their membership."
        )
    if invitation.revoked_at is not None:
        raise DomainError(f"The invitation to {invitation.email} has already been withdrawn.")
    _withdraw(invitation, by=by, request=request)


def _withdraw(invitation, *, by, request, **detail) -> None:
    """Stop a pending invitation's link working, audited as withdrawn by ``by``."""
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_deleted(by=by, target=invitation, request=request, **detail)


def _check_partner_has_organisation(*, role, organisation) -> None:
    """A partner sees the incidents their organisation takes part in, so a partner always has one."""
    if role == Role.PARTNER and organisation is None:
        raise DomainError("Choose the organisation a partner represents.", field="organisation")


def check_keeps_a_coordinator(membership, *, field: str | None = None) -> None:
    """Refuse to take the coordinator role from ``membership`` (its role changed, the member removed or their
    account switched off: here or in the Django admin) if no other coordinator of the partnership can sign in
    (one whose account is switched off manages nobody)."""
    if membership.role != Role.COORDINATOR:
        return
    # The coordinators are locked while counted: two coordinators taking the role from each other at once
    # would otherwise both count the other and leave the partnership with none.
    coordinators = list(
        Membership.objects.select_for_update()
        .filter(partnership=membership.partnership_id, role=Role.COORDINATOR)
        .values_list("pk", flat=True)
    )
    others = Membership.objects.filter(pk__in=coordinators, user__is_active=True).exclude(pk=membership.pk)
    if not others.exists():
        raise DomainError(
            "A partnership needs at least one coordinator who can sign in. Make someone else coordinator "
            "first.",
            field=field,
        )


@transaction.atomic
def change_membership(
    *, membership, role, organisation, expected_revision: int | None, by, request=None
) -> Membership:
    """Change a member's role or organisation; a partnership always keeps at least one coordinator who can
    sign in. Compare-and-set on the membership's revision, so two coordinators changing one member at once
    never overwrite each other. They leave the need-to-know lists of incidents they no longer see (the
    incidents app does that on ``membership_changed``)."""
    if role != Role.COORDINATOR:
        check_keeps_a_coordinator(membership, field="role")
    _check_partner_has_organisation(role=role, organisation=organisation)
    before = {"role": membership.role, "organisation": membership.organisation_id}
    update_if_unchanged(
        membership,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this membership while you were editing it.",
        role=role,
        organisation=organisation,
    )
    record_updated(
        by=by,
        target=membership,
        request=request,
        before=before,
        after={"role": role, "organisation": getattr(organisation, "pk", None)},
    )
    membership_changed.send(sender=Membership, membership=membership, by=by, request=request)
    return membership


@transaction.atomic
def remove_member(*, membership, by, request=None) -> None:
    """Take someone out of the partnership; they also leave the need-to-know lists its membership gave them
    (the incidents app does that on ``member_removed``), so being invited back does not reopen them."""
    check_keeps_a_coordinator(membership)
    record_deleted(
        by=by, target=membership, request=request, email=membership.user.email, role=membership.role
    )
    member_removed.send(sender=Membership, membership=membership, by=by, request=request)
    membership.delete()


def start_authenticator_setup(*, user) -> TOTPDevice:
    """An unconfirmed authenticator for the person to scan; it counts once a code from it is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_authenticator(*, device, token, request=None) -> bool:
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_created(by=device.user, target=device, request=request, what="authenticator")
    return True


@transaction.atomic
def remove_authenticator(*, user, request=None) -> None:
    """Turn two-factor sign-in off: the authenticator goes, and the backup codes with it."""
    from svtoolkit.accounts.selectors import two_factor_required_for

    if two_factor_required_for(user):
        raise DomainError(
            "Your partnership requires two-factor sign-in, so your authenticator cannot be removed."
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(action=AuditAction.DELETE, actor=user, detail={"what": "authenticator"}, request=request)


BACKUP_CODE_COUNT = 10


@transaction.atomic
def generate_backup_codes(*, user, request=None) -> list[str]:
    """Ten new single-use backup codes, replacing any the person had; returned once, to be shown once.

    They stand in for the authenticator app when it is lost, so only someone who has one can make them.
    """
    from svtoolkit.accounts.selectors import has_confirmed_authenticator

    if not has_confirmed_authenticator(user):
        raise DomainError("Set up an authenticator app first: backup codes stand in for it when it is lost.")
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    record_created(by=user, target=device, request=request, what="backup codes", count=len(codes))
    return codes


@transaction.atomic
def verify_second_factor(*, user, code, request=None):
    """The device that accepts ``code`` (the authenticator app, or the backup codes, whose code is then used
    up), or None. Wrong codes and every use of a backup code are audited."""
    # Two requests racing with one backup code: the second waits here, then no longer finds the code.
    list(StaticDevice.objects.select_for_update().filter(user=user))
    device = match_token(user, code)
    if device is None:
        record(action=AuditAction.SIGN_IN_FAILED, actor=user, detail={"step": "two-factor"}, request=request)
    elif isinstance(device, StaticDevice):
        record(
            action=AuditAction.SIGN_IN,
            actor=user,
            target=device,
            detail={"step": "two-factor", "with": "backup code", "codes_left": device.token_set.count()},
            request=request,
        )
    return device


def save_partnership_settings(
    partnership, *, expected_revision: int | None, revision_field: str, conflict_message: str, **changes
) -> None:
    """Save one settings page of the partnership, compare-and-set on that page's own revision (see
    ``Partnership.REVISION_GUARDS``); the members' next requests read the change (AccessQuerySet)."""
    update_if_unchanged(
        partnership,
        expected_revision=expected_revision,
        revision_field=revision_field,
        conflict_message=conflict_message,
        **changes,
    )


def _refuse_without_second_factor(second_factor_passed: bool, *, field=None) -> None:
    """A password alone must not be able to weaken, or set, the rules that guard everyone's sign-in."""
    if not second_factor_passed:
        raise DomainError(
            "Use two-factor sign-in yourself before you change how your partnership's members sign in.",
            field=field,
        )


@transaction.atomic
def update_partnership_security(
    *,
    partnership,
    require_two_factor: bool,
    expected_revision: int | None,
    by,
    second_factor_passed: bool,
    request=None,
):
    """Change how the partnership's members sign in. Only a coordinator who has passed a second factor in
    this sign-in may: a password alone must not be able to weaken, or set, the rule that guards everyone.
    Compare-and-set on the partnership's ``two_factor_revision``, so two coordinators saving it at once
    never overwrite each other."""
    _refuse_without_second_factor(second_factor_passed, field="require_two_factor")
    save_partnership_settings(
        partnership,
        expected_revision=expected_revision,
        revision_field="two_factor_revision",
        conflict_message="Someone else changed the two-factor sign-in setting while you were editing it.",
        require_two_factor=require_two_factor,
    )
    record_settings_changed(
        partnership=partnership, by=by, request=request, require_two_factor=require_two_factor
    )


@transaction.atomic
def set_contact_preferences(
    *, user, mobile_number, receive_email, receive_sms, quiet_from, quiet_until, request=None
) -> None:
    """Record how the person wants to be reached (svtoolkit.messaging reads these on every message)."""
    user.mobile_number = mobile_number
    user.receive_email = receive_email
    user.receive_sms = receive_sms
    user.quiet_from = quiet_from
    user.quiet_until = quiet_until
    user.save(update_fields=["mobile_number", "receive_email", "receive_sms", "quiet_from", "quiet_until"])
    record_updated(by=user, target=user, request=request, contact_preferences=True)


# --- Single sign-on (the protocol is in accounts/sso.py) ------------------------------------------------


class SignInRefused(DomainError):
    """A single sign-on the partnerships' rules do not allow; ``reason`` names the rule for the audit log and
    the refusal page. The one app error class (see ``core.errors``): the refusal comes back through
    mozilla-django-oidc's sign-in, not a form or the API, and ``sso.CallbackView`` needs the reason, not
    the message, to choose what the person is shown."""

    def __init__(self, message, *, reason):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class IdentityProviderSignIn:
    user: User
    partnership_ids: list
    mfa_accepted: bool


def sign_in_with_identity_provider(*, provider, claims, request=None) -> IdentityProviderSignIn:
    """Map a provider's verified email address onto an invited account: a member, a pending invitation,
    or (where a coordinator allows it for the domain) a new viewer. Anything else is refused; both are
    audited."""
    email = normalise_email(str(claims.get("email") or ""))
    try:
        return _sign_in_with_identity_provider(provider=provider, email=email, claims=claims, request=request)
    except SignInRefused as refusal:
        record_refused_sign_in(provider=provider, reason=refusal.reason, email=email, request=request)
        raise


@transaction.atomic
def _sign_in_with_identity_provider(*, provider, email, claims, request) -> IdentityProviderSignIn:
    from svtoolkit.accounts.selectors import pending_invitations_for, sign_in_domains_open_to

    if "@" not in email:
        raise SignInRefused("The identity provider did not give an email address.", reason="no_email")
    if len(email) > User._meta.get_field("email").max_length or not email.isprintable():
        # Longer than an address can be, or with a character no address has: no account could keep it.
        raise SignInRefused(
            "The identity provider gave an email address that cannot be used.", reason="unusable_email"
        )
    if not provider.email_verified(claims):
        raise SignInRefused("The identity provider has not verified this email address.", reason="unverified")
    rules = sign_in_domains_open_to(provider=provider.slug, domain=email.rpartition("@")[2])
    if not rules:
        raise SignInRefused(
            "No partnership lets this email domain sign in here.", reason="domain_not_allowed"
        )
    open_to = [rule.partnership for rule in rules]
    user = User.objects.filter(email=email).first()
    if user is not None and not user.is_active:
        raise SignInRefused("This account has been switched off.", reason="account_switched_off")

    joined = set(
        Membership.objects.filter(user=user, partnership__in=open_to).values_list("partnership", flat=True)
    )
    # Every pending invitation to a partnership open to this provider and domain is accepted, a member's of
    # another partnership too: the provider has verified the address it was sent to.
    for invitation in pending_invitations_for(email, partnerships=open_to).exclude(partnership__in=joined):
        if invitation.partnership_id not in joined and access.invitation_still_stands(invitation):
            user = user or _account_signing_on(
                email,
                claims=claims,
                partnership=invitation.partnership,
                fallback=invitation.full_name,
                request=request,
            )
            try:
                accept_invitation(invitation=invitation, existing_user=user, request=request)
            except DomainError:
                # Used or withdrawn since it was read: by this person signing on twice at once, it joined.
                if not Membership.objects.filter(user=user, partnership=invitation.partnership).exists():
                    continue
            joined.add(invitation.partnership_id)
    # Joining without an invitation is only for someone no partnership open to them has let in.
    if not joined:
        for rule in rules:
            if rule.self_registration:
                user = user or _account_signing_on(
                    email, claims=claims, partnership=rule.partnership, request=request
                )
                _join_by_self_registration(user=user, rule=rule, provider=provider, request=request)
                joined.add(rule.partnership_id)
    if not joined:
        raise SignInRefused("This email address has not been invited.", reason="not_invited")

    partnerships = [p for p in open_to if p.pk in joined]
    accepted = provider.reports_mfa(claims) and all(p.accept_identity_provider_mfa for p in partnerships)
    return IdentityProviderSignIn(user=user, partnership_ids=sorted(joined), mfa_accepted=accepted)


def _account_signing_on(email, *, claims, partnership, fallback="", request=None) -> User:
    """The account for a first single sign-on: made now, or, if another request made it a moment ago (an
    invitation accepted, or the same person signing on twice), that one, as the provider has verified the
    address is theirs. The provider's name for them is cut to what an account keeps (it may hold more)."""
    longest = User._meta.get_field("full_name").max_length
    full_name = _one_line(str(claims.get("name") or ""))[:longest].strip() or fallback
    user = _new_account(email, password=None, full_name=full_name, partnership=partnership, request=request)
    if user is None:
        user = User.objects.get(email=email)
        if not user.is_active:
            raise SignInRefused("This account has been switched off.", reason="account_switched_off")
    return user


def _one_line(name: str) -> str:
    """A name as one line: its control characters (a NUL, which PostgreSQL cannot keep, or a line break) and
    runs of spaces made one space."""
    return " ".join("".join(char if char.isprintable() else " " for char in name).split())


def _join_by_self_registration(*, user, rule, provider, request) -> None:
    # The lowest-privilege role: a coordinator gives more once they know who this is. The same person signing
    # on twice at once joins once.
    membership, created = Membership.objects.get_or_create(
        user=user, partnership=rule.partnership, defaults={"role": Role.VIEWER}
    )
    if not created:
        return
    _record_joined(
        membership, via="self-registration", request=request, provider=provider.slug, domain=rule.domain
    )


def record_refused_sign_in(*, provider, reason, email, request=None) -> None:
    """Audit a single sign-on that did not sign anyone in, and why. One refused before the provider named
    anyone (cancelled, an answer not for this session, the provider unreachable) can be sent by anyone with a
    link or a script, so those are counted per client: a flood of them is one entry."""
    detail = {"via": "single sign-on", "provider": getattr(provider, "slug", ""), "reason": reason}
    if email:
        # The address as the provider gave it, but for a NUL, which PostgreSQL cannot keep.
        label = email.replace("\x00", "")[:254]
        record(action=AuditAction.SIGN_IN_FAILED, actor_label=label, detail=detail, request=request)
    else:
        actor = getattr(request, "user", None)
        record_counted(action=AuditAction.SIGN_IN_FAILED, actor=actor, detail=detail, request=request)


@transaction.atomic
def update_single_sign_on(
    *,
    partnership,
    providers,
    domains,
    self_registration_domains,
    accept_identity_provider_mfa,
    expected_revision: int | None,
    by,
    second_factor_passed: bool,
    request=None,
) -> None:
    """Say which identity providers and email domains may sign in, which domains may join without an
    invitation (as viewers), and whether the provider's multi-factor authentication counts as two-factor.
    Only a coordinator who has passed a second factor in this sign-in may. Compare-and-set on the
    partnership's revision, so two coordinators saving these settings at once never overwrite each other."""
    from svtoolkit.accounts.models import SignInDomain

    _refuse_without_second_factor(second_factor_passed)

    if not set(self_registration_domains) <= set(domains):
        raise DomainError(
            "A domain whose people may join without an invitation must also be a domain that may sign in.",
            field="self_registration_domains",
        )
    # The partnership's row, updated first, is locked until the commit: a second save waits for it before it
    # compares, so the domains below are never written by two saves at once.
    save_partnership_settings(
        partnership,
        expected_revision=expected_revision,
        revision_field="revision",
        conflict_message="Someone else changed the single sign-on settings while you were editing them.",
        sso_providers=sorted(providers),
        accept_identity_provider_mfa=accept_identity_provider_mfa,
    )
    SignInDomain.objects.filter(partnership=partnership).exclude(domain__in=domains).delete()
    for domain in domains:
        SignInDomain.objects.update_or_create(
            partnership=partnership,
            domain=domain,
            defaults={"self_registration": domain in self_registration_domains},
        )
    record_settings_changed(
        partnership=partnership,
        by=by,
        request=request,
        sso_providers=partnership.sso_providers,
        sign_in_domains=sorted(domains),
        self_registration_domains=sorted(self_registration_domains),
        accept_identity_provider_mfa=accept_identity_provider_mfa,
    )
