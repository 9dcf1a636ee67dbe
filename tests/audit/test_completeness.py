"""What the audit log must hold however it is reached: API tokens refused and incident ids not found (counted,
one entry per client per window), and the names of people whose accounts were deleted."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from svtoolkit.api.services import create_token
from svtoolkit.audit.models import AppendOnlyError, AuditAction, AuditEntry
from svtoolkit.audit.services import record, record_counted
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
OFFICE, ELSEWHERE = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def with_token(secret, address=OFFICE):
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def test_refused_api_tokens_are_audited_once_per_client_per_window_with_a_count(db, settings, clock):
    settings.SVTOOLKIT_AUDIT_COUNT_MINUTES = 15
    for _ in range(3):
        assert with_token("guessed-secret").get(reverse("api:incidents")).status_code == 401
    assert with_token("another-guess", ELSEWHERE).get(reverse("api:incidents")).status_code == 401
    assert with_token("x y").get(reverse("api:incidents")).status_code == 401

    entries = AuditEntry.objects.filter(action=AuditAction.TOKEN_REFUSED).order_by("id")
    assert [(entry.ip_address, entry.count) for entry in entries] == [(OFFICE, 4), (ELSEWHERE, 1)]
    assert entries[0].counting_until == START + timedelta(minutes=15)
    assert "guessed-secret" not in str(entries[0].detail)

    clock.shift(timedelta(minutes=15, seconds=1))
    with_token("guessed-secret").get(reverse("api:incidents"))
    assert [(entry.ip_address, entry.count) for entry in entries.all()] == [
        (OFFICE, 4),
        (ELSEWHERE, 1),
        (OFFICE, 1),
    ]


def test_probing_incident_ids_is_audited_once_per_person_and_client_with_a_count(
    client, demo, demo_users, clock
):
    client.force_login(demo_users["police"], backend="svtoolkit.accounts.backends.PersonBackend")
    for incident_id in (999_001, 999_002, 999_003):
        assert client.get(reverse("incidents:incident", args=[incident_id])).status_code == 404
    api = APIClient()
    secret = create_token(user=demo_users["police"], partnership=demo, name="probe")[1]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(reverse("api:incident", args=[999_004])).status_code == 404
    assert client.get(reverse("core:home")).status_code == 200

    entry = AuditEntry.objects.get(action=AuditAction.NOT_FOUND)
    assert (entry.actor, entry.partnership, entry.count) == (demo_users["police"], demo, 4)
    assert entry.path == reverse("incidents:incident", args=[999_001])

    client.force_login(demo_users["coordinator"], backend="svtoolkit.accounts.backends.PersonBackend")
    page = client.get(reverse("audit:log"), {"action": AuditAction.NOT_FOUND}).content.decode()
    assert "Asked for an incident not found: 4 times until 09:15" in page


def test_a_counted_entry_changes_only_its_count_and_only_while_its_window_is_open(db, rf, clock):
    request = rf.get("/", REMOTE_ADDR=OFFICE)
    record_counted(action=AuditAction.TOKEN_REFUSED, request=request)
    entry = AuditEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(count=100)

    clock.shift(timedelta(minutes=30))
    assert AuditEntry.objects.filter(pk=entry.pk).count_once_more(START + timedelta(minutes=30)) == 0
    assert AuditEntry.objects.get(pk=entry.pk).count == 1


def test_deleting_a_person_keeps_their_name_on_their_audit_entries(client_for, demo):
    leaver = MembershipFactory(partnership=demo, role="responder", user__full_name="Sam Leaver").user
    record(action=AuditAction.UPDATE, actor=leaver, partnership=demo, target=demo)
    address = leaver.email

    leaver.delete()

    entry = AuditEntry.objects.get(actor_label=address)
    assert (entry.actor, entry.actor_name) == (None, "Sam Leaver")
    page = client_for("coordinator").get(reverse("audit:log"), {"actor": "Sam Leaver"}).content.decode()
    assert f"Sam Leaver ({address})" in page
