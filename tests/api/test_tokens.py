"""Personal API tokens: created and revoked by their owner, shown once, kept only as a hash, audited."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from svtoolkit.accounts.models import Invitation
from svtoolkit.accounts.services import remove_member
from svtoolkit.api.models import ApiToken
from svtoolkit.api.services import create_token, revoke_token
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bearer(secret, keyword="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client_for, demo_users):
    client = client_for("viewer")
    response = client.post(reverse("api:tokens"), {"name": "Weekly report"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("svt_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=demo_users["viewer"])
    assert token.name == "Weekly report"
    assert token.token_hash == Invitation.hash_token(secret)
    assert secret not in {token.token_hash, token.prefix}
    listing = client.get(reverse("api:tokens")).content.decode()
    assert "Weekly report" in listing and secret not in listing
    assert bearer(secret).get(INCIDENTS).status_code == 200


def test_creating_and_revoking_a_token_are_audited(client_for, demo_users, demo):
    client = client_for("responder")
    client.post(reverse("api:tokens"), {"name": "Dashboard"})
    token = ApiToken.objects.get(user=demo_users["responder"])
    client.post(reverse("api:token_revoke", args=[token.pk]))
    entries = AuditEntry.objects.filter(target_type="api.ApiToken", target_id=str(token.pk))
    assert sorted(entries.values_list("action", flat=True)) == [AuditAction.CREATE, AuditAction.DELETE]
    assert {entry.partnership for entry in entries} == {demo}


def test_a_token_needs_a_name(client_for):
    response = client_for("viewer").post(reverse("api:tokens"), {"name": " "})
    assert response.status_code == 200
    assert "Enter a name for the token" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused(demo, demo_users):
    token, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Old")
    revoke_token(token=token, by=demo_users["viewer"])
    response = bearer(secret).get(INCIDENTS)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_nobody_revokes_someone_elses_token(client_for, demo, demo_users):
    token, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Mine")
    response = client_for("coordinator").post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert bearer(secret).get(INCIDENTS).status_code == 200


def test_the_token_list_shows_only_ones_own_tokens(client_for, demo, demo_users):
    create_token(user=demo_users["viewer"], partnership=demo, name="Viewer's script")
    page = client_for("coordinator").get(reverse("api:tokens")).content.decode()
    assert "Viewer&#x27;s script" not in page and "Viewer's script" not in page


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer svt_not-a-real-token", "Bearer two words", "Token svt_nope", "Bearer \u00e9t\u00e9"],
)
def test_a_missing_or_wrong_token_is_401_with_a_message(demo, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(INCIDENTS)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_no_credentials_is_401_not_a_redirect(demo):
    response = APIClient().get(INCIDENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_token_keyword_works_as_well_as_bearer(demo, demo_users):
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Either")
    assert bearer(secret, keyword="Token").get(INCIDENTS).status_code == 200


def test_last_use_is_remembered(demo, demo_users):
    token, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Used")
    assert token.last_used_at is None
    bearer(secret).get(INCIDENTS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_of_a_switched_off_account_is_refused(demo, demo_users):
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Leaver")
    demo_users["viewer"].is_active = False
    demo_users["viewer"].save()
    assert bearer(secret).get(INCIDENTS).status_code == 401


def test_a_token_stops_working_when_its_owner_leaves_the_partnership(demo, demo_users):
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Leaver")
    demo_users["viewer"].memberships.filter(partnership=demo).delete()
    response = bearer(secret).get(INCIDENTS)
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=demo_users["viewer"]
    ).exists()


def test_a_token_of_someone_removed_stays_revoked_when_they_are_invited_back(demo, demo_users):
    viewer = demo_users["viewer"]
    token, secret = create_token(user=viewer, partnership=demo, name="Integration")
    remove_member(membership=viewer.memberships.get(partnership=demo), by=demo_users["coordinator"])
    MembershipFactory(user=viewer, partnership=demo, role="viewer")
    assert bearer(secret).get(INCIDENTS).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, target_type="api.ApiToken").exists()


def test_a_token_works_in_its_own_partnership_only(demo, demo_users, other_partnership):
    southmoor, _ = other_partnership
    MembershipFactory(user=demo_users["viewer"], partnership=southmoor, role="coordinator")
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Northbridge only")
    # A viewer in Northbridge, though a coordinator in Southmoor: the token cannot record incidents.
    response = bearer(secret).post(INCIDENTS, {}, format="json")
    assert response.status_code == 403


def test_someone_in_no_partnership_cannot_make_a_token(client, db):
    from tests.conftest import MODEL_BACKEND
    from tests.factories import UserFactory

    client.force_login(UserFactory(), backend=MODEL_BACKEND)
    response = client.post(reverse("api:tokens"), {"name": "Script"})
    assert "You need to belong to a partnership to use the API." in response.content.decode()
    assert not ApiToken.objects.exists()


# --- Expiry ---------------------------------------------------------------------------------------------


def test_a_token_lasts_90_days_unless_its_owner_chooses(client_for, demo_users, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = client_for("viewer")
    page = client.get(reverse("api:tokens")).content.decode()
    assert "90 days unless you choose otherwise" in page
    client.post(reverse("api:tokens"), {"name": "Default"})
    client.post(reverse("api:tokens"), {"name": "Short", "valid_days": "7"})
    lifetimes = {token.name: token.expires_at - NOW for token in ApiToken.objects.all()}
    assert lifetimes == {"Default": timedelta(days=90), "Short": timedelta(days=7)}
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, detail__valid_days=7).exists()


def test_a_lifetime_not_offered_is_refused_and_changes_nothing(client_for, demo, demo_users):
    response = client_for("viewer").post(reverse("api:tokens"), {"name": "Forever", "valid_days": "100000"})
    assert "Choose how long the token should work" in response.content.decode()
    assert not ApiToken.objects.exists()
    with pytest.raises(DomainError):
        create_token(user=demo_users["viewer"], partnership=demo, name="Forever", valid_days=366)


def test_an_expired_token_is_refused(demo, demo_users, time_machine):
    time_machine.move_to(NOW, tick=False)
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Week", valid_days=7)
    time_machine.move_to(NOW + timedelta(days=7) - timedelta(seconds=1), tick=False)
    assert bearer(secret).get(INCIDENTS).status_code == 200
    time_machine.move_to(NOW + timedelta(days=7), tick=False)
    response = bearer(secret).get(INCIDENTS)
    assert response.status_code == 401
    assert (
        response.json()["detail"]
        == "This token expired on 9 March 2026. Create a new one on your account page."
    )


def test_the_token_page_shows_when_each_token_expires(client_for, demo, demo_users, time_machine):
    time_machine.move_to(NOW, tick=False)
    create_token(user=demo_users["viewer"], partnership=demo, name="Week", valid_days=7)
    time_machine.move_to(NOW + timedelta(days=8), tick=False)
    page = client_for("viewer").get(reverse("api:tokens")).content.decode()
    assert "9 Mar 2026" in page and "Expired" in page and "Revoke token Week" not in page


# --- Two-factor -----------------------------------------------------------------------------------------


def test_a_token_stops_working_while_its_owner_lacks_the_required_second_factor(demo, demo_users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Script")
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    response = bearer(secret).get(INCIDENTS)
    assert response.status_code == 401
    assert "requires two-factor sign-in" in response.json()["detail"]
    TOTPDevice.objects.create(user=demo_users["viewer"], name="Phone", confirmed=True)
    assert bearer(secret).get(INCIDENTS).status_code == 200


def test_a_token_stops_when_any_partnership_of_its_owner_requires_two_factor(
    demo, demo_users, other_partnership
):
    southmoor, _ = other_partnership
    southmoor.require_two_factor = True
    southmoor.save(update_fields=["require_two_factor"])
    MembershipFactory(user=demo_users["viewer"], partnership=southmoor, role="viewer")
    _, secret = create_token(user=demo_users["viewer"], partnership=demo, name="Northbridge")
    assert bearer(secret).get(INCIDENTS).status_code == 401


def test_the_token_page_says_tokens_need_two_factor_when_required(client_for, demo, demo_users):
    from svtoolkit.accounts.selectors import IDENTITY_PROVIDER_MFA_SESSION_KEY

    client = client_for("viewer")
    assert (
        "your tokens work only if you have an authenticator app"
        in client.get(reverse("api:tokens")).content.decode()
    )
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    # Signed in with an identity provider's MFA, the web lets them in; their tokens still need svtoolkit's.
    session = client.session
    session[IDENTITY_PROVIDER_MFA_SESSION_KEY] = True
    session.save()
    page = client.get(reverse("api:tokens")).content.decode()
    assert "Your tokens do not work now" in page and "Yours requires it." in page
