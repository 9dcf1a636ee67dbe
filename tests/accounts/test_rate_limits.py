"""Rate limits on signing in (per client address) and on password resets (per client and per address), beside
django-axes' per-account lockout: past a limit, 429 and a page that says when to try again."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def sign_in(client, email, password=TEST_PASSWORD, address="198.51.100.7"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def ask_for_reset(client, email, address="198.51.100.7"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


def assert_told_when_to_try_again(response, *, within_seconds):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= within_seconds
    page = response.content.decode()
    assert "Too many attempts: try again later" in page
    assert "Try again after" in page


def test_a_client_that_fails_to_sign_in_too_often_must_wait_even_with_the_right_password(
    client, demo, settings, clock
):
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "3/15m"
    # Three different accounts: no account reaches django-axes' own lockout.
    for email in ("coordinator@example.org", "responder@example.org", "nobody@example.org"):
        assert sign_in(client, email, password="wrong password").status_code == 200

    refused = sign_in(client, "viewer@example.org")

    assert_told_when_to_try_again(refused, within_seconds=15 * 60)
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "viewer@example.org").status_code == 429
    refusals = AuditEntry.objects.get(action=AuditAction.RATE_LIMITED)  # one entry, counted
    assert (refusals.ip_address, refusals.count) == ("198.51.100.7", 2)
    assert refusals.detail == {"limit": "SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT"}
    # Another client address is not held up; and this one may try again once the window has passed.
    assert sign_in(client, "viewer@example.org", address="203.0.113.9").status_code == 302
    clock.shift(timedelta(seconds=int(refused["Retry-After"]) + 1))
    assert sign_in(client, "viewer@example.org").status_code == 302


def test_a_client_cannot_dodge_the_sign_in_limit_by_taking_a_fresh_ipv6_address_from_its_network(
    client, demo, settings, clock
):
    """The defect: the limit counted each IPv6 address alone, and a client holds a whole /64 network of them:
    a fresh address for every try was never limited. Now the network counts as one client."""
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "3/15m"
    tries = ("coordinator@example.org", "responder@example.org", "nobody@example.org")
    for host, email in enumerate(tries, start=1):
        assert sign_in(client, email, "wrong password", address=f"2001:db8:1:2::{host}").status_code == 200

    assert sign_in(client, "viewer@example.org", address="2001:db8:1:2::4").status_code == 429
    assert sign_in(client, "viewer@example.org", address="2001:db8:1:3::1").status_code == 302


def test_wrong_current_passwords_count_towards_the_clients_limit(client_for, demo_users, settings, clock):
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "2/15m"
    client = client_for("health")
    change = {"new_password1": "fresh long passphrase", "new_password2": "fresh long passphrase"}

    def change_password(current):
        return client.post(
            reverse("accounts:password_change"),
            {"old_password": current, **change},
            REMOTE_ADDR="198.51.100.7",
        )

    for _ in range(2):
        assert "Your current password is not right" in change_password("wrong").content.decode()
    refused = change_password(TEST_PASSWORD)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "too many wrong passwords from your network in a short time. Try again in" in page
    assert demo_users["health"].check_password(TEST_PASSWORD)
    assert sign_in(client, "viewer@example.org").status_code == 429  # the sign-in page counts them too
    assert AuditEntry.objects.get(action=AuditAction.RATE_LIMITED).count == 2


def test_successful_sign_ins_from_a_shared_office_address_are_not_counted(client, demo, settings, clock):
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "2/15m"
    for _ in range(4):
        assert sign_in(client, "responder@example.org").status_code == 302
        client.post(reverse("accounts:logout"))


def test_reset_links_for_one_address_are_limited_from_any_client(client, demo, settings, clock):
    settings.SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS = "2/h"
    assert ask_for_reset(client, "viewer@example.org", address="198.51.100.1").status_code == 302
    assert ask_for_reset(client, "Viewer@Example.org ", address="198.51.100.2").status_code == 302

    assert_told_when_to_try_again(
        ask_for_reset(client, "viewer@example.org", address="198.51.100.3"), within_seconds=60 * 60
    )
    # An address with no account is limited alike, so the answers still reveal nothing.
    for _ in range(2):
        assert ask_for_reset(client, "nobody@example.org").status_code == 302
    assert ask_for_reset(client, "nobody@example.org").status_code == 429
    assert ask_for_reset(client, "responder@example.org").status_code == 302


def test_reset_links_for_one_address_are_limited_however_its_letters_are_written(
    client, demo, settings, clock
):
    """The defect: the count was kept by the address in small letters, but the account is found by a wider
    match (Django's, as Unicode compares letters: a long s "ſ" is an "s"), so each way of writing an address
    had a limit of its own, and the one inbox got them all."""
    settings.SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS = "2/h"
    for written in ("responder@example.org", "RESPONDER@example.org"):
        assert ask_for_reset(client, written, address="198.51.100.1").status_code == 302

    assert ask_for_reset(client, "re\u017fponder@example.org", address="198.51.100.2").status_code == 429


def test_reset_links_asked_for_by_one_client_are_limited_whatever_the_address(client, demo, settings, clock):
    settings.SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT = "3/h"
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        assert ask_for_reset(client, email).status_code == 302

    assert_told_when_to_try_again(ask_for_reset(client, "d@example.org"), within_seconds=60 * 60)
    assert ask_for_reset(client, "d@example.org", address="203.0.113.9").status_code == 302


def test_while_redis_is_down_the_limits_stand_aside_and_signing_in_and_the_api_still_work(
    client, demo, demo_users, settings
):
    from rest_framework.test import APIClient

    from svtoolkit.api.services import create_token
    from tests.core.outages import nobody_listening, redis_url

    settings.CACHES = {
        "default": {
            "BACKEND": "svtoolkit.core.cache.FailFastRedisCache",
            "LOCATION": redis_url(nobody_listening()),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    settings.SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "1/15m"
    settings.SVTOOLKIT_RATE_API_PER_TOKEN = "1/m"

    assert sign_in(client, "responder@example.org", password="wrong password").status_code == 200
    assert sign_in(client, "responder@example.org").status_code == 302
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=demo_users['police'], partnership=demo, name='x')[1]}"
    )
    assert [api.get(reverse("api:incidents")).status_code for _ in range(2)] == [200, 200]
