"""The demo's alerting: the responder on duty now, a deputy, a senior manager, an alert list, a policy and
a protocol of Northbridge's own; and every demo account has a mobile number from Ofcom's drama range."""

import pytest

from svtoolkit.accounts.models import User
from svtoolkit.alerts import selectors
from svtoolkit.alerts.models import AlertListMember, EscalationPolicy, LaunchProtocol
from svtoolkit.partnerships.models import Partnership

pytestmark = pytest.mark.xdist_group("seeded_demo")


def test_the_demo_has_someone_on_duty_in_every_role(seeded_demo):
    northbridge = Partnership.objects.get(slug="northbridge")
    now = {position.role: position for position in selectors.rota_now_and_next(northbridge)}
    assert now["duty_officer"].now.person.email == "responder@example.org"
    assert now["deputy"].now.person.email == "coordinator@example.org"
    assert now["senior_manager"].now.person.email == "gold@example.org"
    assert now["duty_officer"].next.person.email == "coordinator@example.org"
    assert [entry.user.email for entry in AlertListMember.objects.all()] == ["communications@example.org"]
    assert EscalationPolicy.objects.filter(partnership=northbridge).exists()
    assert LaunchProtocol.objects.get(partnership=northbridge).rules.count() > 5
    mobiles = User.objects.values_list("mobile_number", flat=True)
    assert all(number.startswith("07700 900") for number in mobiles)
