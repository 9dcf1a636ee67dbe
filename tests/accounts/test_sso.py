"""Single sign-on: who may sign in with an identity provider (the rules, from the claims), and the whole
sign-in through a real OpenID Connect provider run by the tests."""

from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts import services, sso
from svtoolkit.accounts.middleware import (
    PARTNERSHIP_SESSION_KEY,
    SIGNED_IN_AT_SESSION_KEY,
    SSO_PARTNERSHIPS_SESSION_KEY,
)
from svtoolkit.accounts.models import Invitation, Membership, Role, SignInDomain, User
from svtoolkit.accounts.selectors import IDENTITY_PROVIDER_MFA_SESSION_KEY
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from tests.accounts.builders import current_code, invite, pass_second_factor
from tests.accounts.identity_provider import IdentityProvider, sign_in_through
from tests.factories import TEST_PASSWORD, InvitationFactory, MembershipFactory, PartnershipFactory
from tests.page_forms import refused_without_revision, saved_from_two_pages

COUNCIL = sso.Provider(slug="council", **IdentityProvider("http://idp.invalid").settings_for())


def _allow(partnership, *domains, providers=("council",), self_registration=(), accept_mfa=False):
    services.update_single_sign_on(
        partnership=partnership,
        providers=list(providers),
        domains=list(domains),
        self_registration_domains=list(self_registration),
        accept_identity_provider_mfa=accept_mfa,
        expected_revision=partnership.revision,
        by=None,
        second_factor_passed=True,
    )


def _claims(email, *, verified=True, **more):
    return {"sub": email, "email": email, "email_verified": verified, **more}


def _refusal(email, claims=None, provider=COUNCIL):
    with pytest.raises(services.SignInRefused) as refused:
        services.sign_in_with_identity_provider(provider=provider, claims=claims or _claims(email))
    entry = AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED).latest("pk")
    assert entry.actor_label == email
    assert entry.detail == {
        "via": "single sign-on",
        "provider": provider.slug,
        "reason": refused.value.reason,
    }
    return refused.value.reason


# --- The rules ------------------------------------------------------------------------------------------


def test_member_with_a_verified_email_in_an_allowed_domain_signs_in(demo, demo_users):
    _allow(demo, "example.org")
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("Police@Example.org")
    )
    assert signed_in.user == demo_users["police"]
    assert signed_in.partnership_ids == [demo.pk]
    assert signed_in.mfa_accepted is False


def test_email_the_provider_has_not_verified_is_refused(demo):
    _allow(demo, "example.org")
    assert _refusal("police@example.org", _claims("police@example.org", verified=False)) == "unverified"
    assert _refusal("police@example.org", {"sub": "x", "email": "police@example.org"}) == "unverified"


def test_a_verified_claim_named_by_the_provider_settings_is_read(demo, demo_users):
    _allow(demo, "example.org")
    entra = sso.Provider(
        **{**COUNCIL.__dict__, "slug": "council", "email_verified_claim": "xms_edov"},
    )
    claims = {"sub": "x", "email": "police@example.org", "email_verified": True}
    assert _refusal("police@example.org", claims, provider=entra) == "unverified"
    signed_in = services.sign_in_with_identity_provider(provider=entra, claims={**claims, "xms_edov": True})
    assert signed_in.user == demo_users["police"]


def test_domain_no_partnership_allows_is_refused(demo):
    _allow(demo, "northbridge.gov.uk")
    assert _refusal("police@example.org") == "domain_not_allowed"


def test_provider_the_partnership_has_not_chosen_is_refused(demo):
    _allow(demo, "example.org", providers=["police-idp"])
    assert _refusal("police@example.org") == "domain_not_allowed"


def test_email_without_an_account_or_invitation_is_refused(demo):
    _allow(demo, "example.org")
    assert _refusal("stranger@example.org") == "not_invited"
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_member_of_another_partnership_only_is_not_invited_here(demo, other_partnership):
    southmoor, coordinator = other_partnership
    _allow(demo, "example.org")
    assert _refusal(coordinator.user.email) == "not_invited"


