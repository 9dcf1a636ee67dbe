"""Personal API tokens: created and revoked by their owner, shown once, kept only as a hash, audited."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from svtoolkit.accounts.models import Invitation
from svtoolkit.api.models import ApiToken
from svtoolkit.api.services import create_token, revoke_token
from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"


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
