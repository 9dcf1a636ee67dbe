import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client_for):
    response = client_for("coordinator").get(reverse("core:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline scripts


def test_home_shows_the_partnership_and_its_protective_marking(client_for):
    content = client_for("police").get(reverse("core:home")).content.decode()
    assert "Northbridge Community Safety Partnership" in content
    assert "OFFICIAL-SENSITIVE" in content
    assert "Members" not in content.split("<main", 1)[0]  # partners are not offered coordinator pages


def test_the_layout_s_navigation_links_each_page_and_marks_the_one_open(client_for):
    """Drawn by Jinja2 (core/jinja2/core/layout/header.html), as Django's engine drew it."""
    header = client_for("coordinator").get(reverse("incidents:list")).content.decode().split("<main", 1)[0]
    items = re.findall(
        r'<li class="govuk-service-navigation__item([^"]*)">\s*<a [^>]*href="([^"]+)"([^>]*)>', header
    )

    assert [href for _, href, _ in items][:3] == [
        reverse("core:home"),
        reverse("incidents:list"),
        reverse("alerts:rota"),
    ]
    assert (reverse("audit:log") in header) and (reverse("accounts:members") in header)
    marked = [(href, after) for kind, href, after in items if kind]
    assert marked == [(reverse("incidents:list"), ' aria-current="page"')]
    assert '<strong class="govuk-service-navigation__active-fallback">Incidents</strong>' in header


def test_home_for_someone_in_no_partnership(client, db):
    user = UserFactory()
    client.force_login(user, backend="svtoolkit.accounts.backends.PersonBackend")
    assert "You are not a member of any partnership yet" in client.get(reverse("core:home")).content.decode()


def test_unknown_page_is_a_govuk_404(client_for):
    response = client_for("viewer").get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_statements_name_this_service(client):
    assert (
        "Web Content Accessibility Guidelines version 2.2"
        in client.get(reverse("core:accessibility")).content.decode()
    )
    assert "need-to-know" in client.get(reverse("core:privacy")).content.decode()
    assert "sessionid" in client.get(reverse("core:cookies")).content.decode()


def test_admin_opens_only_for_a_verified_superuser(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin, backend="svtoolkit.accounts.backends.PersonBackend")
    assert client.get("/admin/").status_code == 403  # not yet through two-factor
    device = TOTPDevice.objects.create(user=admin, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert client.get("/admin/").status_code == 200


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    # The browser tests' switch for Playwright's event loop is not part of a deployment.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "SVTOOLKIT_ENV": "production",
        "SECRET_KEY": "x" * 30 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "svtoolkit.example.org",
        "SITE_URL": "https://svtoolkit.example.org",
        "SVTOOLKIT_CLAMAV_SOCKET": "/run/clamav/clamd.ctl",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "svtoolkit.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "svtoolkit.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    environment.update(SVTOOLKIT_ENV="production", DJANGO_SETTINGS_MODULE="svtoolkit.settings")
    result = subprocess.run(
        [sys.executable, "-m", "svtoolkit.cli", "check"], env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_admin_changes_join_the_audit_log(client, demo):
    from svtoolkit.audit.models import AuditEntry

    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin, backend="svtoolkit.accounts.backends.PersonBackend")
    device = TOTPDevice.objects.create(user=admin, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(
        f"/admin/partnerships/partnership/{demo.pk}/change/",
        {
            "name": demo.name,
            "slug": demo.slug,
            "area": "Northbridge and Eastgate",
            "reference_prefix": demo.reference_prefix,
            "personal_data_retention_years": "6",
            "is_active": "on",
            "organisations-TOTAL_FORMS": "0",
            "organisations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(detail__via="admin")
    assert (entry.actor, entry.action, entry.target_label) == (admin, "update", demo.name)


# --- Headers (security review, issue 14) ------------------------------------------------------------------


def test_every_response_carries_a_permissions_policy(client, client_for):
    expected = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    assert client.get(reverse("accounts:login"))["Permissions-Policy"] == expected
    assert client.get("/no-such-page/")["Permissions-Policy"] == expected
    assert client.get(reverse("api:incidents"))["Permissions-Policy"] == expected
    assert client_for("coordinator").get(reverse("core:home"))["Permissions-Policy"] == expected


def _never_stored(response):
    assert response.status_code == 200, response
    assert "no-store" in response["Cache-Control"]


def test_personal_calendar_feeds_and_every_download_are_never_stored(client, client_for, url_args):
    # The personal feed is read by a calendar app with its secret link, not signed in.
    _never_stored(client.get(reverse("recovery:feed", kwargs=url_args["recovery:feed"])))

    coordinator = client_for("coordinator")
    _never_stored(coordinator.get(reverse("meetings:calendar", kwargs=url_args["meetings:calendar"])))
    for file_format in ("csv", "xlsx"):
        export = reverse("reports:export", kwargs={"dataset": "incidents", "file_format": file_format})
        _never_stored(coordinator.get(export))
    for name in ("reports:readiness_pdf", "reports:incident_sitrep", "reports:meeting_pack_pdf"):
        _never_stored(coordinator.get(reverse(name, kwargs=url_args[name])))
    _never_stored(coordinator.post(reverse("partnerships:contacts_export")))
    subject_access = reverse("recovery:subject_access", kwargs=url_args["recovery:subject_access"])
    _never_stored(coordinator.post(subject_access, {"reason": "Subject-access request received 3 March"}))


def test_refusals_and_pages_not_found_are_logged_as_one_line_without_a_traceback(client_for, caplog):
    client = client_for("viewer")
    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get(reverse("accounts:members")).status_code == 403
        assert client.get("/no-such-page/").status_code == 404
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert [record.status_code for record in logged] == [403, 404]
    assert all(record.exc_info is None for record in logged)
    assert "Traceback" not in caplog.text