def test_pending_invitation_is_accepted_without_a_password(demo, demo_users):
    _allow(demo, "example.org")
    police = demo.organisations.get(kind="police")
    InvitationFactory(
        partnership=demo, email="new.officer@example.org", role=Role.PARTNER, organisation=police
    )
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("new.officer@example.org", name="New Officer")
    )
    membership = Membership.objects.get(user=signed_in.user, partnership=demo)
    assert (membership.role, membership.organisation) == (Role.PARTNER, police)
    assert signed_in.user.full_name == "New Officer"
    assert not signed_in.user.has_usable_password()
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, detail__via="invitation").exists()


def test_someone_whose_account_single_sign_on_made_sets_a_password_from_the_reset_page(
    client, demo, django_capture_on_commit_callbacks
):
    """The defect: an account made at a first single sign-on has no password, and svtoolkit tells such a
    person, when a partnership will not open to their single sign-on, to choose "I have forgotten my
    password" to set one; but the reset page, as Django's does, skipped accounts with no usable password:
    it said a link was sent, and none ever was. Now they are sent one like anyone else."""
    _allow(demo, "example.org")
    InvitationFactory(partnership=demo, email="new.officer@example.org")
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("new.officer@example.org")
    )
    assert not signed_in.user.has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "new.officer@example.org"})
    assert [message.to for message in mail.outbox] == [["new.officer@example.org"]]


def test_a_members_pending_invitation_to_another_partnership_is_accepted_at_single_sign_on(
    demo, demo_users, other_partnership
):
    """The defect: someone already a member of one partnership open to the provider and domain never had an
    invitation to another accepted by single sign-on (the invitations were looked at only for someone who was
    no member), so the partnership that invited them stayed closed to them."""
    southmoor, _ = other_partnership
    _allow(demo, "example.org")
    _allow(southmoor, "example.org")
    InvitationFactory(partnership=southmoor, email="police@example.org", role=Role.RESPONDER)
    open_to_all = PartnershipFactory()  # joined by no one who is already a member somewhere open to them
    _allow(open_to_all, "example.org", self_registration=["example.org"])

    claims = _claims("police@example.org")
    signed_in = services.sign_in_with_identity_provider(provider=COUNCIL, claims=claims)

    assert signed_in.partnership_ids == sorted([demo.pk, southmoor.pk])
    assert Membership.objects.get(user=demo_users["police"], partnership=southmoor).role == Role.RESPONDER
    assert not Membership.objects.filter(user=demo_users["police"], partnership=open_to_all).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, actor=demo_users["police"], detail__via="invitation"
    ).exists()


def test_a_name_from_the_provider_longer_than_an_account_keeps_is_cut_to_fit(demo):
    _allow(demo, "example.org", self_registration=["example.org"])
    name = "Alexandra " * 30  # 300 characters: more than an account's 150
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("newcomer@example.org", name=name)
    )
    signed_in.user.refresh_from_db()
    assert signed_in.user.full_name == name[:150].strip()
    assert Membership.objects.filter(user=signed_in.user, partnership=demo).exists()


def test_an_invitation_from_someone_no_longer_a_coordinator_lets_nobody_in(demo, demo_users):
    _allow(demo, "example.org")
    inviter = MembershipFactory(partnership=demo, role=Role.COORDINATOR)
    InvitationFactory(partnership=demo, email="new.officer@example.org", invited_by=inviter.user)
    services.remove_member(membership=inviter, by=demo_users["coordinator"])
    assert _refusal("new.officer@example.org") == "not_invited"
    assert not Membership.objects.filter(user__email="new.officer@example.org").exists()


def test_an_invitation_accepted_by_someone_who_joined_meanwhile_as_a_viewer_gives_them_its_role(
    demo, demo_users
):
    """The defect: someone invited as a responder, who joined meanwhile as a viewer (single sign-on's
    self-registration, while the invitation could not be used), then accepted the invitation: they stayed a
    viewer, though the invitation was marked accepted, a second "joined" entry audited and the page welcomed
    them. Now the invitation gives them the role the coordinator chose, recorded as a change of role."""
    from svtoolkit.accounts.models import User as Account

    coordinator = demo_users["coordinator"]
    _allow(demo, "example.org", self_registration=["example.org"])
    invitation = invite(demo, coordinator, email="new.officer@example.org")
    Account.objects.filter(pk=coordinator.pk).update(is_active=False)  # the invitation lets nobody in
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("new.officer@example.org")
    )
    membership = Membership.objects.get(user=signed_in.user, partnership=demo)
    assert membership.role == Role.VIEWER
    Account.objects.filter(pk=coordinator.pk).update(is_active=True)  # back: the invitation stands again

    services.accept_invitation(invitation=invitation, existing_user=signed_in.user)
    membership.refresh_from_db()
    assert membership.role == Role.RESPONDER
    entries = AuditEntry.objects.filter(target_type="accounts.Membership", target_id=str(membership.pk))
    assert [entry.action for entry in entries.order_by("pk")] == [AuditAction.CREATE, AuditAction.UPDATE]


