"""The directory's pages: what each role sees and may do, forms, concurrency, isolation and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships import services
from svtoolkit.partnerships.demo import DEMO_ORGANISATIONS
from svtoolkit.partnerships.models import Contact, Organisation, SupportService
from tests.factories import ContactFactory, OrganisationFactory, SupportServiceFactory

pytestmark = pytest.mark.django_db


def contact_form(owner, revision=None, **changes):
    data = {
        "name": "Sam Lee",
        "job_title": "Duty manager",
        "incident_role": "spoc",
        "escalation_order": "1",
        "phone": "020 7946 0999",
        "other_phone": "",
        "email": "sam.lee@example.org",
        "out_of_hours": "Via the duty officer.",
        "owner": str(owner.pk),
        "review_due": "31/03/2030",
    }
    if revision is not None:
        data["revision"] = str(revision)
    return {**data, **changes}


@pytest.fixture
def trust(demo):
    return Organisation.objects.get(partnership=demo, name="Northbridge Youth Trust")


# --- Reading -----------------------------------------------------------------------------------------


def test_organisation_list_shows_contacts_owner_review_date_and_overdue_tag(client_for, demo, demo_users):
    overdue = OrganisationFactory(
        partnership=demo,
        name="Aardvark Housing Association",
        owner=demo_users["health"],
        review_due=timezone.localdate() - timedelta(days=1),
    )
    ContactFactory.create_batch(3, organisation=overdue)
    ContactFactory(organisation=overdue, is_active=False)
    response = client_for("viewer").get(reverse("partnerships:organisations"))
    listed = {organisation.name: organisation for organisation in response.context["organisations"]}
    assert listed["Aardvark Housing Association"].contact_count == 3
    page = response.content.decode()
    assert reverse("partnerships:organisation", args=[overdue.pk]) in page
    assert "Hana Sato" in page and "Review overdue" in page
    assert "Add an organisation" not in page


def test_the_coordinator_is_offered_adding_and_importing(client_for):
    page = client_for("coordinator").get(reverse("partnerships:organisations")).content.decode()
    assert "Add an organisation" in page and "Import or export contacts" in page


def test_organisation_list_reads_in_a_fixed_number_of_queries(
    client_for, demo, demo_users, django_assert_max_num_queries
):
    client = client_for("coordinator")
    client.get(reverse("partnerships:organisations"))  # warm the session
    for _ in range(15):
        organisation = OrganisationFactory(partnership=demo, owner=demo_users["police"])
        ContactFactory.create_batch(2, organisation=organisation, owner=demo_users["health"])
    with django_assert_max_num_queries(9):
        response = client.get(reverse("partnerships:organisations"))
    assert len(response.context["organisations"]) == len(DEMO_ORGANISATIONS) + 15


def test_support_services_list_reads_in_a_fixed_number_of_queries(
    client_for, demo, demo_users, django_assert_max_num_queries
):
    client = client_for("viewer")
    client.get(reverse("partnerships:support_services"))
    for _ in range(15):
        SupportServiceFactory(
            partnership=demo, provider=OrganisationFactory(partnership=demo), owner=demo_users["police"]
        )
    with django_assert_max_num_queries(9):
        response = client.get(reverse("partnerships:support_services"))
    assert "Pat Hughes" in response.content.decode()


def test_organisation_page_lists_contacts_in_escalation_order(client_for, trust, demo_users):
    ContactFactory(organisation=trust, name="Third in line", escalation_order=3)
    ContactFactory(organisation=trust, name="Not in the order", escalation_order=None)
    ContactFactory(organisation=trust, name="Deputy Dawn", escalation_order=2, incident_role="deputy")
    ContactFactory(organisation=trust, name="Gone", is_active=False)
    response = client_for("police").get(reverse("partnerships:organisation", args=[trust.pk]))
    names = [contact.name for contact in response.context["contacts"]]
    assert names.index("Kwame Asante") < names.index("Deputy Dawn") < names.index("Third in line")
    assert names[-1] == "Not in the order" and "Gone" not in names
    page = response.content.decode()
    assert "Single point of contact" in page and "Deputy" in page and "07700 900601" in page
    assert "Change<span" not in page


def test_support_service_page_shows_how_to_refer(client_for, demo):
    service = SupportService.objects.get(partnership=demo, name="Detached youth work team")
    page = (
        client_for("health").get(reverse("partnerships:support_service", args=[service.pk])).content.decode()
    )
    assert "Call the team manager" in page and "Northbridge Youth Trust" in page


# --- Another partnership's data ----------------------------------------------------------------------


def test_another_partnerships_objects_are_not_found(client_for, other_partnership):
    theirs = OrganisationFactory(partnership=other_partnership[0], name="Southmoor Police")
    contact = ContactFactory(organisation=theirs)
    service = SupportServiceFactory(partnership=other_partnership[0], name="Southmoor Victim Support")
    client = client_for("coordinator")
    for name, kwargs in [
        ("partnerships:organisation", {"organisation_id": theirs.pk}),
        ("partnerships:organisation_edit", {"organisation_id": theirs.pk}),
        ("partnerships:contact_add", {"organisation_id": theirs.pk}),
        ("partnerships:contact_edit", {"contact_id": contact.pk}),
        ("partnerships:contact_deactivate", {"contact_id": contact.pk}),
        ("partnerships:support_service", {"service_id": service.pk}),
        ("partnerships:support_service_edit", {"service_id": service.pk}),
        ("partnerships:support_service_deactivate", {"service_id": service.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
        assert client.post(reverse(name, kwargs=kwargs)).status_code == 404, name
    contact.refresh_from_db()
    assert contact.is_active
    assert "Southmoor Police" not in client.get(reverse("partnerships:organisations")).content.decode()
    assert (
        "Southmoor Victim Support"
        not in client.get(reverse("partnerships:support_services")).content.decode()
    )
    export = client.post(reverse("partnerships:contacts_export")).content.decode()
    assert contact.name not in export


# --- Partners and viewers read but cannot change -----------------------------------------------------


@pytest.mark.parametrize("role", ["responder", "police", "health", "viewer"])
def test_only_coordinators_change_the_directory(role, client_for, trust, demo, demo_users):
    contact = trust.contacts.get(name="Kwame Asante")
    service = SupportService.objects.get(partnership=demo, name="Detached youth work team")
    counts = (Organisation.objects.count(), Contact.objects.count(), SupportService.objects.count())
    client = client_for(role)
    posts = [
        (
            "partnerships:organisation_add",
            {},
            {"name": "New", "kind": "other", "owner": demo_users[role].pk, "review_due": "1/1/2030"},
        ),
        (
            "partnerships:organisation_edit",
            {"organisation_id": trust.pk},
            {"name": "Renamed", "kind": "other", "revision": 1},
        ),
        ("partnerships:contact_add", {"organisation_id": trust.pk}, contact_form(demo_users["coordinator"])),
        ("partnerships:contact_edit", {"contact_id": contact.pk}, contact_form(demo_users["coordinator"], 1)),
        ("partnerships:contact_deactivate", {"contact_id": contact.pk}, {}),
        (
            "partnerships:support_service_add",
            {},
            {"name": "New service", "kind": "other", "how_to_refer": "Call"},
        ),
        ("partnerships:support_service_edit", {"service_id": service.pk}, {"name": "Renamed", "revision": 1}),
        ("partnerships:support_service_deactivate", {"service_id": service.pk}, {}),
        ("partnerships:contacts_import", {}, {}),
        ("partnerships:contacts_export", {}, {}),
    ]
    for name, kwargs, data in posts:
        assert client.post(reverse(name, kwargs=kwargs), data).status_code == 403, name
    assert (Organisation.objects.count(), Contact.objects.count(), SupportService.objects.count()) == counts
    trust.refresh_from_db(), contact.refresh_from_db(), service.refresh_from_db()
    assert (trust.name, trust.revision, contact.name, contact.is_active) == (
        "Northbridge Youth Trust",
        1,
        "Kwame Asante",
        True,
    )
    assert (service.name, service.is_active) == ("Detached youth work team", True)
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == len(posts)


# --- Coordinators change it --------------------------------------------------------------------------


def test_coordinator_adds_an_organisation(client_for, demo, demo_users):
    response = client_for("coordinator").post(
        reverse("partnerships:organisation_add"),
        {
            "name": "Northbridge Street Pastors",
            "kind": "faith",
            "owner": demo_users["responder"].pk,
            "review_due": "2030-06-30",
        },
    )
    organisation = Organisation.objects.get(partnership=demo, name="Northbridge Street Pastors")
    assert response["Location"] == reverse("partnerships:organisation", args=[organisation.pk])
    assert organisation.owner == demo_users["responder"] and str(organisation.review_due) == "2030-06-30"
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, target_id=str(organisation.pk)).exists()


def test_a_change_page_is_headed_with_the_entrys_name_and_goes_back_to_its_page_with_the_saved_name(
    client_for, trust, demo_users
):
    client = client_for("coordinator")
    organisation_page = reverse("partnerships:organisation", args=[trust.pk])
    edit = reverse("partnerships:organisation_edit", args=[trust.pk])
    page = client.get(edit).content.decode()
    assert '<h1 class="govuk-heading-l">Change Northbridge Youth Trust</h1>' in page
    assert f'<a href="{organisation_page}" class="govuk-back-link">Back</a>' in page
    assert "Save changes" in page
    typed = {"name": "Northbridge Youth Collective", "kind": "voluntary", "revision": 1}
    response = client.post(edit, {**typed, "owner": demo_users["responder"].pk, "review_due": "30/06/2030"})
    assert response["Location"] == organisation_page
    assert "Northbridge Youth Collective was saved." in client.get(organisation_page).content.decode()

    contact = trust.contacts.get(name="Kwame Asante")
    page = client.get(reverse("partnerships:contact_edit", args=[contact.pk])).content.decode()
    assert '<h1 class="govuk-heading-l">Change Kwame Asante</h1>' in page
    response = client.post(
        reverse("partnerships:contact_edit", args=[contact.pk]),
        contact_form(demo_users["responder"], 1, name="Kwame Asante-Boateng"),
    )
    assert response["Location"] == organisation_page
    assert "Kwame Asante-Boateng was saved." in client.get(organisation_page).content.decode()


def test_form_errors_use_the_error_summary_and_keep_what_was_typed(client_for, trust):
    response = client_for("coordinator").post(
        reverse("partnerships:contact_add", args=[trust.pk]),
        {
            "name": "",
            "email": "not an email",
            "phone": "020 7946 0123",
            "incident_role": "spoc",
            "owner": "",
            "review_due": "next week",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    for message in [
        "Enter the contact&#x27;s name",
        "Enter an email address like name@example.org",
        "Choose who owns this entry",
        "Enter the review date as day/month/year, for example 31/03/2027",
    ]:
        assert message in page
    assert 'value="020 7946 0123"' in page
    assert "<title>Error: " in page


# Longer than the 254 characters an email address column holds, within the 320 Django's EmailField allows.
TOO_LONG_EMAIL = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "@" + "d" * 60 + ".example.org"


def test_a_contact_email_longer_than_the_directory_keeps_is_explained_and_nothing_saved(
    client_for, trust, demo_users
):
    """The defect: an email address of 255 to 320 characters passed the form and PostgreSQL refused it
    (an error page, what was typed lost)."""
    assert 254 < len(TOO_LONG_EMAIL) <= 320
    client = client_for("coordinator")
    client.raise_request_exception = False
    response = client.post(
        reverse("partnerships:contact_add", args=[trust.pk]),
        contact_form(demo_users["health"], email=TOO_LONG_EMAIL),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["The email address must be 254 characters or fewer"]
    assert not trust.contacts.filter(name="Sam Lee").exists()


def test_a_duplicate_organisation_name_is_explained_on_the_name(client_for, demo_users):
    response = client_for("coordinator").post(
        reverse("partnerships:organisation_add"),
        {
            "name": "Northbridge Youth Trust",
            "kind": "voluntary",
            "owner": demo_users["coordinator"].pk,
            "review_due": "1/1/2030",
        },
    )
    assert response.context["form"].errors["name"] == [
        "There is already an organisation called Northbridge Youth Trust in the directory."
    ]


def test_coordinator_adds_and_edits_a_contact(client_for, trust, demo_users):
    client = client_for("coordinator")
    response = client.post(
        reverse("partnerships:contact_add", args=[trust.pk]), contact_form(demo_users["police"])
    )
    assert response.status_code == 302
    contact = trust.contacts.get(name="Sam Lee")
    assert contact.owner == demo_users["police"] and contact.incident_role == "spoc"

    form_page = client.get(reverse("partnerships:contact_edit", args=[contact.pk])).content.decode()
    assert '<input type="hidden" name="revision" value="1"' in form_page
    assert 'value="Sam Lee"' in form_page
    client.post(
        reverse("partnerships:contact_edit", args=[contact.pk]),
        contact_form(demo_users["police"], 1, name="Samira Lee"),
    )
    contact.refresh_from_db()
    assert (contact.name, contact.revision) == ("Samira Lee", 2)


def test_adding_a_contact_already_listed_at_the_organisation_is_explained_on_the_name(
    client_for, trust, demo_users
):
    """The defect: the add form listed the same person twice (same name and email, case aside), which the
    contacts import refuses."""
    kwame = trust.contacts.get(name="Kwame Asante")
    response = client_for("coordinator").post(
        reverse("partnerships:contact_add", args=[trust.pk]),
        contact_form(demo_users["health"], name="KWAME ASANTE", email=kwame.email.upper()),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "KWAME ASANTE is already a contact of Northbridge Youth Trust, with this email address"
    ]
    assert 'value="KWAME ASANTE"' in response.content.decode()
    assert trust.contacts.filter(is_active=True, name__iexact="kwame asante").count() == 1


def test_an_edit_started_before_someone_elses_save_is_refused_without_losing_the_typing(
    client_for, trust, demo_users
):
    contact = trust.contacts.get(name="Kwame Asante")
    client = client_for("coordinator")
    client.get(reverse("partnerships:contact_edit", args=[contact.pk]))  # the form is opened at revision 1
    services.update_contact(  # a colleague saves first
        contact=contact,
        expected_revision=1,
        details={
            "name": "Kwame Asante",
            "job_title": "Head of Youth Work",
            "email": contact.email,
            "phone": "020 7946 0611",
            "other_phone": "",
            "out_of_hours": "",
            "incident_role": "spoc",
            "escalation_order": 1,
            "owner": demo_users["responder"],
            "review_due": contact.review_due,
        },
        by=demo_users["coordinator"],
    )
    response = client.post(
        reverse("partnerships:contact_edit", args=[contact.pk]),
        contact_form(demo_users["responder"], 1, name="Kwame Asante", phone="07700 900999"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this contact while you were editing it." in page
    assert 'href="#their-version"' in page and 'id="their-version"' in page
    assert "Head of Youth Work" in page  # their version is shown
    assert 'value="07700 900999"' in page  # what this person typed is kept
    assert '<input type="hidden" name="revision" value="2"' in page  # and now based on their version
    contact.refresh_from_db()
    assert (contact.phone, contact.revision) == ("020 7946 0611", 2)

    client.post(
        reverse("partnerships:contact_edit", args=[contact.pk]),
        contact_form(demo_users["responder"], 2, name="Kwame Asante", phone="07700 900999"),
    )
    contact.refresh_from_db()
    assert (contact.phone, contact.revision) == ("07700 900999", 3)


def test_changing_an_entry_whose_owner_has_left_says_so_and_asks_for_a_new_owner(
    client_for, demo, trust, demo_users
):
    """The defect: the owner menu offers only members, so the change page showed "Choose a member" with no
    word that the owner had left, and saving a new phone number was refused with "Choose who owns this
    entry"."""
    police = demo_users["police"]
    contact = trust.contacts.get(name="Kwame Asante")
    Contact.objects.filter(pk=contact.pk).update(owner=police)
    police.memberships.filter(partnership=demo).delete()
    client = client_for("coordinator")
    url = reverse("partnerships:contact_edit", args=[contact.pk])
    left = f"{police.full_name}, who owned this entry, is no longer a member of the partnership"

    assert left in client.get(url).content.decode()  # before anything is typed

    typed = {**contact_form(police, 1, name="Kwame Asante", phone="07700 900123"), "owner": ""}
    response = client.post(url, typed)
    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == [f"{left}. Choose a new owner for this entry"]
    assert 'value="07700 900123"' in response.content.decode()  # what was typed is kept
    contact.refresh_from_db()
    assert contact.phone != "07700 900123" and contact.owner == police

    client.post(url, contact_form(demo_users["responder"], 1, name="Kwame Asante", phone="07700 900123"))
    contact.refresh_from_db()
    assert (contact.phone, contact.owner) == ("07700 900123", demo_users["responder"])


