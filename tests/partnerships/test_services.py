"""The directory's services: rules, audit entries and optimistic concurrency."""

from datetime import date

import pytest

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.partnerships import selectors, services
from svtoolkit.partnerships.models import Contact, IncidentRole, Organisation, OrganisationKind
from tests.factories import ContactFactory, OrganisationFactory, SupportServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def contact_details(owner, **changes):
    details = {
        "name": "Amira Haddad",
        "job_title": "Community Safety Manager",
        "email": "amira.haddad@example.org",
        "phone": "020 7946 0101",
        "other_phone": "",
        "out_of_hours": "Council duty officer.",
        "incident_role": IncidentRole.SINGLE_POINT_OF_CONTACT,
        "escalation_order": 1,
        "owner": owner,
        "review_due": date(2030, 1, 31),
    }
    return {**details, **changes}


def test_creating_an_organisation_is_audited(demo, demo_users):
    coordinator = demo_users["coordinator"]
    organisation = services.create_organisation(
        partnership=demo,
        details={
            "name": "Northbridge Mosque",
            "kind": OrganisationKind.FAITH,
            "owner": coordinator,
            "review_due": date(2030, 1, 1),
        },
        by=coordinator,
    )
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, target_id=str(organisation.pk))
    assert entry.partnership == demo and entry.actor == coordinator
    assert entry.detail["name"] == "Northbridge Mosque" and entry.detail["review_due"] == "2030-01-01"


def test_organisation_names_are_unique_in_a_partnership_whatever_the_case(demo, demo_users):
    with pytest.raises(DomainError, match="already an organisation called"):
        services.create_organisation(
            partnership=demo,
            details={
                "name": "northbridge youth trust",
                "kind": OrganisationKind.VOLUNTARY,
                "owner": None,
                "review_due": date(2030, 1, 1),
            },
            by=demo_users["coordinator"],
        )


def test_an_owner_must_be_a_member_of_the_partnership(demo, demo_users, other_partnership):
    organisation = Organisation.objects.get(partnership=demo, name="Northbridge Youth Trust")
    outsider = other_partnership[1].user
    with pytest.raises(DomainError, match="not a member"):
        services.create_contact(
            organisation=organisation, details=contact_details(outsider), by=demo_users["coordinator"]
        )
    assert not organisation.contacts.filter(name="Amira Haddad").exists()


def test_update_raises_the_revision_and_audits_what_changed(demo, demo_users):
    contact = ContactFactory(organisation__partnership=demo, owner=demo_users["police"])
    old_name = contact.name
    updated = services.update_contact(
        contact=contact,
        expected_revision=1,
        details=contact_details(demo_users["police"], name="Ruth Adeyemi"),
        by=demo_users["coordinator"],
    )
    assert updated.revision == 2 and updated.name == "Ruth Adeyemi"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, target_id=str(contact.pk))
    assert entry.detail["changes"]["name"] == {"before": old_name, "after": "Ruth Adeyemi"}
    assert "owner" not in entry.detail["changes"]


def test_a_save_from_a_stale_revision_is_refused_and_changes_nothing(demo, demo_users):
    contact = ContactFactory(organisation__partnership=demo, owner=demo_users["police"])
    coordinator = demo_users["coordinator"]
    services.update_contact(
        contact=contact, expected_revision=1, details=contact_details(None, name="First edit"), by=coordinator
    )
    with pytest.raises(EditConflict) as raised:
        services.update_contact(
            contact=contact,
            expected_revision=1,
            details=contact_details(None, name="Second edit"),
            by=coordinator,
        )
    assert "Someone else changed this contact" in str(raised.value)
    assert raised.value.current_revision == 2
    contact.refresh_from_db()
    assert contact.name == "First edit"
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE).count() == 1