def test_self_registration_off_refuses_and_on_joins_as_viewer(demo):
    _allow(demo, "example.org")
    assert _refusal("newcomer@example.org") == "not_invited"

    _allow(demo, "example.org", self_registration=["example.org"])
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("newcomer@example.org")
    )
    membership = Membership.objects.get(user=signed_in.user, partnership=demo)
    assert membership.role == Role.VIEWER
    assert membership.organisation is None
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, target_type="accounts.Membership")
    assert entry.detail == {
        "role": "viewer",
        "via": "self-registration",
        "provider": "council",
        "domain": "example.org",
    }


def test_switched_off_account_is_refused(demo, demo_users):
    _allow(demo, "example.org")
    User.objects.filter(pk=demo_users["police"].pk).update(is_active=False)
    assert _refusal("police@example.org") == "account_switched_off"


@pytest.mark.parametrize(
    ("accept_mfa", "extra_claims", "accepted"),
    [
        (True, {"amr": ["pwd", "mfa"]}, True),
        (True, {"amr": "mfa"}, True),
        (True, {"amr": ["pwd"]}, False),
        (True, {}, False),
        (False, {"amr": ["pwd", "mfa"]}, False),
    ],
)
def test_provider_mfa_counts_only_when_reported_and_the_partnership_accepts_it(
    demo, accept_mfa, extra_claims, accepted
):
    _allow(demo, "example.org", accept_mfa=accept_mfa)
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("police@example.org", **extra_claims)
    )
    assert signed_in.mfa_accepted is accepted


def test_an_acr_value_named_in_settings_counts_as_mfa(demo):
    _allow(demo, "example.org", accept_mfa=True)
    strong = sso.Provider(**{**COUNCIL.__dict__, "mfa_acr_values": ("urn:example:loa:high",)})
    claims = _claims("police@example.org", acr="urn:example:loa:high")
    assert services.sign_in_with_identity_provider(provider=strong, claims=claims).mfa_accepted
    claims = _claims("police@example.org", acr="urn:example:loa:low")
    assert not services.sign_in_with_identity_provider(provider=strong, claims=claims).mfa_accepted


def test_mfa_counts_only_if_every_partnership_opened_accepts_it(demo, demo_users):
    second = PartnershipFactory()
    MembershipFactory(user=demo_users["police"], partnership=second)
    _allow(demo, "example.org", accept_mfa=True)
    _allow(second, "example.org", accept_mfa=False)
    signed_in = services.sign_in_with_identity_provider(
        provider=COUNCIL, claims=_claims("police@example.org", amr=["mfa"])
    )
    assert signed_in.partnership_ids == sorted([demo.pk, second.pk])
    assert signed_in.mfa_accepted is False


def test_self_registration_domain_must_be_a_sign_in_domain(demo):
    with pytest.raises(DomainError) as error:
        _allow(demo, "example.org", self_registration=["elsewhere.org"])
    assert error.value.field == "self_registration_domains"
    assert not SignInDomain.objects.filter(partnership=demo).exists()


# --- Through a real OpenID Connect provider ---------------------------------------------------------------


@pytest.fixture
def northbridge_allows_council(demo):
    _allow(demo, "example.org")
    return demo


def test_sign_in_through_the_provider_lands_home_in_the_partnership(
    client, identity_provider, northbridge_allows_council, demo_users
):
    identity_provider.person("police@example.org")
    response = sign_in_through(client, identity_provider, "police@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[SESSION_KEY] == str(demo_users["police"].pk)
    assert client.session[PARTNERSHIP_SESSION_KEY] == northbridge_allows_council.pk
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert home.context["current_membership"].role == Role.PARTNER
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN)
    assert entry.actor == demo_users["police"]
    assert entry.detail == {
        "via": "single sign-on",
        "provider": "council",
        "provider_mfa": False,
        "mfa_accepted": False,
    }


