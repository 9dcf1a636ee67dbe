"""People affected: only the need-to-know list reads them, every reading is audited with its reason."""

import pytest
from django.urls import reverse

from svtoolkit.accounts.models import Role
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents.models import NeedToKnow, PersonAffected, PersonAffectedCorrection
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.people.forms import ReasonForm
from tests.factories import MembershipFactory
from tests.incidents.builders import demo_incident
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db

PERSON = {
    "name": "Jay Smith",
    "age_band": "16_17",
    "role": "victim",
    "relation": "Stabbed at the bus stop",
    "support_needs": "Trauma support; family wants a single contact",
    "consent": "given",
    "consent_scope": "Share with school and youth service",
    "referrals": "MASH referral made 25 Nov",
    "lawful_basis": "safeguarding",
    "sharing_agreement": "Northbridge CSP information-sharing agreement 2025",
}


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def person(incident, demo_users):
    return people_services.add_person_affected(
        incident=incident, by=demo_users["responder"], single_point_of_contact=None, **PERSON
    )


def test_recording_a_person_puts_the_recorder_on_the_list(client_for, incident, demo_users):
    response = client_for("responder").post(reverse("incidents:person_add", args=[incident.pk]), PERSON)
    assert response.status_code == 302
    assert PersonAffected.objects.get().name == "Jay Smith"
    assert list(NeedToKnow.objects.values_list("user__email", flat=True)) == ["responder@example.org"]


def test_bad_person_input_is_explained(client_for, incident):
    response = client_for("responder").post(reverse("incidents:person_add", args=[incident.pk]), {"name": ""})
    content = response.content.decode()
    for message in ["Enter a name or initials", "Choose how they are affected", "Choose the lawful basis"]:
        assert message in content
    assert not PersonAffected.objects.exists()


def test_the_person_form_has_no_preselected_blank_radio(client_for, incident):
    page = client_for("responder").get(reverse("incidents:person_add", args=[incident.pk])).content.decode()
    assert 'type="radio" value=""' not in page  # no "---------" radio, ticked before anyone chose
    assert 'type="radio" value="suspect"' in page


def test_a_suspect_who_has_died_is_recorded_and_shown_so(client_for, incident):
    client = client_for("responder")
    client.post(
        reverse("incidents:person_add", args=[incident.pk]), {**PERSON, "role": "suspect", "deceased": "on"}
    )
    person = PersonAffected.objects.get()
    assert (person.get_role_display(), person.deceased) == ("Suspect", True)
    page = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert "Suspect" in page and "Deceased" in page


def test_those_off_the_list_see_that_records_exist_but_not_who(client_for, incident, person):
    client = client_for("coordinator")
    page = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert "1 victim" in page
    assert "Jay Smith" not in page
    response = client.post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "curious"})
    assert response.status_code == 403
    assert "Jay Smith" not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail__reason="can_read_person"
    ).exists()


def test_opening_a_record_asks_for_a_reason_and_is_audited(client_for, incident, person, demo_users):
    client = client_for("responder")
    listing = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert "Jay Smith" not in listing and "Victim" in listing  # names only once a record is opened
    url = reverse("incidents:person", args=[incident.pk, person.pk])
    asked = client.get(url).content.decode()
    assert "Why do you need to open this record?" in asked and "Trauma support" not in asked
    assert "Give a reason for opening the record" in client.post(url, {"reason": ""}).content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).exists()
    opened = client.post(url, {"reason": "Arranging the school's support"}).content.decode()
    assert "Trauma support" in opened
    entry = AuditEntry.objects.get(action=AuditAction.VIEW_SENSITIVE)
    assert (entry.actor, entry.target_id, entry.detail["reason"]) == (
        demo_users["responder"],
        str(person.pk),
        "Arranging the school's support",
    )


def test_need_to_know_list_is_kept_by_those_on_it(client_for, incident, person, demo_users):
    client = client_for("responder")
    client.post(reverse("incidents:need_to_know", args=[incident.pk]), {"user": demo_users["coordinator"].pk})
    assert NeedToKnow.objects.filter(user=demo_users["coordinator"]).exists()
    responder_entry = NeedToKnow.objects.get(user=demo_users["responder"])
    coordinator_entry = NeedToKnow.objects.get(user=demo_users["coordinator"])
    client.post(reverse("incidents:need_to_know_remove", args=[incident.pk, coordinator_entry.pk]))
    assert not NeedToKnow.objects.filter(pk=coordinator_entry.pk).exists()
    client.post(reverse("incidents:need_to_know_remove", args=[incident.pk, responder_entry.pk]))
    assert NeedToKnow.objects.filter(pk=responder_entry.pk).exists()  # the last one stays