def test_a_contact_already_listed_at_the_organisation_is_not_added_or_made_again(demo, demo_users):
    """The defect: the add form and the API listed the same person twice at an organisation (same name and
    email, case aside), which the contacts import refuses."""
    coordinator = demo_users["coordinator"]
    trust = demo.organisations.get(name="Northbridge Youth Trust")
    kwame = trust.contacts.get(name="Kwame Asante")
    again = contact_details(coordinator, name="KWAME ASANTE", email=kwame.email.upper())
    with pytest.raises(DomainError) as raised:
        services.create_contact(organisation=trust, details=again, by=coordinator)
    assert raised.value.field == "name"
    assert raised.value.message == (
        f"KWAME ASANTE is already a contact of {trust.name}, with this email address"
    )
    other = services.create_contact(organisation=trust, details=contact_details(coordinator), by=coordinator)
    with pytest.raises(DomainError, match="already a contact of"):
        services.update_contact(
            contact=other,
            expected_revision=1,
            details={"name": "kwame asante", "email": kwame.email},
            by=coordinator,
        )
    # Elsewhere, or once the first is removed, the same person may be listed.
    police = demo.organisations.get(kind="police")
    services.create_contact(organisation=police, details=again, by=coordinator)
    services.deactivate_contact(contact=kwame, expected_revision=kwame.revision, by=coordinator)
    services.create_contact(organisation=trust, details=again, by=coordinator)
    assert trust.contacts.filter(is_active=True, name__iexact="kwame asante").count() == 1


def test_deactivating_a_contact_hides_it_and_is_audited(demo, demo_users):
    contact = ContactFactory(organisation__partnership=demo)
    services.deactivate_contact(
        contact=contact, expected_revision=contact.revision, by=demo_users["coordinator"]
    )
    assert contact not in selectors.contacts_of(demo)
    assert Contact.objects.filter(pk=contact.pk, is_active=False).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, target_id=str(contact.pk)).exists()


def test_a_support_service_provider_must_belong_to_the_partnership(demo, demo_users, other_partnership):
    elsewhere = OrganisationFactory(partnership=other_partnership[0])
    with pytest.raises(DomainError, match="organisation of this partnership"):
        services.create_support_service(
            partnership=demo,
            details={
                "name": "Street pastors",
                "kind": "other",
                "provider": elsewhere,
                "how_to_refer": "Call.",
                "availability": "",
                "capacity_notes": "",
                "owner": None,
                "review_due": date(2030, 1, 1),
            },
            by=demo_users["coordinator"],
        )


def test_deactivating_a_support_service_takes_it_out_of_the_register(demo, demo_users):
    service = SupportServiceFactory(partnership=demo)
    services.deactivate_support_service(
        service=service, expected_revision=service.revision, by=demo_users["coordinator"]
    )
    assert service not in selectors.support_services_of(demo)


def test_import_creates_every_contact_owned_by_the_importer_when_no_owner_is_given(demo, demo_users):
    organisation = Organisation.objects.get(partnership=demo, name="Northbridge Youth Trust")
    rows = [
        {**contact_details(None, name=f"Youth worker {n}"), "organisation": organisation} for n in range(3)
    ]
    assert services.import_contacts(partnership=demo, rows=rows, by=demo_users["coordinator"]) == 3
    imported = organisation.contacts.filter(name__startswith="Youth worker")
    assert set(imported.values_list("owner__email", flat=True)) == {"coordinator@example.org"}
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="partnerships.Contact").count() == 3
    )


def test_import_refuses_an_organisation_of_another_partnership_and_creates_nothing(
    demo, demo_users, other_partnership
):
    ours = Organisation.objects.get(partnership=demo, name="Northbridge Youth Trust")
    theirs = OrganisationFactory(partnership=other_partnership[0])
    rows = [
        {**contact_details(None, name="Fine"), "organisation": ours},
        {**contact_details(None, name="Not ours"), "organisation": theirs},
    ]
    before = Contact.objects.count()
    with pytest.raises(DomainError):
        services.import_contacts(partnership=demo, rows=rows, by=demo_users["coordinator"])
    assert Contact.objects.count() == before