def test_sign_in_returns_to_the_page_asked_for(client, identity_provider, northbridge_allows_council):
    identity_provider.person("police@example.org")
    response = sign_in_through(client, identity_provider, "police@example.org", next_page="/incidents/")
    assert response["Location"] == "/incidents/"


def test_provider_refusals_show_why_and_sign_nobody_in(client, identity_provider, northbridge_allows_council):
    identity_provider.person("stranger@example.org")
    identity_provider.person("police@elsewhere.example")
    identity_provider.person("unchecked@example.org", verified=False)
    for email, heading in [
        ("stranger@example.org", "Your email address has not been invited"),
        ("police@elsewhere.example", "Your organisation's accounts cannot sign in here"),
        ("unchecked@example.org", "Your email address could not be confirmed"),
    ]:
        response = sign_in_through(client, identity_provider, email)
        assert response["Location"] == reverse("accounts:sso_refused")
        page = client.get(response["Location"])
        assert page.status_code == 403
        assert heading in page.content.decode()
        assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED).count() == 3
    assert not AuditEntry.objects.filter(action=AuditAction.SIGN_IN).exists()


def test_cancelling_at_the_provider_is_audited(client, identity_provider, northbridge_allows_council):
    response = sign_in_through(client, identity_provider, "police@example.org", action="deny")
    assert response["Location"] == reverse("accounts:sso_refused")
    assert "Signing in was not completed" in client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert entry.detail["reason"] == "not_completed"


LONGEST_EMAIL = 254  # the longest an email address can be (RFC 3696's errata), and all an account keeps


@pytest.mark.parametrize(
    "email",
    ["a" * (LONGEST_EMAIL - len("@example.org") + 1) + "@example.org", "new\x00comer@example.org"],
    ids=["longer than an address can be", "with a NUL character"],
)
def test_an_email_no_address_can_be_is_refused_and_makes_no_account(client, identity_provider, demo, email):
    """The defect: an address longer than an account keeps was made an account (a database error on
    PostgreSQL, an error page), and one with a NUL character in it was an error page on PostgreSQL."""
    _allow(demo, "example.org", self_registration=["example.org"])
    identity_provider.person(email)
    accounts = set(User.objects.values_list("pk", flat=True))

    response = sign_in_through(client, identity_provider, email)

    assert response["Location"] == reverse("accounts:sso_refused")
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "Your email address cannot be used here" in page.content.decode()
    assert SESSION_KEY not in client.session
    assert set(User.objects.values_list("pk", flat=True)) == accounts
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert entry.detail["reason"] == "unusable_email"
    assert entry.actor_label == email.replace("\x00", "")[:LONGEST_EMAIL]


def test_a_name_from_the_provider_with_a_nul_character_is_kept_without_it(client, identity_provider, demo):
    """The defect: the account could not be made on PostgreSQL, which keeps no NUL: an error page."""
    _allow(demo, "example.org", self_registration=["example.org"])
    identity_provider.person("newcomer@example.org", name="Pat\x00 Newcomer\x00")

    response = sign_in_through(client, identity_provider, "newcomer@example.org")

    assert response["Location"] == reverse("core:home")
    assert User.objects.get(email="newcomer@example.org").full_name == "Pat Newcomer"


def test_id_token_from_another_issuer_is_refused(
    client, identity_provider, northbridge_allows_council, settings
):
    endpoints = sso.provider_named("council").endpoints()
    # The same provider's endpoints, but svtoolkit expects another issuer: its ID tokens must not be taken.
    settings.SSO_PROVIDERS = {
        "council": identity_provider.settings_for(issuer="https://login.example.invalid", **endpoints)
    }
    identity_provider.person("police@example.org")
    response = sign_in_through(client, identity_provider, "police@example.org")
    assert response["Location"] == reverse("accounts:sso_refused")
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED).detail["reason"] == "invalid_response"


def test_callback_replayed_is_refused(client, identity_provider, northbridge_allows_council):
    identity_provider.person("police@example.org")
    response = client.get(reverse("accounts:sso_start", args=["council"]))
    back = urlsplit(identity_provider.approve(response["Location"], "police@example.org"))
    callback = f"{back.path}?{back.query}"
    assert client.get(callback)["Location"] == reverse("core:home")
    client.logout()
    again = client.get(callback)
    assert again["Location"] == reverse("accounts:sso_refused")
    assert SESSION_KEY not in client.session


