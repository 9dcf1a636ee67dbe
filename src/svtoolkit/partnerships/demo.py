"""The fictional Northbridge Community Safety Partnership, for demonstrations and tests."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.partnerships.models import Organisation, OrganisationKind, Partnership

DEMO_PARTNERSHIP = {
    "name": "Northbridge Community Safety Partnership",
    "slug": "northbridge",
    "area": "London Borough of Northbridge",
    "reference_prefix": "NB",
}

DEMO_ORGANISATIONS = [
    ("Northbridge Council Community Safety Team", OrganisationKind.COUNCIL),
    ("Metropolitan Police, Northbridge Basic Command Unit", OrganisationKind.POLICE),
    ("British Transport Police, Northbridge sector", OrganisationKind.BRITISH_TRANSPORT_POLICE),
    ("London Fire Brigade, Northbridge borough", OrganisationKind.FIRE),
    ("London Ambulance Service", OrganisationKind.AMBULANCE),
    ("Northbridge Children's Social Care", OrganisationKind.CHILDRENS_SOCIAL_CARE),
    ("Northbridge Adults' Social Care", OrganisationKind.ADULTS_SOCIAL_CARE),
    ("Northbridge University Hospital", OrganisationKind.HEALTH_HOSPITAL),
    ("Northbridge GP Federation", OrganisationKind.HEALTH_GP),
    ("Northbridge Public Health", OrganisationKind.HEALTH_PUBLIC),
    ("Probation Service, Northbridge", OrganisationKind.PROBATION),
    ("Northbridge Youth Justice Service", OrganisationKind.YOUTH_JUSTICE),
    ("Northbridge Education and Schools", OrganisationKind.EDUCATION),
    ("Northbridge Homes", OrganisationKind.HOUSING),
    ("Northbridge Youth Trust", OrganisationKind.VOLUNTARY),
    ("Northbridge Faith Forum", OrganisationKind.FAITH),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    organisation: str


DEMO_USERS = [
    DemoUser(
        "coordinator@example.org",
        "Chris Okafor",
        Role.COORDINATOR,
        "Northbridge Council Community Safety Team",
    ),
    DemoUser(
        "responder@example.org", "Rosa Delgado", Role.RESPONDER, "Northbridge Council Community Safety Team"
    ),
    DemoUser(
        "police@example.org",
        "Pat Hughes",
        Role.PARTNER,
        "Metropolitan Police, Northbridge Basic Command Unit",
    ),
    DemoUser("health@example.org", "Hana Sato", Role.PARTNER, "Northbridge University Hospital"),
    DemoUser("viewer@example.org", "Val Mensah", Role.VIEWER, "Northbridge Council Community Safety Team"),
]


def demo_password_file():
    return settings.VAR_DIR / "demo-password"


def demo_password(explicit: str | None) -> str:
    """SVTOOLKIT_DEMO_PASSWORD when set; otherwise one generated once and kept in var/ (owner-only)."""
    if explicit:
        return explicit
    path = demo_password_file()
    if path.exists():
        return path.read_text().strip()
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password


@transaction.atomic
def seed_demo_partnership(*, password: str) -> Partnership:
    """Create what is missing of the demo partnership; what exists already is left as it is."""
    partnership, _ = Partnership.objects.get_or_create(
        slug=DEMO_PARTNERSHIP["slug"], defaults=DEMO_PARTNERSHIP
    )
    organisations = {}
    for name, kind in DEMO_ORGANISATIONS:
        organisations[name], _ = Organisation.objects.get_or_create(
            partnership=partnership, name=name, defaults={"kind": kind}
        )
    for person in DEMO_USERS:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User.objects.create_user(person.email, password, full_name=person.full_name)
        Membership.objects.get_or_create(
            user=user,
            partnership=partnership,
            defaults={"role": person.role, "organisation": organisations[person.organisation]},
        )
    return partnership
