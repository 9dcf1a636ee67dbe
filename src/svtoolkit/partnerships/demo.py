"""The fictional Northbridge Community Safety Partnership, for demonstrations and tests."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.partnerships.models import (
    REPORTING_KINDS,
    Contact,
    IncidentRole,
    Organisation,
    OrganisationKind,
    Partnership,
    Region,
    RegionMembership,
    RegionRole,
    SupportService,
    SupportServiceKind,
    a_year_from_today,
)

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
    # A school of its own, for the schools strand of an incident (the stabbing happened outside it).
    ("Northbridge Academy", OrganisationKind.SCHOOL),
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
    # From Ofcom's range kept for drama (07700 900xxx): a text to it reaches nobody.
    mobile: str = ""


DEMO_USERS = [
    DemoUser(
        "coordinator@example.org",
        "Chris Okafor",
        Role.COORDINATOR,
        "Northbridge Council Community Safety Team",
        "07700 900011",
    ),
    DemoUser(
        "responder@example.org",
        "Rosa Delgado",
        Role.RESPONDER,
        "Northbridge Council Community Safety Team",
        "07700 900012",
    ),
    DemoUser(
        "police@example.org",
        "Pat Hughes",
        Role.PARTNER,
        "Metropolitan Police, Northbridge Basic Command Unit",
        "07700 900013",
    ),
    DemoUser(
        "health@example.org", "Hana Sato", Role.PARTNER, "Northbridge University Hospital", "07700 900014"
    ),
    DemoUser(
        "viewer@example.org",
        "Val Mensah",
        Role.VIEWER,
        "Northbridge Council Community Safety Team",
        "07700 900015",
    ),
]


# The demo region: the Violence Reduction Unit over Northbridge and its neighbours (regions/demo.py seeds the
# neighbours and their incidents; the region and its staff are here, so every test's demo has them).
DEMO_REGION = {"name": "North Riverside Violence Reduction Unit", "slug": "north-riverside"}


@dataclass(frozen=True)
class DemoRegionalUser:
    email: str
    full_name: str
    role: RegionRole
    is_duty_contact: bool
    mobile: str = ""


DEMO_REGION_USERS = [
    DemoRegionalUser(
        "region@example.org",
        "Rhiannon Price",
        RegionRole.COORDINATOR,
        is_duty_contact=True,
        mobile="07700 900030",
    ),
    DemoRegionalUser(
        "region-viewer@example.org",
        "Ravi Shah",
        RegionRole.VIEWER,
        is_duty_contact=False,
        mobile="07700 900031",
    ),
]


@dataclass(frozen=True)
class DemoContact:
    organisation: str
    name: str
    job_title: str
    role: IncidentRole
    order: int
    phone: str
    other_phone: str
    out_of_hours: str
    owner: str
    overdue_days: int = 0  # above 0: the review date passed that many days before seeding

    @property
    def email(self) -> str:
        first, last = self.name.split()[-2:]
        return f"{first.lower()}.{last.lower()}@example.org"


SPOC, DEPUTY = IncidentRole.SINGLE_POINT_OF_CONTACT, IncidentRole.DEPUTY
COUNCIL = "Northbridge Council Community Safety Team"
POLICE = "Metropolitan Police, Northbridge Basic Command Unit"
HOSPITAL = "Northbridge University Hospital"
SCHOOLS = "Northbridge Education and Schools"
CHILDREN = "Northbridge Children's Social Care"
YOUTH_TRUST = "Northbridge Youth Trust"

# Phone numbers are from Ofcom's ranges kept for drama (020 7946 0xxx, 07700 900xxx): they reach nobody.
DEMO_CONTACTS = [
    DemoContact(
        COUNCIL,
        "Amira Haddad",
        "Community Safety Manager",
        SPOC,
        1,
        "020 7946 0101",
        "07700 900101",
        "Council out-of-hours duty officer on 020 7946 0199.",
        "coordinator@example.org",
    ),
    DemoContact(
        COUNCIL,
        "Tom Whitfield",
        "Community Safety Officer",
        DEPUTY,
        2,
        "020 7946 0102",
        "07700 900102",
        "Via the council duty officer.",
        "coordinator@example.org",
    ),
    DemoContact(
        POLICE,
        "Detective Inspector Ruth Adeyemi",
        "Partnership Inspector",
        SPOC,
        1,
        "020 7946 0201",
        "07700 900201",
        "Duty Inspector through the control room, 020 7946 0299.",
        "police@example.org",
    ),
    DemoContact(
        POLICE,
        "Sergeant Lewis Grant",
        "Neighbourhood Sergeant",
        DEPUTY,
        2,
        "020 7946 0202",
        "07700 900202",
        "Duty Inspector through the control room.",
        "police@example.org",
        overdue_days=20,
    ),
    DemoContact(
        HOSPITAL,
        "Dr Priya Raman",
        "Emergency Department Consultant",
        SPOC,
        1,
        "020 7946 0301",
        "",
        "Site manager through switchboard, 020 7946 0300.",
        "health@example.org",
    ),
    DemoContact(
        HOSPITAL,
        "Mark Ellison",
        "Violence Reduction Lead",
        DEPUTY,
        2,
        "020 7946 0302",
        "07700 900302",
        "Site manager through switchboard.",
        "health@example.org",
    ),
    DemoContact(
        SCHOOLS,
        "Grace Osei",
        "Head of Inclusion",
        SPOC,
        1,
        "020 7946 0401",
        "07700 900401",
        "Not available; use the council duty officer.",
        "coordinator@example.org",
    ),
    DemoContact(
        SCHOOLS,
        "Daniel Byrne",
        "Education Safeguarding Lead",
        DEPUTY,
        2,
        "020 7946 0402",
        "",
        "Not available; use the council duty officer.",
        "coordinator@example.org",
    ),
    DemoContact(
        CHILDREN,
        "Fatima Noor",
        "Head of Service, Children in Need",
        SPOC,
        1,
        "020 7946 0501",
        "",
        "Emergency duty team, 020 7946 0599.",
        "responder@example.org",
    ),
    DemoContact(
        YOUTH_TRUST,
        "Kwame Asante",
        "Detached Youth Work Manager",
        SPOC,
        1,
        "020 7946 0601",
        "07700 900601",
        "Evenings until 22:00 on the mobile.",
        "responder@example.org",
    ),
]


@dataclass(frozen=True)
class DemoService:
    name: str
    kind: SupportServiceKind
    provider: str | None
    how_to_refer: str
    availability: str
    capacity_notes: str
    owner: str
    overdue_days: int = 0


DEMO_SUPPORT_SERVICES = [
    DemoService(
        "Northbridge Victim and Witness Support",
        SupportServiceKind.VICTIM_SUPPORT,
        None,
        "Police and partners refer by phone (020 7946 0701) or the secure email victims@example.org; "
        "people can also refer themselves.",
        "Monday to Friday 09:00 to 17:00; national line out of hours.",
        "Can add an enhanced caseworker for a major incident within 48 hours.",
        "coordinator@example.org",
    ),
    DemoService(
        "Bereavement support after sudden death",
        SupportServiceKind.BEREAVEMENT,
        None,
        "Referral form from the council community safety team; consent of the family needed.",
        "Weekdays; home visits in the evening by arrangement.",
        "Waiting list of about two weeks; urgent cases seen within three days.",
        "coordinator@example.org",
        overdue_days=45,
    ),
    DemoService(
        "Trauma-informed therapy for young people",
        SupportServiceKind.TRAUMA,
        CHILDREN,
        "Through the children's social care front door, 020 7946 0500.",
        "Weekdays 09:00 to 17:00.",
        "Group sessions can be set up in a school within a week of an incident.",
        "responder@example.org",
    ),
    DemoService(
        "Detached youth work team",
        SupportServiceKind.DETACHED_YOUTH_WORK,
        YOUTH_TRUST,
        "Call the team manager; give the area and times you need workers.",
        "Tuesday to Saturday, 16:00 to 22:00.",
        "Two teams of two; extra evenings need 48 hours' notice.",
        "responder@example.org",
    ),
    DemoService(
        "Community mediation service",
        SupportServiceKind.MEDIATION,
        COUNCIL,
        "Email mediation@example.org with the parties and what has happened.",
        "Weekdays; evening sessions possible.",
        "",
        "coordinator@example.org",
    ),
    DemoService(
        "Council CCTV control room",
        SupportServiceKind.CCTV,
        COUNCIL,
        "Police request footage through the control room supervisor, 020 7946 0801.",
        "Staffed 24 hours a day, every day.",
        "Footage is kept for 31 days.",
        "police@example.org",
    ),
    DemoService(
        "Hospital violence-reduction team",
        SupportServiceKind.HOSPITAL_VIOLENCE_REDUCTION,
        HOSPITAL,
        "Emergency department staff refer patients aged 11 to 25 hurt by violence.",
        "Youth workers in the emergency department 12:00 to 00:00 daily.",
        "",
        "health@example.org",
    ),
    DemoService(
        "Schools' critical-incident support",
        SupportServiceKind.SCHOOLS_CRITICAL_INCIDENT,
        SCHOOLS,
        "Head teachers call the Head of Inclusion; the team sends educational psychologists.",
        "School days; the Head of Inclusion's mobile at weekends.",
        "Can support up to three schools at once.",
        "coordinator@example.org",
    ),
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
    keep_demo_password(password)
    return password


def keep_demo_password(password: str) -> None:
    """Keep the password the demo accounts sign in with in var/ (owner-only), to print on every start."""
    path = demo_password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)


def working_demo_password(explicit: str | None) -> str | None:
    """The password the demo accounts actually sign in with: SVTOOLKIT_DEMO_PASSWORD if it does, else the one
    kept in var/ if it does; None when neither does (the accounts were made with a password not kept)."""
    user = User.objects.filter(email=DEMO_USERS[0].email).first()
    path = demo_password_file()
    kept = path.read_text().strip() if path.exists() else ""
    for candidate in (explicit, kept):
        if candidate and user is not None and user.check_password(candidate):
            return candidate
    return None


def _review_due(overdue_days: int):
    if overdue_days:
        return timezone.localdate() - timedelta(days=overdue_days)
    return a_year_from_today()


def _ownership(entry: DemoContact | DemoService, users: dict[str, User]) -> dict:
    """The owner and review date of a directory entry of the demo."""
    return {"owner": users[entry.owner], "review_due": _review_due(entry.overdue_days)}


@transaction.atomic
def seed_demo_partnership(*, password: str) -> Partnership:
    """Create what is missing of the demo partnership; what exists already is left as it is."""
    partnership, _ = Partnership.objects.get_or_create(
        slug=DEMO_PARTNERSHIP["slug"], defaults=DEMO_PARTNERSHIP
    )
    users = {}
    for person in [*DEMO_USERS, *DEMO_REGION_USERS]:
        users[person.email] = User.objects.filter(email=person.email).first()
        if users[person.email] is None:
            users[person.email] = User.objects.create_user(
                person.email, password, full_name=person.full_name, mobile_number=person.mobile
            )
        elif not users[person.email].mobile_number and person.mobile:
            # Demo accounts made before they had numbers get one, so alerts reach them by text too.
            User.objects.filter(pk=users[person.email].pk).update(mobile_number=person.mobile)
    coordinator = users[DEMO_USERS[0].email]
    # What is missing is made in one insert per kind of entry (the test suite seeds the partnership for a
    # thousand tests: one query at a time it cost each about 220). Organisations made here have no members
    # yet, so their post_save signal, which forgets their members' access, has nothing to do.
    organisations = {
        organisation.name: organisation
        for organisation in Organisation.objects.filter(
            partnership=partnership, name__in=[name for name, _ in DEMO_ORGANISATIONS]
        )
    }
    missing = [
        Organisation(
            partnership=partnership,
            name=name,
            kind=kind,
            owner=coordinator,
            may_report_incidents=kind in REPORTING_KINDS,
        )
        for name, kind in DEMO_ORGANISATIONS
        if name not in organisations
    ]
    for organisation in Organisation.objects.bulk_create(missing):
        organisations[organisation.name] = organisation
    # The council's community safety team leads the partnership (it takes part in every incident), unless a
    # coordinator has named another lead organisation since: their choice stands.
    Organisation.objects.filter(partnership=partnership, name=DEMO_ORGANISATIONS[0][0]).filter(
        ~Exists(Organisation.objects.filter(partnership=partnership, leads_partnership=True))
    ).update(leads_partnership=True)
    members = set(Membership.objects.filter(partnership=partnership).values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        Membership(
            user=users[person.email],
            partnership=partnership,
            role=person.role,
            organisation=organisations[person.organisation],
        )
        for person in DEMO_USERS
        if users[person.email].pk not in members
    )
    region, _ = Region.objects.get_or_create(slug=DEMO_REGION["slug"], defaults=DEMO_REGION)
    if partnership.region_id is None:
        partnership.region = region
        partnership.save(update_fields=["region"])
    for person in DEMO_REGION_USERS:
        RegionMembership.objects.get_or_create(
            region=region,
            user=users[person.email],
            defaults={"role": person.role, "is_duty_contact": person.is_duty_contact},
        )
    contacts = set(
        Contact.objects.filter(organisation__partnership=partnership).values_list("organisation_id", "name")
    )
    Contact.objects.bulk_create(
        Contact(
            organisation=organisations[contact.organisation],
            name=contact.name,
            job_title=contact.job_title,
            email=contact.email,
            phone=contact.phone,
            other_phone=contact.other_phone,
            out_of_hours=contact.out_of_hours,
            incident_role=contact.role,
            escalation_order=contact.order,
            **_ownership(contact, users),
        )
        for contact in DEMO_CONTACTS
        if (organisations[contact.organisation].pk, contact.name) not in contacts
    )
    services = set(SupportService.objects.filter(partnership=partnership).values_list("name", flat=True))
    SupportService.objects.bulk_create(
        SupportService(
            partnership=partnership,
            name=service.name,
            kind=service.kind,
            provider=organisations[service.provider] if service.provider else None,
            how_to_refer=service.how_to_refer,
            availability=service.availability,
            capacity_notes=service.capacity_notes,
            **_ownership(service, users),
        )
        for service in DEMO_SUPPORT_SERVICES
        if service.name not in services
    )
    return partnership