def test_adding_someone_already_on_the_list_is_explained_and_records_nothing(
    client_for, incident, person, demo_users
):
    """The defect: adding someone already on the list (twice by mistake, or by two coordinators at once) wrote
    "… was added to the need-to-know list" on the timeline again, and a second audit entry of creating the
    entry that already existed, and said it was done; asked to add them to the records as well when there
    was none left to open, it wrote that they were added to them."""
    url = reverse("incidents:need_to_know", args=[incident.pk])
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    client = client_for("responder")
    assert client.post(url, {"user": coordinator.pk}).status_code == 302

    def written():
        return (
            list(incident.timeline.values_list("text", flat=True)),
            list(AuditEntry.objects.exclude(action=AuditAction.VIEW_SENSITIVE).values_list("pk", flat=True)),
        )

    before = written()
    page = client.post(url, {"user": coordinator.pk})
    assert page.status_code == 200
    assert "is on the need-to-know list already" in page.content.decode()
    assert written() == before
    # Two people adding them at once, or the records asked for when they are on each already: nothing more.
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    people_services.add_to_need_to_know(incident=incident, user=responder, by=responder, with_records=True)
    assert written() == before
    assert NeedToKnow.objects.filter(user=coordinator).count() == 1


def test_a_partner_whose_organisation_is_not_taking_part_is_not_put_on_the_lists(
    client_for, incident, person, demo, demo_users
):
    """The defect: the need-to-know pages offered every member, so a partner whose organisation was not
    taking part in the incident could be put on its list or a record's: they would read the records the
    moment their organisation joined, without anyone deciding then that they should (taking part ending takes
    them off for that reason). Now each page refuses them, naming why and what to do, and changes nothing."""
    hospital = demo.organisations.get(kind="health_hospital")
    nurse = MembershipFactory(partnership=demo, organisation=hospital, role=Role.PARTNER).user
    client = client_for("responder")
    page = client.post(
        reverse("incidents:need_to_know", args=[incident.pk]), {"user": nurse.pk, "with_records": "on"}
    ).content.decode()
    assert "does not take part in this incident" in page
    record_page = client.post(
        reverse("incidents:person_need_to_know", args=[incident.pk, person.pk]),
        {"users": [demo_users["responder"].pk, nurse.pk], "revision": person.revision},
    ).content.decode()
    assert "does not take part in this incident" in record_page
    assert not NeedToKnow.objects.filter(user=nurse).exists()
    assert not person.need_to_know.filter(user=nurse).exists()


def test_people_records_never_reach_the_incident_page_or_timeline(client_for, incident, person):
    client = client_for("viewer")
    for url in [
        reverse("incidents:incident", args=[incident.pk]),
        reverse("incidents:timeline", args=[incident.pk]),
    ]:
        assert "Jay Smith" not in client.get(url).content.decode()


def test_a_coordinator_recovers_a_list_no_active_member_is_left_on(client_for, incident, person, demo_users):
    url = reverse("incidents:need_to_know_recover", args=[incident.pk])
    client = client_for("coordinator")
    assert (
        client.post(url, {"reason": "Trial preparation"}).status_code == 403
    )  # the responder is still active
    people_page = reverse("incidents:people", args=[incident.pk])
    assert "join the list" not in client.get(people_page).content.decode()

    demo_users["responder"].is_active = False
    demo_users["responder"].save()
    assert "join the list" in client.get(people_page).content.decode()
    assert "Give a reason" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "The lead left; the inquest needs the victim's contact"})
    entry = AuditEntry.objects.get(
        action=AuditAction.CREATE, target_type="incidents.NeedToKnow", detail__recovered=True
    )
    assert entry.detail["reason"] == "The lead left; the inquest needs the victim's contact"
    assert NeedToKnow.objects.filter(incident=incident, user=demo_users["coordinator"]).exists()


