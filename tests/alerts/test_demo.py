"""The demo's alerting: the responder on duty now, a deputy, a senior manager, an alert list, a policy and
a protocol of Northbridge's own; and every demo account has a mobile number from Ofcom's drama range."""

import pytest
from django.core.management import call_command

from svtoolkit.accounts.models import User
from svtoolkit.alerts import selectors
from svtoolkit.alerts.models import AlertListMember, DutyShift, EscalationPolicy, LaunchProtocol
from svtoolkit.partnerships.models import Partnership

pytestmark = pytest.mark.django_db


def test_the_demo_has_someone_on_duty_in_every_role_and_seeding_twice_changes_nothing(monkeypatch):
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "demo passphrase 2026")
    call_command("seed_demo")
    northbridge = Partnership.objects.get(slug="northbridge")
    now = {position.role: position for position in selectors.rota_now_and_next(northbridge)}
    assert now["duty_officer"].now.person.email == "responder@example.org"
    assert now["deputy"].now.person.email == "coordinator@example.org"
    assert now["senior_manager"].now.person.email == "gold@example.org"
    assert now["duty_officer"].next.person.email == "coordinator@example.org"
    assert [entry.user.email for entry in AlertListMember.objects.all()] == ["communications@example.org"]
    assert EscalationPolicy.objects.filter(partnership=northbridge).exists()
    assert LaunchProtocol.objects.get(partnership=northbridge).rules.count() > 5
    shifts = DutyShift.objects.count()
    call_command("seed_demo")
    assert DutyShift.objects.count() == shifts
    mobiles = User.objects.values_list("mobile_number", flat=True)
    assert all(number.startswith("07700 900") for number in mobiles)