def test_provider_mfa_stands_in_for_two_factor_when_the_partnership_accepts_it(
    client, identity_provider, northbridge_allows_council
):
    northbridge = northbridge_allows_council
    northbridge.require_two_factor = True
    northbridge.save()
    identity_provider.person("police@example.org", mfa=True)

    sign_in_through(client, identity_provider, "police@example.org")
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is False
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:two_factor_setup")

    client.logout()
    _allow(northbridge, "example.org", accept_mfa=True)
    sign_in_through(client, identity_provider, "police@example.org")
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is True
    assert client.get(reverse("core:home")).status_code == 200


def _invited_to_southmoor(other_partnership, email):
    """Southmoor's invitation to ``email``, and the path of its link."""
    southmoor, _ = other_partnership
    token_hash = Invitation.hash_token("to-southmoor")
    InvitationFactory(partnership=southmoor, email=email, role=Role.RESPONDER, token_hash=token_hash)
    return southmoor, reverse("accounts:accept_invitation", args=["to-southmoor"])


def test_an_invitation_accepted_in_a_single_sign_on_session_opens_the_partnership_joined(
    client, identity_provider, northbridge_allows_council, other_partnership
):
    """The defect: the partnership joined stayed closed in the session (it opens only the partnerships the
    sign-on decided), though the page said "Welcome" to it, until the person signed in again."""
    northbridge = northbridge_allows_council
    _allow(northbridge, "example.org", accept_mfa=True)
    identity_provider.person("police@example.org", mfa=True)
    sign_in_through(client, identity_provider, "police@example.org")
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is True
    # Invited once signed on (an invitation pending at the sign-on is accepted by it).
    southmoor, link = _invited_to_southmoor(other_partnership, "police@example.org")
    _allow(southmoor, "example.org")  # the provider and the domain, but not the provider's MFA

    client.post(link)
    home = client.get(reverse("core:home"))
    assert "Welcome to Southmoor Community Safety Partnership" in home.content.decode()
    assert home.context["current_partnership"] == southmoor
    assert {m.partnership for m in home.context["my_memberships"]} == {northbridge, southmoor}
    # Opened as the sign-on opens a partnership: the provider's MFA counts only if every one opened accepts
    # it, and a change to the new partnership's single sign-on settings ends the session.
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is False
    _allow(southmoor, "example.org", accept_mfa=True)
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:login"))


def test_an_invitation_accepted_in_a_single_sign_on_session_says_plainly_when_it_cannot_open_the_partnership(
    client, identity_provider, northbridge_allows_council, other_partnership, demo_users
):
    """The defect: "Welcome" was said to a partnership that does not let in the provider or the domain the
    person signed on with, which then was nowhere to be found in the session."""
    southmoor, link = _invited_to_southmoor(other_partnership, "police@example.org")
    identity_provider.person("police@example.org")
    sign_in_through(client, identity_provider, "police@example.org")

    client.post(link)
    home = client.get(reverse("core:home"))
    content = home.content.decode()
    assert "Welcome" not in content
    assert (
        "You have joined Southmoor Community Safety Partnership, but it does not let its members sign in "
        "with Northbridge Council" in content
    )
    assert "sign out, then sign in with your email address and password" in content
    assert Membership.objects.filter(user=demo_users["police"], partnership=southmoor).exists()
    assert [m.partnership for m in home.context["my_memberships"]] == [northbridge_allows_council]


def test_a_change_to_the_single_sign_on_settings_ends_the_sessions_they_decided(
    client, identity_provider, northbridge_allows_council
):
    """Accepting the provider's MFA withdrawn: a session it let past two-factor does not go on for hours."""
    northbridge = northbridge_allows_council
    northbridge.require_two_factor = True
    northbridge.save()
    _allow(northbridge, "example.org", accept_mfa=True)
    identity_provider.person("police@example.org", mfa=True)
    sign_in_through(client, identity_provider, "police@example.org")
    assert client.get(reverse("core:home")).status_code == 200

    northbridge.refresh_from_db()
    _allow(northbridge, "example.org", accept_mfa=False)
    page = client.get(reverse("core:home"), follow=True)
    assert SESSION_KEY not in client.session
    assert "changed how its members sign in with single sign-on" in page.content.decode()


