"""How long a session lasts: an idle limit that only the person's own requests renew, an absolute limit from
sign-in, and a new session key once the second factor is entered."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.builders import current_code
from tests.conftest import MODEL_BACKEND
from tests.factories import TEST_PASSWORD
from tests.incidents.access import demo_incident

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_SVT_BACKGROUND": "true"}


def signed_in_at_start(client, user, time_machine):
    time_machine.move_to(START, tick=False)
    client.force_login(user, backend=MODEL_BACKEND)


def test_the_live_panels_polling_does_not_keep_an_idle_session_alive(client, demo, demo_users, time_machine):
    incident, _ = demo_incident(demo, demo_users)
    page = reverse("incidents:incident", args=[incident.pk])
    signed_in_at_start(client, demo_users["coordinator"], time_machine)
    opened = client.get(page)

    for minutes in (10, 20, 29):
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get(page, **POLL).status_code == 200
    # 31 minutes after the person last did anything, however often the panel asked in between.
    time_machine.move_to(START + timedelta(minutes=31), tick=False)
    ended = client.get(page, **POLL)
    assert ended.status_code == 200 and ended["HX-Redirect"].startswith(reverse("accounts:login"))
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:login"))
    # The panel is what sends the background header.
    assert live_panel_headers(opened.content.decode())["X-Svt-Background"] == "true"


def live_panel_headers(page):
    panel = re.search(r'<div id="incident-live"[^>]*hx-headers=\'([^\']*)\'', page)
    return json.loads(panel.group(1))


def test_the_persons_own_requests_keep_the_session_alive(client, demo_users, time_machine):
    signed_in_at_start(client, demo_users["viewer"], time_machine)
    for step in range(1, 7):
        time_machine.move_to(START + timedelta(minutes=25 * step), tick=False)
        assert client.get(reverse("core:home")).status_code == 200


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, demo_users, time_machine):
    signed_in_at_start(client, demo_users["viewer"], time_machine)
    minutes = 0
    while minutes + 25 < 12 * 60:
        minutes += 25
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get(reverse("accounts:account")).status_code == 200
    time_machine.move_to(START + timedelta(hours=12, minutes=1), tick=False)
    response = client.get(reverse("accounts:account"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "signed in more than 12 hours ago" in response.content.decode()
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_the_absolute_lifetime_is_a_setting(client, demo_users, time_machine, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 60 * 60
    signed_in_at_start(client, demo_users["viewer"], time_machine)
    for minutes in (25, 50, 59):
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
        assert client.get(reverse("core:home")).status_code == 200
    time_machine.move_to(START + timedelta(minutes=61), tick=False)
    assert client.get(reverse("core:home")).status_code == 302


def test_signing_in_again_starts_the_clock_again(client, demo_users, time_machine):
    signed_in_at_start(client, demo_users["viewer"], time_machine)
    time_machine.move_to(START + timedelta(hours=11, minutes=50), tick=False)
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "viewer@example.org", "password": TEST_PASSWORD})
    time_machine.move_to(START + timedelta(hours=12, minutes=10), tick=False)
    assert client.get(reverse("core:home")).status_code == 200


def test_entering_the_second_factor_renews_the_session_key(client, demo_users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = demo_users["responder"]
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    client.post(reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD})
    password_only_key = client.session.session_key
    client.post(reverse("accounts:two_factor_verify"), {"token": current_code(device)})
    assert client.session.session_key != password_only_key
    assert client.get(reverse("core:home")).status_code == 200


def test_setting_up_the_authenticator_renews_the_session_key(client, demo_users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.post(reverse("accounts:login"), {"username": "viewer@example.org", "password": TEST_PASSWORD})
    client.get(reverse("accounts:two_factor_setup"))
    password_only_key = client.session.session_key
    device = TOTPDevice.objects.get(user=demo_users["viewer"])
    client.post(reverse("accounts:two_factor_setup"), {"token": current_code(device)})
    assert client.session.session_key != password_only_key
    assert client.get(reverse("core:home")).status_code == 200
