import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from svtoolkit.accounts.models import Membership, User
from svtoolkit.alerts.demo import EXTRA_PEOPLE
from svtoolkit.messaging.models import Delivery
from svtoolkit.partnerships.demo import DEMO_REGION_USERS
from svtoolkit.partnerships.models import Contact, IncidentRole, Organisation, Partnership, SupportService

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Partnership.objects.values_list("slug", flat=True)),
        list(Organisation.objects.order_by("pk").values_list("name", "kind")),
        list(User.objects.order_by("pk").values_list("email", "password")),
        list(Membership.objects.order_by("pk").values_list("user__email", "role", "organisation__name")),
        list(
            Contact.objects.order_by("pk").values_list(
                "organisation__name",
                "name",
                "email",
                "phone",
                "incident_role",
                "escalation_order",
                "owner__email",
                "review_due",
                "revision",
            )
        ),
        list(
            SupportService.objects.order_by("pk").values_list(
                "name", "kind", "provider__name", "how_to_refer", "owner__email", "review_due", "revision"
            )
        ),
    )


def test_seeding_twice_changes_nothing(monkeypatch, capsys):
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "demo passphrase 2026")
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    # The five demo accounts, the region's two, and the two council people the alerting demo alerts.
    assert len(first[2]) == 5 + len(DEMO_REGION_USERS) + len(EXTRA_PEOPLE)
    assert first[0] == ["eastmere", "northbridge", "westford"]
    assert Partnership.objects.filter(region__slug="north-riverside").count() == 3
    assert len(first[4]) >= 8 and 6 <= len(first[5]) <= 8
    assert User.objects.get(email="police@example.org").check_password("demo passphrase 2026")
    seeded = capsys.readouterr().out
    # Seeding sends nothing: the demo's messages are in the outbox already, none left for the worker to send.
    assert mail.outbox == []
    assert Delivery.objects.exists()
    assert not Delivery.objects.exclude(provider="outbox", status="delivered").exists()
    assert "demo passphrase 2026" in seeded
    # A line per stage as it goes, not minutes of silence.
    for stage in ("partnership, directory and accounts...", "checklist: done in", "reports: done in"):
        assert stage in seeded

    # Restarted without the variable: the password printed is the one that signs in, not a new one.
    monkeypatch.delenv("SVTOOLKIT_DEMO_PASSWORD")
    call_command("seed_demo", "--if-empty")
    assert "password: demo passphrase 2026" in capsys.readouterr().out
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "another passphrase")
    call_command("seed_demo", "--if-empty")
    restarted = capsys.readouterr().out
    assert "password: demo passphrase 2026" in restarted and "does not change it" in restarted


def test_several_organisations_have_a_single_point_of_contact_and_a_deputy(demo):
    roles = Contact.objects.filter(organisation__partnership=demo).values_list(
        "organisation__name", "incident_role"
    )
    with_both = {name for name, role in roles if role == IncidentRole.SINGLE_POINT_OF_CONTACT} & {
        name for name, role in roles if role == IncidentRole.DEPUTY
    }
    assert len(with_both) >= 3
    assert not Contact.objects.filter(owner__isnull=True).exists()
    assert not SupportService.objects.filter(owner__isnull=True).exists()


def test_generated_password_is_printed_and_kept(monkeypatch, capsys, settings, client):
    monkeypatch.delenv("SVTOOLKIT_DEMO_PASSWORD", raising=False)
    call_command("seed_demo", "--if-empty")
    password = (settings.VAR_DIR / "demo-password").read_text().strip()
    assert f"password: {password}" in capsys.readouterr().out
    response = client.post(
        reverse("accounts:login"), {"username": "viewer@example.org", "password": password}
    )
    assert response.status_code == 302


def test_if_empty_leaves_an_existing_database_alone(monkeypatch, capsys):
    User.objects.create_user("someone@example.org", "a long passphrase", full_name="Someone")
    call_command("seed_demo", "--if-empty")
    assert not Partnership.objects.exists()