def test_provider_without_mfa_claim_still_needs_two_factor(
    client, identity_provider, northbridge_allows_council
):
    northbridge_allows_council.require_two_factor = True
    northbridge_allows_council.save()
    _allow(northbridge_allows_council, "example.org", accept_mfa=True)
    identity_provider.person("police@example.org", mfa=False)
    sign_in_through(client, identity_provider, "police@example.org")
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:two_factor_setup")


def test_single_sign_on_offers_only_the_partnerships_that_allow_it(
    client, identity_provider, northbridge_allows_council, demo_users
):
    other = PartnershipFactory(name="Southmoor Community Safety Partnership")
    MembershipFactory(user=demo_users["police"], partnership=other, role=Role.COORDINATOR)
    identity_provider.person("police@example.org")
    sign_in_through(client, identity_provider, "police@example.org")
    home = client.get(reverse("core:home"))
    assert [m.partnership for m in home.context["my_memberships"]] == [northbridge_allows_council]
    client.post(reverse("accounts:switch_partnership"), {"partnership": other.pk})
    assert client.get(reverse("core:home")).context["current_partnership"] == northbridge_allows_council


# --- Pages --------------------------------------------------------------------------------------------------


def test_sign_in_page_offers_each_provider(client, identity_provider, settings):
    settings.SSO_PROVIDERS = {
        "council": identity_provider.settings_for(name="Northbridge Council"),
        "police": identity_provider.settings_for(name="Metropolitan Police"),
    }
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with Northbridge Council" in page
    assert "Sign in with Metropolitan Police" in page
    assert 'name="password"' in page


def test_sign_in_page_without_providers_is_password_only(client, db):
    assert "/sign-in/with/" not in client.get(reverse("accounts:login")).content.decode()


def test_coordinator_sets_providers_and_domains(client_for, demo, demo_users, identity_provider):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    response = client.post(
        reverse("accounts:partnership_sso"),
        {
            "providers": ["council"],
            "domains": "northbridge.gov.uk\n@Example.org\n",
            "self_registration_domains": "example.org",
            "accept_identity_provider_mfa": "on",
            "revision": demo.revision,
        },
    )
    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.sso_providers == ["council"]
    assert demo.accept_identity_provider_mfa is True
    assert {(d.domain, d.self_registration) for d in demo.sign_in_domains.all()} == {
        ("northbridge.gov.uk", False),
        ("example.org", True),
    }
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, target_type="partnerships.Partnership").get()
    assert entry.detail["sign_in_domains"] == ["example.org", "northbridge.gov.uk"]


def test_two_coordinators_changing_single_sign_on_at_once_keep_both_changes(
    client_for, demo, demo_users, identity_provider
):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    saved_from_two_pages(
        client,
        reverse("accounts:partnership_sso"),
        first={"providers": "council", "domains": "northbridge.gov.uk\nexample.org"},
        second={"accept_identity_provider_mfa": "on"},
    )
    demo.refresh_from_db()
    assert (demo.sso_providers, demo.accept_identity_provider_mfa) == (["council"], True)
    domains = sorted(demo.sign_in_domains.values_list("domain", flat=True))
    assert domains == ["example.org", "northbridge.gov.uk"]


def test_single_sign_on_saved_without_its_revision_keeps_a_colleagues_change(
    client_for, demo, demo_users, identity_provider
):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    refused_without_revision(
        client,
        reverse("accounts:partnership_sso"),
        first={"providers": "council", "domains": "northbridge.gov.uk"},
        second={"providers": "council", "domains": "example.org"},
    )
    assert list(demo.sign_in_domains.values_list("domain", flat=True)) == ["northbridge.gov.uk"]