def test_a_reason_form_asks_the_question_a_page_gives_and_keeps_the_rest():
    asked = ReasonForm(question="Why export it?", help_text="It is audited.").fields["reason"]
    assert (asked.label, asked.help_text) == ("Why export it?", "It is audited.")
    default = ReasonForm().fields["reason"]
    assert default.label == "Why do you need to open this record?"
    assert default.help_text == "Your reason is written to the audit log with your name."
    # Each form has its own field: one page's question is not another's.
    assert ReasonForm(question="Why export it?").fields["reason"] is not ReasonForm().fields["reason"]


def test_joining_the_need_to_know_list_asks_why_you_need_to_be_on_it(
    client_for, incident, person, demo_users
):
    demo_users["responder"].is_active = False
    demo_users["responder"].save()
    page = client_for("coordinator").get(reverse("incidents:need_to_know_recover", args=[incident.pk]))
    assert "Why do you need to be on the need-to-know list?" in page.content.decode()


def test_only_a_coordinator_may_recover_a_list(client_for, incident, person, demo_users):
    demo_users["responder"].is_active = False
    demo_users["responder"].save()
    url = reverse("incidents:need_to_know_recover", args=[incident.pk])
    for role in ("police", "viewer"):
        assert client_for(role).post(url, {"reason": "Curious"}).status_code == 403
    assert list(NeedToKnow.objects.values_list("user", flat=True)) == [demo_users["responder"].pk]


def test_a_correction_from_an_old_version_is_refused_in_the_services_words(person, demo_users):
    people_services.correct_person_affected(
        person=person, by=demo_users["responder"], expected_revision=1, name="J. Smith"
    )
    with pytest.raises(EditConflict) as refused:
        people_services.correct_person_affected(
            person=person, by=demo_users["responder"], expected_revision=1, relation="Witness at the stop"
        )
    assert (refused.value.message, refused.value.current_revision) == (
        "Someone else corrected this record while you were editing it.",
        2,
    )
    stored = PersonAffected.objects.get(pk=person.pk)
    assert (stored.name, stored.relation, stored.revision) == ("J. Smith", PERSON["relation"], 2)


def test_a_correction_from_an_old_version_is_refused_even_when_it_now_changes_nothing(person, demo_users):
    # What the second person typed is what the first has just saved: still refused, so they look again.
    people_services.correct_person_affected(
        person=person, by=demo_users["responder"], expected_revision=1, name="J. Smith"
    )
    with pytest.raises(EditConflict):
        people_services.correct_person_affected(
            person=person, by=demo_users["responder"], expected_revision=1, name="J. Smith"
        )
    assert PersonAffectedCorrection.objects.filter(person=person).count() == 1


