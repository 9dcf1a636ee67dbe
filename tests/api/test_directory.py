"""Organisations and contacts through the API: every member reads them, coordinators keep them."""

import pytest

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships.models import Contact, Organisation
from tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/api/v1/organisations/"
CONTACTS = "/api/v1/contacts/"


@pytest.mark.parametrize("role", ["coordinator", "responder", "police", "health", "viewer"])
def test_every_member_reads_the_directory(api_as, demo, role):
    api = api_as(role)
    assert api.get(ORGANISATIONS).json()["count"] == demo.organisations.filter(is_active=True).count()
    assert api.get(CONTACTS).json()["count"] == Contact.objects.filter(organisation__partnership=demo).count()


def test_another_partnerships_directory_is_not_found(api_as, demo, other_partnership):
    southmoor, _ = other_partnership
    theirs = OrganisationFactory(partnership=southmoor, name="Southmoor Police")
    contact = ContactFactory(organisation=theirs)
    api = api_as("coordinator")
    assert api.get(f"{ORGANISATIONS}{theirs.pk}/").status_code == 404
    assert api.get(f"{CONTACTS}{contact.pk}/").status_code == 404
    assert api.get(CONTACTS, {"organisation": theirs.pk}).json()["count"] == 0
    moved = api.post(
        CONTACTS, {"organisation": theirs.pk, "name": "Sam", "owner": contact.owner_id}, format="json"
    )
    assert moved.status_code == 400 and "organisation" in moved.json()


@pytest.mark.parametrize(
    "role, status", [("coordinator", 201), ("responder", 403), ("police", 403), ("viewer", 403)]
)
def test_only_coordinators_add_organisations(api_as, demo, demo_users, role, status):
    body = {"name": "Eastfield Mosque", "kind": "faith", "owner": demo_users["coordinator"].pk}
    response = api_as(role).post(ORGANISATIONS, body, format="json")
    assert response.status_code == status
    assert Organisation.objects.filter(name="Eastfield Mosque").exists() == (status == 201)


def test_adding_a_contact_is_audited_like_the_web(api_as, demo, demo_users):
    police = demo.organisations.get(kind="police")
    body = {
        "organisation": police.pk,
        "name": "Sam Patel",
        "email": "sam@example.org",
        "owner": demo_users["police"].pk,
    }
    response = api_as("coordinator").post(CONTACTS, body, format="json")
    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, target_type="partnerships.Contact")
    assert entry.target_id == str(contact.pk) and entry.actor == demo_users["coordinator"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"email": "not an email"}, "email"),
        ({"escalation_order": 0}, "escalation_order"),
        ({"owner": 999_999}, "owner"),
        ({"owner": "someone"}, "owner"),
        ({"review_due": "31/02/2027"}, "review_due"),
    ],
)
def test_a_bad_contact_is_a_400_naming_the_field(api_as, demo, demo_users, body, field):
    police = demo.organisations.get(kind="police")
    given = {"organisation": police.pk, "name": "Sam", "owner": demo_users["police"].pk, **body}
    response = api_as("coordinator").post(CONTACTS, given, format="json")
    assert response.status_code == 400 and field in response.json()


def test_a_contact_already_listed_at_the_organisation_is_a_400_naming_the_name(api_as, demo, demo_users):
    """The defect: the API listed the same person twice at an organisation, which the contacts import
    refuses."""
    police = demo.organisations.get(kind="police")
    ruth = police.contacts.get(name="Detective Inspector Ruth Adeyemi")
    body = {"organisation": police.pk, "name": ruth.name.lower(), "email": ruth.email, "owner": ruth.owner_id}
    response = api_as("coordinator").post(CONTACTS, body, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert police.contacts.filter(name__iexact=ruth.name).count() == 1


def test_an_organisation_name_is_used_once(api_as, demo, demo_users):
    taken = demo.organisations.first().name
    body = {"name": taken.upper(), "kind": "other", "owner": demo_users["coordinator"].pk}
    response = api_as("coordinator").post(ORGANISATIONS, body, format="json")
    assert response.status_code == 400 and "name" in response.json()


def test_an_update_needs_the_revision_and_a_stale_one_is_a_409(api_as, demo):
    contact = Contact.objects.filter(organisation__partnership=demo).first()
    api = api_as("coordinator")
    address = f"{CONTACTS}{contact.pk}/"
    assert api.patch(address, {"job_title": "Inspector"}, format="json").status_code == 400
    saved = api.patch(address, {"job_title": "Inspector", "revision": contact.revision}, format="json")
    assert saved.status_code == 200 and saved.json()["revision"] == contact.revision + 1
    stale = api.patch(address, {"job_title": "Sergeant", "revision": contact.revision}, format="json")
    assert stale.status_code == 409 and stale.json()["current_revision"] == contact.revision + 1
    contact.refresh_from_db()
    assert contact.job_title == "Inspector"


def test_a_contact_stays_with_their_organisation(api_as, demo):
    contact = Contact.objects.filter(organisation__partnership=demo).first()
    other = demo.organisations.exclude(pk=contact.organisation_id).first()
    api_as("coordinator").patch(
        f"{CONTACTS}{contact.pk}/", {"organisation": other.pk, "revision": contact.revision}, format="json"
    )
    contact.refresh_from_db()
    assert contact.organisation_id != other.pk