@pytest.mark.parametrize(
    ("domains", "self_registration", "message"),
    [
        ("not a domain", "", "is not an email domain"),
        ("example.org", "elsewhere.org", "must also be a domain that may sign in"),
    ],
)
def test_bad_settings_show_an_error_summary_and_change_nothing(
    client_for, demo, demo_users, domains, self_registration, message
):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    response = client.post(
        reverse("accounts:partnership_sso"),
        {"domains": domains, "self_registration_domains": self_registration},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not demo.sign_in_domains.exists()


def test_password_sign_in_after_single_sign_on_keeps_nothing_it_decided(
    client, identity_provider, northbridge_allows_council
):
    _allow(northbridge_allows_council, "example.org", accept_mfa=True)
    identity_provider.person("police@example.org", mfa=True)
    sign_in_through(client, identity_provider, "police@example.org")
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is True
    client.post(reverse("accounts:login"), {"username": "police@example.org", "password": TEST_PASSWORD})
    assert IDENTITY_PROVIDER_MFA_SESSION_KEY not in client.session
    assert SSO_PARTNERSHIPS_SESSION_KEY not in client.session


def test_provider_that_cannot_be_reached_is_explained(client, db, settings):
    settings.SSO_PROVIDERS = {"council": IdentityProvider("http://127.0.0.1:9").settings_for()}
    response = client.get(reverse("accounts:sso_start", args=["council"]))
    assert response["Location"] == reverse("accounts:sso_refused")
    assert "We could not check your sign-in" in client.get(response["Location"]).content.decode()
    assert (
        AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED).detail["reason"] == "provider_unreachable"
    )


def test_provider_mfa_cannot_replace_svtoolkits_authenticator_nor_open_the_admin(
    client, identity_provider, northbridge_allows_council, demo_users
):
    superuser = demo_users["coordinator"]
    User.objects.filter(pk=superuser.pk).update(is_superuser=True, is_staff=True)
    current = TOTPDevice.objects.create(user=superuser, name="Phone", confirmed=True)
    _allow(northbridge_allows_council, "example.org", accept_mfa=True)
    identity_provider.person(superuser.email, mfa=True)
    sign_in_through(client, identity_provider, superuser.email)
    setup = reverse("accounts:two_factor_setup")
    verify_first = f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': setup})}"

    assert client.get(reverse("core:home")).status_code == 200  # the provider's MFA stands in here
    assert client.get(setup)["Location"] == verify_first
    for own_code_page in ("accounts:backup_codes", "accounts:two_factor_remove"):
        assert client.post(reverse(own_code_page))["Location"].startswith(
            reverse("accounts:two_factor_verify")
        )
    assert client.get(reverse("admin:index")).status_code != 200
    assert list(TOTPDevice.objects.filter(user=superuser)) == [current]
    assert not StaticDevice.objects.filter(user=superuser).exists()

    assert client.post(verify_first, {"token": current_code(current)})["Location"] == setup
    client.get(setup)
    replacement = TOTPDevice.objects.get(user=superuser, confirmed=False)
    client.post(setup, {"token": current_code(replacement)})
    assert list(TOTPDevice.objects.filter(user=superuser)) == [replacement]
    assert client.get(reverse("admin:index")).status_code == 200


def test_single_sign_on_while_signed_in_as_the_same_person_is_a_new_audited_sign_in(
    client, identity_provider, northbridge_allows_council, demo_users
):
    _allow(northbridge_allows_council, "example.org", accept_mfa=True)
    identity_provider.person("police@example.org", mfa=True)
    client.post(reverse("accounts:login"), {"username": "police@example.org", "password": TEST_PASSWORD})
    with_password = client.session.session_key
    signed_in_at = client.session[SIGNED_IN_AT_SESSION_KEY]

    sign_in_through(client, identity_provider, "police@example.org")
    assert client.session[SESSION_KEY] == str(demo_users["police"].pk)
    assert client.session[IDENTITY_PROVIDER_MFA_SESSION_KEY] is True
    assert client.session.session_key != with_password
    assert client.session[SIGNED_IN_AT_SESSION_KEY] > signed_in_at
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN, detail__via="single sign-on")
    assert entry.actor == demo_users["police"]
    assert entry.detail["mfa_accepted"] is True


def test_an_error_answer_to_no_sign_in_of_this_session_signs_nobody_out(
    client_for, demo_users, identity_provider, northbridge_allows_council
):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    callback = reverse("accounts:sso_callback")
    for forged in ("?error=access_denied", "?error=access_denied&state=not-one-of-this-session"):
        client.get(callback + forged)
        assert client.session[SESSION_KEY] == str(demo_users["coordinator"].pk)
        assert client.get(reverse("core:home")).status_code == 200


def test_failed_single_sign_ons_in_a_flood_are_one_counted_audit_entry(client, identity_provider, db):
    for _ in range(20):
        client.get(reverse("accounts:sso_callback") + "?error=access_denied", REMOTE_ADDR="198.51.100.7")
    entry = AuditEntry.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (entry.ip_address, entry.count) == ("198.51.100.7", 20)