def test_a_correction_saved_meanwhile_brings_the_conflict_screen_and_nothing_is_lost(client_for, person):
    url = reverse("incidents:person_edit", args=[person.incident_id, person.pk])
    client = client_for("responder")
    opened_first, opened_second = (
        form_on(client.get(url), having="revision"),
        form_on(client.get(url), having="revision"),
    )
    assert client.post(url, opened_first | {"name": "J. Smith"}).status_code == 302

    refused = client.post(url, opened_second | {"support_needs": "Counselling at school"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Someone else changed this record while you were editing it." in page
    assert "the form now holds their changes and yours together" in page
    stored = PersonAffected.objects.get(pk=person.pk)
    assert (stored.name, stored.support_needs) == ("J. Smith", PERSON["support_needs"])

    assert client.post(url, form_on(page, having="revision")).status_code == 302
    stored = PersonAffected.objects.get(pk=person.pk)
    assert (stored.name, stored.support_needs, stored.revision) == ("J. Smith", "Counselling at school", 3)


@pytest.mark.parametrize("consent", ["not_asked", "refused"])
def test_consent_is_not_taken_as_the_lawful_basis_of_a_record_until_it_is_given(
    client_for, incident, consent
):
    sent = PERSON | {"lawful_basis": "consent", "consent": consent}
    response = client_for("responder").post(reverse("incidents:person_add", args=[incident.pk]), sent)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert 'href="#id_lawful_basis_0"' in page and "only once they have given it" in page
    assert not PersonAffected.objects.exists()
    given = client_for("responder").post(
        reverse("incidents:person_add", args=[incident.pk]), sent | {"consent": "given"}
    )
    assert given.status_code == 302 and PersonAffected.objects.get().lawful_basis == "consent"


def test_a_record_held_on_consent_cannot_be_corrected_to_say_consent_was_refused(person, demo_users):
    responder = demo_users["responder"]
    people_services.correct_person_affected(
        person=person, by=responder, expected_revision=person.revision, lawful_basis="consent"
    )
    person.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        people_services.correct_person_affected(
            person=person, by=responder, expected_revision=person.revision, consent="refused"
        )
    assert refused.value.field == "lawful_basis"
    assert PersonAffected.objects.get(pk=person.pk).consent == "given"
    # Consent withdrawn, the record is kept on another basis, given in the same correction.
    people_services.correct_person_affected(
        person=person,
        by=responder,
        expected_revision=person.revision,
        consent="refused",
        lawful_basis="safeguarding",
    )
    assert PersonAffected.objects.get(pk=person.pk).lawful_basis == "safeguarding"


def test_a_partnership_the_incident_is_shared_with_is_not_offered_to_record_a_person_it_could_not_open(
    client, incident, demo_users, other_partnership
):
    """The defect: a Southmoor coordinator on the incident's list was offered "Record a person affected"; the
    record they typed was then closed to them (403), as a partnership the incident is shared with reads only
    the records a share disclosed. The lead partnership records its incident's people."""
    from svtoolkit import access
    from svtoolkit.incidents.services import share_incident
    from tests.conftest import MODEL_BACKEND
    from tests.incidents.builders import SHARE_BASIS, demo_person

    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    demo_person(incident, responder)
    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    people_services.add_to_need_to_know(
        incident=incident, user=membership.user, by=responder, with_records=True
    )
    assert not access.can_add_person(membership.user, southmoor, incident)
    client.force_login(membership.user, backend=MODEL_BACKEND)
    add = reverse("incidents:person_add", args=[incident.pk])
    assert add not in client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert client.post(add, {**PERSON, "name": "Sam Southmoor"}).status_code == 403
    assert not PersonAffected.objects.filter(name="Sam Southmoor").exists()


def test_after_recovering_a_closed_incidents_list_the_coordinator_adds_the_people_it_asks_for(
    client_for, incident, demo_users
):
    """The defect: recovering the list is allowed on a closed incident (a subject-access request arrives long
    after closing); its confirmation said "Add the people who should be on it" and sent the coordinator to the
    list page, whose form was then refused as the incident is closed, though each record's own list may
    still be changed. Who may read the records is decided as long as they are kept."""
    from tests.incidents.builders import demo_person
    from tests.recovery.test_after import closed

    responder = demo_users["responder"]
    demo_person(incident, responder)
    closed(incident, responder)
    responder.is_active = False
    responder.save()
    client = client_for("coordinator")
    recovered = client.post(
        reverse("incidents:need_to_know_recover", args=[incident.pk]), {"reason": "Subject-access request"}
    )
    assert recovered.status_code == 302
    added = client.post(recovered.url, {"user": demo_users["police"].pk})
    assert added.status_code == 302
    assert NeedToKnow.objects.filter(incident=incident, user=demo_users["police"]).exists()
    entry = NeedToKnow.objects.get(incident=incident, user=demo_users["police"])
    removed = client.post(reverse("incidents:need_to_know_remove", args=[incident.pk, entry.pk]))
    assert removed.status_code == 302
    assert not NeedToKnow.objects.filter(incident=incident, user=demo_users["police"]).exists()


def test_an_erased_record_offers_no_correction_it_would_refuse(client_for, incident, demo_users):
    """The defect: once the retention job erased the people's details, the record's page still linked to
    "Correct this record", whose form opened (writing an audit entry of the record opened to correct it) and
    then refused whatever was saved."""
    from svtoolkit import access
    from tests.incidents.builders import demo_person
    from tests.recovery.test_after import closed

    responder = demo_users["responder"]
    person = demo_person(incident, responder)
    closed(incident, responder)
    people_services.erase_people_details(incident=incident)
    person.refresh_from_db()
    assert not access.can_correct_person(responder, incident.partnership, person)
    client = client_for("responder")
    page = client.post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "SAR"})
    assert page.status_code == 200
    edit = reverse("incidents:person_edit", args=[incident.pk, person.pk])
    assert edit not in page.content.decode()
    opened = AuditEntry.objects.filter(detail__reason="Opened to correct the record").count()
    assert client.get(edit).status_code == 403
    assert AuditEntry.objects.filter(detail__reason="Opened to correct the record").count() == opened
