"""Northbridge's demo alerting: a fortnight's duty rota, an alert list, the escalation policy and the launch
protocol, so `make run` shows an alert going to the demo responder at once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.alerts import services
from svtoolkit.alerts.models import AlertListMember, DutyRole, DutyShift, EscalationPolicy, LaunchProtocol
from svtoolkit.alerts.selectors import escalation_steps

COUNCIL = "Northbridge Council Community Safety Team"
# Two more of the council's people, who receive alerts but do not sign in to the demo. Their numbers are from
# Ofcom's range kept for drama (07700 900xxx): a text to them reaches nobody.
EXTRA_PEOPLE = [
    ("gold@example.org", "Sam Whitlock", "07700 900016"),  # the senior manager ("gold")
    ("communications@example.org", "Dana Price", "07700 900017"),  # head of communications, on the alert list
]
OUT_OF_HOURS = {
    "responder@example.org": "07700 900012",
    "coordinator@example.org": "07700 900011",
    "gold@example.org": "07700 900016",
}
ROTA_DAYS = 14
CHANGEOVER_HOUR = 8


def _person(email, full_name, mobile, partnership):
    person = User.objects.filter(email=email).first()
    if person is None:
        person = User.objects.create_user(email, None, full_name=full_name, mobile_number=mobile)
    council = partnership.organisations.get(name=COUNCIL)
    Membership.objects.get_or_create(
        user=person, partnership=partnership, defaults={"role": Role.RESPONDER, "organisation": council}
    )
    return person


@transaction.atomic
def seed_demo_alerting(*, partnership, users) -> None:
    """Skipped once the partnership has a rota, so seeding twice changes nothing."""
    if DutyShift.objects.filter(partnership=partnership).exists():
        return
    coordinator, responder = users["coordinator"], users["responder"]
    gold, communications = (_person(*person, partnership) for person in EXTRA_PEOPLE)
    now = timezone.localtime()
    first_day = now.replace(hour=CHANGEOVER_HOUR, minute=0, second=0, microsecond=0)
    if first_day > now:
        first_day -= timedelta(days=1)
    # Day-long shifts from 08:00 to 08:00 (overnight), the responder and the coordinator taking turns as duty
    # officer and deputy; the senior manager covers a week at a time.
    for day in range(ROTA_DAYS):
        starts = first_day + timedelta(days=day)
        duty, deputy = (responder, coordinator) if day % 2 == 0 else (coordinator, responder)
        for person, role in ((duty, DutyRole.DUTY_OFFICER), (deputy, DutyRole.DEPUTY)):
            DutyShift.objects.create(
                partnership=partnership,
                person=person,
                role=role,
                starts_at=starts,
                ends_at=starts + timedelta(days=1),
                out_of_hours_number=OUT_OF_HOURS[person.email],
                created_by=coordinator,
            )
        if day % 7 == 0:
            DutyShift.objects.create(
                partnership=partnership,
                person=gold,
                role=DutyRole.SENIOR_MANAGER,
                starts_at=starts,
                ends_at=starts + timedelta(days=7),
                out_of_hours_number=OUT_OF_HOURS[gold.email],
                created_by=coordinator,
            )
    AlertListMember.objects.get_or_create(
        partnership=partnership, user=communications, defaults={"added_by": coordinator}
    )
    if not EscalationPolicy.objects.filter(partnership=partnership).exists():
        services.set_escalation_policy(
            partnership=partnership,
            after_minutes={step.duty_role: step.after_minutes for step in escalation_steps(partnership)},
            by=coordinator,
        )
    if not LaunchProtocol.objects.filter(partnership=partnership).exists():
        services.adopt_shipped_protocol(partnership, coordinator)