def test_an_edit_without_its_revision_is_refused(client_for, trust, demo_users):
    contact = trust.contacts.get(name="Kwame Asante")
    response = client_for("coordinator").post(
        reverse("partnerships:contact_edit", args=[contact.pk]),
        contact_form(demo_users["responder"], name="Changed"),
    )
    assert "This page is out of date" in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == "Kwame Asante"


def test_coordinator_removes_a_contact_after_confirming(client_for, trust):
    contact = trust.contacts.get(name="Kwame Asante")
    client = client_for("coordinator")
    assert (
        "Remove Kwame Asante from Northbridge Youth Trust?"
        in client.get(reverse("partnerships:contact_deactivate", args=[contact.pk])).content.decode()
    )
    response = client.post(reverse("partnerships:contact_deactivate", args=[contact.pk]), {"revision": 1})
    assert response["Location"] == reverse("partnerships:organisation", args=[trust.pk])
    contact.refresh_from_db()
    assert not contact.is_active


def test_a_contact_changed_since_the_remove_page_was_opened_is_not_removed_and_the_question_asked_again(
    client_for, trust, demo_users
):
    """The defect: the remove page's button carried no revision, so a contact a colleague had changed
    meanwhile (into the person who took over the post) was removed unseen."""
    contact = trust.contacts.get(name="Kwame Asante")
    client = client_for("coordinator")
    url = reverse("partnerships:contact_deactivate", args=[contact.pk])
    opened = client.get(url).content.decode()
    assert "Remove Kwame Asante from Northbridge Youth Trust?" in opened
    assert '<input type="hidden" name="revision" value="1"' in opened
    services.update_contact(  # a colleague saves meanwhile
        contact=contact,
        expected_revision=1,
        details={"name": "Jo Smith", "email": "jo.smith@example.org"},
        by=demo_users["coordinator"],
    )
    response = client.post(url, {"revision": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and "<title>Error: " in page
    assert "Someone else changed this contact since you opened this page." in page
    assert "Remove Jo Smith from Northbridge Youth Trust?" in page  # the question again, as it is now
    assert '<input type="hidden" name="revision" value="2"' in page
    contact.refresh_from_db()
    assert contact.is_active

    client.post(url, {"revision": "2"})  # removed once seen
    contact.refresh_from_db()
    assert not contact.is_active


def test_a_support_service_changed_since_the_remove_page_was_opened_is_not_removed(
    client_for, demo, demo_users
):
    """The defect: as for contacts, removing a support service compared no revision."""
    service = SupportService.objects.get(partnership=demo, name="Detached youth work team")
    client = client_for("coordinator")
    url = reverse("partnerships:support_service_deactivate", args=[service.pk])
    client.get(url)
    services.update_support_service(
        service=service,
        expected_revision=service.revision,
        details={"name": "Outreach youth work team"},
        by=demo_users["coordinator"],
    )
    page = client.post(url, {"revision": "1"}).content.decode()
    assert "Someone else changed this support service since you opened this page." in page
    assert "Remove Outreach youth work team from the register?" in page
    service.refresh_from_db()
    assert service.is_active


def test_removing_an_organisations_only_contact_or_single_point_of_contact_warns_first(
    client_for, demo, trust
):
    """Kwame Asante is all the youth trust has; Ruth Adeyemi is the police's only single point of contact
    (a deputy stays): before either is removed, the page says who would then be left to tell."""
    client = client_for("coordinator")
    kwame = trust.contacts.get(name="Kwame Asante")
    page = client.get(reverse("partnerships:contact_deactivate", args=[kwame.pk])).content.decode()
    assert "Kwame Asante is the only contact at Northbridge Youth Trust" in page
    assert "nobody there can be told about an incident" in page

    police = Organisation.objects.get(partnership=demo, kind="police")
    ruth = police.contacts.get(name="Detective Inspector Ruth Adeyemi")
    page = client.get(reverse("partnerships:contact_deactivate", args=[ruth.pk])).content.decode()
    assert f"Detective Inspector Ruth Adeyemi is the only single point of contact at {police.name}" in page
    deputy = police.contacts.get(name="Sergeant Lewis Grant")
    page = client.get(reverse("partnerships:contact_deactivate", args=[deputy.pk])).content.decode()
    assert "Warning" not in page, "a deputy leaves the single point of contact in place"

    client.post(reverse("partnerships:contact_deactivate", args=[ruth.pk]), {"revision": ruth.revision})
    page = client.get(reverse("partnerships:organisation", args=[police.pk])).content.decode()
    assert f"{police.name} has no single point of contact" in page


def service_form(provider, owner):
    """What a coordinator types to add Street Doctors to the register."""
    return {
        "name": "Street Doctors",
        "kind": "other",
        "provider": provider.pk,
        "how_to_refer": "Email the coordinator.",
        "availability": "",
        "capacity_notes": "",
        "owner": owner.pk,
        "review_due": "01/02/2030",
    }


def test_coordinator_adds_edits_and_removes_a_support_service(client_for, demo, demo_users, trust):
    client = client_for("coordinator")
    data = service_form(trust, demo_users["health"])
    client.post(reverse("partnerships:support_service_add"), data)
    service = SupportService.objects.get(partnership=demo, name="Street Doctors")
    assert service.provider == trust
    client.post(
        reverse("partnerships:support_service_edit", args=[service.pk]),
        {**data, "capacity_notes": "Two sessions a month.", "revision": 1},
    )
    service.refresh_from_db()
    assert (service.capacity_notes, service.revision) == ("Two sessions a month.", 2)
    stale = client.post(
        reverse("partnerships:support_service_edit", args=[service.pk]), {**data, "revision": 1}
    )
    assert "Someone else changed this support service" in stale.content.decode()
    client.post(reverse("partnerships:support_service_deactivate", args=[service.pk]), {"revision": 2})
    service.refresh_from_db()
    assert not service.is_active
    actions = list(
        AuditEntry.objects.filter(
            target_id=str(service.pk), target_type="partnerships.SupportService"
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == sorted([AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE])


def test_a_removed_support_service_leaves_its_name_free_for_a_new_one(client_for, demo, demo_users, trust):
    """The defect: a service taken out of the register still held its name, so adding it again (the service
    recommissioned) or naming another after it was refused, saying the register already had one by that name,
    which the register did not show."""
    client = client_for("coordinator")
    data = service_form(trust, demo_users["health"])
    client.post(reverse("partnerships:support_service_add"), data)
    removed = SupportService.objects.get(partnership=demo, name="Street Doctors")
    client.post(reverse("partnerships:support_service_deactivate", args=[removed.pk]), {"revision": 1})

    response = client.post(reverse("partnerships:support_service_add"), {**data, "name": "street doctors"})

    assert response.status_code == 302
    again = SupportService.objects.get(partnership=demo, name="street doctors")
    assert again.is_active and again.pk != removed.pk
    listed = client.get(reverse("partnerships:support_services")).content.decode()
    assert "street doctors" in listed and reverse("partnerships:support_service", args=[again.pk]) in listed
    # A name is still held while its service is in the register, whatever the case.
    refused = client.post(reverse("partnerships:support_service_add"), {**data, "name": "STREET DOCTORS"})
    assert refused.context["form"].errors["name"] == [
        "There is already a support service called STREET DOCTORS in the directory."
    ]
