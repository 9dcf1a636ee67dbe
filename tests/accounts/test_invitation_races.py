"""A new person's account made by two requests at the same moment (two invitations accepted, a first single
sign-on): one account, and no error page; one address invited by two coordinators at the same moment: one
working invitation. PostgreSQL only: SQLite takes one writer at a time."""

import secrets
import types

import pytest
from django.db import connection

from svtoolkit.accounts import services
from svtoolkit.accounts.models import Invitation, Membership, Role, User
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from tests.accounts.test_sso import COUNCIL, _allow, _claims
from tests.concurrency import WAIT, Paused, held_by_a_row_being_written, in_thread, overlapping
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]

EMAIL = "new.officer@example.org"


def _outcomes(works):
    with held_by_a_row_being_written(User, email=EMAIL):
        runs = [in_thread(work) for work in works]
    for thread, _ in runs:
        thread.join(WAIT)
    return [outcome.get("error", outcome.get("result")) for _, outcome in runs]


def test_two_invitations_accepted_at_once_by_a_new_person_make_one_account_and_the_second_is_told(
    demo, other_partnership
):
    southmoor, _ = other_partnership
    invitations = [InvitationFactory(partnership=p, email=EMAIL) for p in (demo, southmoor)]

    def accept(invitation):
        return lambda: services.accept_invitation(
            invitation=invitation, full_name="New Officer", password="a long passphrase"
        )

    outcomes = _outcomes([accept(invitation) for invitation in invitations])

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["DomainError", "User"]
    told = next(outcome for outcome in outcomes if isinstance(outcome, DomainError))
    assert "Sign in to accept" in told.message
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Membership.objects.filter(user__email=EMAIL).count() == 1


def test_a_first_single_sign_on_as_an_invitation_is_accepted_signs_in_to_the_one_account(
    demo, other_partnership
):
    southmoor, _ = other_partnership
    _allow(southmoor, "example.org")
    by_form = InvitationFactory(partnership=demo, email=EMAIL)
    InvitationFactory(partnership=southmoor, email=EMAIL)

    outcomes = _outcomes(
        [
            lambda: services.accept_invitation(
                invitation=by_form, full_name="New Officer", password="a long passphrase"
            ),
            lambda: services.sign_in_with_identity_provider(provider=COUNCIL, claims=_claims(EMAIL)),
        ]
    )

    accepted, signed_in = outcomes
    account = User.objects.get(email=EMAIL)
    assert signed_in.user == account and signed_in.partnership_ids == [southmoor.pk]
    # Whichever made the account first: the form's person joined, or is told to sign in (the account is new).
    assert accepted == account or "Sign in to accept" in accepted.message


def test_one_person_signing_on_twice_at_once_for_the_first_time_gets_one_account_and_one_membership(demo):
    _allow(demo, "example.org", self_registration=["example.org"])

    def sign_on():
        return services.sign_in_with_identity_provider(provider=COUNCIL, claims=_claims(EMAIL))

    outcomes = _outcomes([sign_on, sign_on])

    account = User.objects.get(email=EMAIL)
    assert [(outcome.user, outcome.partnership_ids) for outcome in outcomes] == [(account, [demo.pk])] * 2
    assert Membership.objects.filter(user=account).count() == 1


def test_two_coordinators_inviting_one_address_at_once_leave_one_working_invitation(
    demo, demo_users, monkeypatch
):
    """The defect: each looked for a pending invitation to the address to replace before either had made
    theirs, so both invitations worked (two links, two roles offered), and neither was withdrawn."""
    colleague = MembershipFactory(partnership=demo, role=Role.COORDINATOR).user
    # The first stops once it has made its link's secret: it has looked for invitations to replace.
    paused = Paused(secrets.token_urlsafe)
    monkeypatch.setattr(services, "secrets", types.SimpleNamespace(token_urlsafe=paused))

    def invite(by, role):
        sent = {"partnership": demo, "email": EMAIL, "full_name": "New Officer", "organisation": None}
        return lambda: services.invite_member(**sent, role=role, invited_by=by)

    first, second = overlapping(
        invite(demo_users["coordinator"], Role.RESPONDER), invite(colleague, Role.VIEWER), paused=paused
    )

    assert "error" not in first and "error" not in second
    pending = [invitation for invitation in Invitation.objects.filter(email=EMAIL) if invitation.is_pending]
    assert pending == [second["result"]]  # the later one, which replaced the first
    withdrawn = AuditEntry.objects.get(action=AuditAction.DELETE, target_id=str(first["result"].pk))
    assert (withdrawn.actor, withdrawn.detail) == (colleague, {"replaced_by": second["result"].pk})