def test_import_refuses_a_contact_a_colleague_added_after_the_file_was_checked_and_creates_nothing(
    demo, demo_users
):
    """The defect: the import's rows were checked against the directory before saving, and not again under
    the organisation's lock when saved, so a contact a colleague added meanwhile was listed twice."""
    organisation = Organisation.objects.get(partnership=demo, name="Northbridge Youth Trust")
    rows = [
        {**contact_details(None, name="Youth worker"), "organisation": organisation},
        {**contact_details(None, name="Amira Haddad"), "organisation": organisation},
    ]  # checked: neither is listed yet
    services.create_contact(
        organisation=organisation,
        details=contact_details(demo_users["police"], name="AMIRA HADDAD"),
        by=demo_users["coordinator"],
    )
    with pytest.raises(DomainError, match="Amira Haddad is already a contact of Northbridge Youth Trust"):
        services.import_contacts(partnership=demo, rows=rows, by=demo_users["coordinator"])
    listed = organisation.contacts.filter(is_active=True)
    assert listed.filter(name__iexact="amira haddad").count() == 1
    assert not listed.filter(name="Youth worker").exists()


def test_a_user_who_is_not_a_member_cannot_be_made_owner_by_update(demo, demo_users):
    contact = ContactFactory(organisation__partnership=demo)
    with pytest.raises(DomainError):
        services.update_contact(
            contact=contact,
            expected_revision=1,
            details=contact_details(UserFactory()),
            by=demo_users["coordinator"],
        )
    contact.refresh_from_db()
    assert contact.revision == 1


def a_new_lead_named(partnership, *, by) -> Organisation:
    """A new organisation, named the partnership's lead by ``by``."""
    new_lead = OrganisationFactory(partnership=partnership)
    services.update_organisation(
        organisation=new_lead,
        expected_revision=new_lead.revision,
        details={"name": new_lead.name, "leads_partnership": True},
        by=by,
    )
    return new_lead


def test_a_page_open_on_the_lead_cannot_make_it_lead_again_once_another_was_named(demo, demo_users):
    """Naming a new lead stands the last one down; a page opened on the old lead before then meets the
    conflict rather than taking the lead back unnoticed."""
    coordinator = demo_users["coordinator"]
    old_lead = demo.organisations.get(leads_partnership=True)
    opened_at = old_lead.revision
    new_lead = a_new_lead_named(demo, by=coordinator)
    with pytest.raises(EditConflict):
        services.update_organisation(
            organisation=old_lead,
            expected_revision=opened_at,
            details={"name": old_lead.name, "leads_partnership": True, "review_due": date(2027, 6, 1)},
            by=coordinator,
        )
    assert list(demo.organisations.filter(leads_partnership=True)) == [new_lead]


def test_the_lead_organisation_stood_down_by_naming_another_is_in_the_audit_log_on_it(demo, demo_users):
    """The defect: naming a new lead organisation stood the last one down with no audit entry about it,
    so its history in the log still said it led the partnership."""
    coordinator = demo_users["coordinator"]
    old_lead = demo.organisations.get(leads_partnership=True)
    a_new_lead_named(demo, by=coordinator)
    old_lead.refresh_from_db()
    entry = AuditEntry.objects.get(
        action=AuditAction.UPDATE, target_type="partnerships.Organisation", target_id=str(old_lead.pk)
    )
    assert entry.actor == coordinator and entry.partnership == demo
    assert entry.detail["changes"] == {"leads_partnership": {"before": True, "after": False}}
    assert entry.detail["revision"] == old_lead.revision


def test_an_organisation_saved_from_a_stale_revision_is_refused_naming_the_organisation(demo, demo_users):
    organisation = OrganisationFactory(partnership=demo)
    with pytest.raises(EditConflict) as raised:
        services.update_organisation(
            organisation=organisation,
            expected_revision=organisation.revision + 1,
            details={"name": "Renamed"},
            by=demo_users["coordinator"],
        )
    assert str(raised.value) == (
        "Someone else changed this organisation while you were editing it. Their version is shown below; "
        "make your changes again."
    )
    organisation.refresh_from_db()
    assert organisation.name != "Renamed"


def test_a_contacts_number_typed_in_another_scripts_digits_is_not_texted_and_their_other_mobile_is(demo):
    organisation = OrganisationFactory(partnership=demo)
    # Arabic-Indic digits are digits to ``isdigit``, but not a number GOV.UK Notify can text.
    contact = ContactFactory(organisation=organisation, phone="07٧٠٠ ٩٠٠١٢٣", other_phone="")
    assert contact.mobile_number == ""
    contact.other_phone = "07700 900123"
    assert contact.mobile_number == "07700900123"
