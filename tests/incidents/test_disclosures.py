"""The disclosure log: every time people affected's data leaves the need-to-know circle it records what, to
whom, why and the lawful basis, and a disclosure without a UK GDPR Article 6 basis is refused."""

import html
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import disclosures
from svtoolkit.incidents.models import Disclosure, IncidentShare, TimelineEntry
from svtoolkit.incidents.people import services as people_services
from tests.factories import DisclosureFactory, SharingAgreementFactory
from tests.incidents.builders import demo_hospital_stay, demo_incident, demo_person, demo_referral
from tests.reports.builders import SITREP_WITH_HEALTH, SITREP_WITH_PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def person(incident, demo_users):
    return demo_person(incident, demo_users["responder"], name="Jordan Sample")


def _disclose(incident, person, by, **changes):
    fields = {
        "incident": incident,
        "people": [person],
        "what": "Situation report with the records of people affected",
        "recipient": "The gold group",
        "purpose": "Briefing the gold group",
        "article6_basis": "6_1_e",
        "special_category": False,
        "by": by,
    }
    return disclosures.record_disclosure(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"article6_basis": ""}, "article6_basis"),
        ({"article6_basis": "6_1_z"}, "article6_basis"),
        ({"gateway": "made_up_act"}, "gateway"),
        ({"purpose": "  "}, "purpose"),
        ({"special_category": True}, "article9_condition"),
    ],
)
def test_a_disclosure_without_a_lawful_basis_or_reason_is_refused(
    incident, person, demo_users, changes, field
):
    with pytest.raises(DomainError) as refused:
        _disclose(incident, person, demo_users["responder"], **changes)
    assert refused.value.field == field
    assert not Disclosure.objects.exists()


def test_a_disclosure_may_not_rely_on_another_partnerships_agreement(incident, person, demo_users):
    with pytest.raises(DomainError) as refused:
        _disclose(incident, person, demo_users["responder"], agreement=SharingAgreementFactory())
    assert refused.value.field == "agreement"


def test_a_disclosure_keeps_each_part_of_its_basis(incident, person, demo, demo_users):
    agreement = SharingAgreementFactory(partnership=demo)
    disclosure = _disclose(
        incident,
        person,
        demo_users["responder"],
        article9_condition="9_2_g_sch1_18",
        gateway="cda_1998_s115",
        agreement=agreement,
    )
    assert list(person.disclosures.all()) == [disclosure]
    assert disclosure.get_article6_basis_display() == "Article 6(1)(e): public task"
    assert disclosure.get_article9_condition_display().startswith("Article 9(2)(g), Schedule 1 paragraph 18")
    assert disclosure.get_gateway_display() == "Crime and Disorder Act 1998, section 115"


# --- Each path that discloses writes exactly one entry with its basis --------------------------------


def test_the_sitrep_with_people_is_logged_once_with_its_basis(client_for, incident, person, demo_users):
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_PEOPLE
    )
    assert response["Content-Type"] == "application/pdf"
    disclosure = Disclosure.objects.get()
    assert (disclosure.recipient, disclosure.purpose, disclosure.article6_basis, disclosure.gateway) == (
        "The gold group",
        "Briefing the gold group",
        "6_1_e",
        "cda_1998_s115",
    )
    assert list(disclosure.people.all()) == [person]
    assert disclosure.by == demo_users["responder"]


def test_the_sitrep_with_people_is_refused_without_an_article_6_basis(client_for, incident, person):
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), {**SITREP_WITH_PEOPLE, "article6_basis": ""}
    )
    assert response["Content-Type"].startswith("text/html")
    assert "Choose the UK GDPR Article 6 basis" in response.content.decode()
    assert "Briefing the gold group" in response.content.decode()  # what was typed is kept
    assert not Disclosure.objects.exists()


def test_the_sitrep_with_a_hospital_stay_is_refused_without_an_article_9_condition_and_nothing_is_given(
    client_for, incident, person, demo_users
):
    demo_hospital_stay(incident, person, demo_users["responder"], ward_restrictions="Family only")
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_PEOPLE
    )
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "govuk-error-summary" in page and 'href="#id_article9_condition"' in page
    assert "Choose the UK GDPR Article 9 condition: this includes health information" in page
    assert "Briefing the gold group" in page and "The gold group" in page  # what was typed is kept
    assert not Disclosure.objects.exists()
    # Nor is any record said to have been read for a report that was not given.
    assert not AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, detail__reason=SITREP_WITH_PEOPLE["reason"]
    ).exists()


def test_the_sitrep_with_a_referral_still_awaiting_its_outcome_is_refused_without_an_article_9_condition(
    client_for, incident, person, demo_users
):
    """A safeguarding referral tells of the harm done to the person and their welfare before any outcome."""
    referral = demo_referral(incident, person, demo_users["responder"])
    assert referral.outcome == ""
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_PEOPLE
    )
    assert response["Content-Type"].startswith("text/html")
    assert (
        "Choose the UK GDPR Article 9 condition: this includes health information"
        in response.content.decode()
    )
    assert list(Disclosure.objects.all()) == [referral.disclosure]


def test_the_sitrep_with_a_hospital_stay_is_given_with_an_article_9_condition(
    client_for, incident, person, demo_users
):
    demo_hospital_stay(incident, person, demo_users["responder"])
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]),
        SITREP_WITH_HEALTH,
    )
    assert response["Content-Type"] == "application/pdf"
    disclosure = Disclosure.objects.get()
    assert (disclosure.article6_basis, disclosure.article9_condition) == ("6_1_e", "9_2_g_sch1_18")
    assert list(disclosure.people.all()) == [person]


def test_the_sitrep_without_people_is_no_disclosure(client_for, incident, person):
    client_for("responder").get(reverse("reports:incident_sitrep", args=[incident.pk]))
    assert not Disclosure.objects.exists()


def test_a_subject_access_export_is_logged_once_under_the_right_of_access(
    client_for, incident, person, demo_users
):
    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["coordinator"], by=demo_users["responder"], with_records=True
    )
    response = client_for("coordinator").post(
        reverse("recovery:subject_access", args=[incident.pk, person.pk]), {"reason": "SAR of 2 December"}
    )
    assert json.loads(response.content)["person"]["name"] == "Jordan Sample"
    disclosure = Disclosure.objects.get()
    assert (disclosure.what, disclosure.article6_basis, disclosure.purpose) == (
        "Subject-access export",
        "6_1_c",
        "SAR of 2 December",
    )
    assert list(disclosure.people.all()) == [person]


def test_sharing_with_another_partnership_is_logged_once_with_its_agreement(
    client_for, incident, person, demo, other_partnership
):
    southmoor, _ = other_partnership
    agreement = SharingAgreementFactory(partnership=demo, name="Pan-London ISA")
    url = reverse("incidents:share", args=[incident.pk])
    form = client_for("responder").get(url).content.decode()  # who recorded the person, so reads them
    assert "Pan-London ISA" in form and "Article 6(1)(e): public task" in form
    response = client_for("responder").post(
        url,
        {
            "partnership": southmoor.pk,
            "purpose": "The victim lives in Southmoor",
            "article6_basis": "6_1_e",
            "gateway": "cda_1998_s115",
            "agreement": agreement.pk,
        },
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert (disclosure.recipient, disclosure.agreement) == (str(southmoor), agreement)
    assert list(disclosure.people.all()) == [person]


def test_sharing_without_an_article_6_basis_is_refused(client_for, incident, person, other_partnership):
    southmoor, _ = other_partnership
    response = client_for("coordinator").post(
        reverse("incidents:share", args=[incident.pk]),
        {"partnership": southmoor.pk, "purpose": "The victim lives in Southmoor"},
    )
    assert response.status_code == 200
    assert "Choose the UK GDPR Article 6 basis" in response.content.decode()
    assert not IncidentShare.objects.exists() and not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"purpose": "  "}, "purpose", "Give the reason for sharing it."),
        (
            {"article6_basis": ""},
            "article6_basis",
            "Choose the UK GDPR Article 6 basis for sharing it: without one it cannot be shared.",
        ),
        ({"article6_basis": "6_1_z"}, "article6_basis", "Choose a lawful basis from the list."),
    ],
)
def test_a_share_carrying_no_record_is_refused_without_a_reason_or_a_lawful_basis(
    incident, person, demo, demo_users, other_partnership, changes, field, said
):
    """The defect: only the share page's form asked for the reason and the Article 6 basis; the service,
    called with no record to carry, shared without them. The service refuses, as it does a share carrying
    records."""
    from svtoolkit.incidents.services import share_incident
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    coordinator = demo_users["coordinator"]
    assert not access.can_read_person(coordinator, demo, person)
    with pytest.raises(DomainError) as refused:
        share_incident(incident=incident, partnership=southmoor, by=coordinator, **{**SHARE_BASIS, **changes})
    assert (refused.value.field, refused.value.message) == (field, said)
    assert not IncidentShare.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "responder"])  # carrying no record, and carrying one
def test_the_share_page_shows_what_the_service_says_of_a_missing_reason_and_basis(
    client_for, incident, person, other_partnership, role
):
    southmoor, _ = other_partnership
    response = client_for(role).post(
        reverse("incidents:share", args=[incident.pk]), {"partnership": southmoor.pk, "purpose": ""}
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Give the reason for sharing it." in page
    assert not IncidentShare.objects.exists()


# --- The person's record shows its disclosures; an agreement past its review is flagged ---------------


def test_the_record_shows_its_disclosures_and_flags_an_agreement_overdue_for_review(
    client_for, incident, person, demo
):
    overdue = SharingAgreementFactory(
        partnership=demo, name="Old ISA", review_due=timezone.localdate() - timedelta(days=1)
    )
    DisclosureFactory(incident=incident, people=[person], recipient="Southmoor CSP", agreement=overdue)
    page = (
        client_for("responder")
        .post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "Checking"})
        .content.decode()
    )
    assert "Southmoor CSP" in page and "Old ISA" in page
    assert "Agreement review overdue" in page


def test_an_agreement_in_date_is_not_flagged(client_for, incident, person, demo):
    current = SharingAgreementFactory(partnership=demo, name="Current ISA")
    DisclosureFactory(incident=incident, people=[person], agreement=current)
    page = (
        client_for("responder")
        .post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "Checking"})
        .content.decode()
    )
    assert "Current ISA" in page and "Agreement review overdue" not in page


def test_the_audit_log_names_no_recipient_of_a_disclosure(client_for, incident, person, demo_users):
    """The recipient is for the record's need-to-know list (the data map); the audit log is read by every
    coordinator, on the list or not."""
    _disclose(incident, person, demo_users["responder"], recipient="Jo Bloggs, the victim's aunt")
    entry = AuditEntry.objects.get(target_type="incidents.Disclosure")
    assert "Jo Bloggs" not in json.dumps(entry.detail) and "Jo Bloggs" not in entry.target_label
    page = client_for("coordinator").get(reverse("audit:log")).content.decode()
    assert f"Disclosure from {incident.reference}" in page and "Jo Bloggs" not in page


# --- What goes with a share: the records it disclosed, never those made after it ------------------------


def test_a_record_made_after_a_share_is_not_read_in_the_other_partnership_until_it_is_shared_again(
    incident, person, demo_users, other_partnership
):
    """The share's disclosure names the records it carried; one made later would reach the other
    partnership's people on the incident's list with no disclosure naming it."""
    from svtoolkit.accounts.models import User
    from svtoolkit.incidents.people.selectors import people_visible_to
    from svtoolkit.incidents.services import share_incident
    from tests.incidents.builders import SHARE_BASIS

    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    people_services.add_to_need_to_know(
        incident=incident, user=membership.user, by=responder, with_records=True
    )
    later = demo_person(incident, responder, name="Sam Later", role="witness")
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert later.need_to_know.filter(user=southmoor_coordinator).exists()  # the list it started with

    assert list(people_visible_to(southmoor_coordinator, incident)) == [person]
    assert not access.can_read_person(southmoor_coordinator, southmoor, later)

    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    assert later in Disclosure.objects.filter(recipient=str(southmoor)).first().people.all()
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert access.can_read_person(southmoor_coordinator, southmoor, later)
    assert set(people_visible_to(southmoor_coordinator, incident)) == {person, later}


def test_a_share_discloses_only_the_records_the_sharer_may_read_and_says_what_it_left_out(
    client_for, incident, person, demo_users, other_partnership
):
    """The defect: sharing disclosed every record of the incident, those the person sharing was not on the
    list of (and so may not read) too: nobody can disclose what they may not read."""
    from svtoolkit.accounts.models import User
    from tests.incidents.builders import SHARE_BASIS

    southmoor, membership = other_partnership
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    witness = demo_person(incident, coordinator, name="Wendy Witness", role="witness")
    people_services.change_person_need_to_know(
        person=witness, users=[coordinator], by=coordinator, expected_revision=witness.revision
    )
    client = client_for("responder")
    url = reverse("incidents:share", args=[incident.pk])

    shared = client.post(url, {"partnership": southmoor.pk, **SHARE_BASIS}, follow=True).content.decode()
    disclosure = Disclosure.objects.get(share__partnership=southmoor)
    assert list(disclosure.people.all()) == [person]
    logged = AuditEntry.objects.get(target_type="incidents.Disclosure", action=AuditAction.CREATE)
    assert logged.detail["people"] == [person.pk]
    assert f"The incident is shared with {southmoor}" in shared
    assert "1 record you may not read was not shared: someone on its list can share it" in shared
    # The page says so before one shares, too.
    assert "1 record of people affected is on a need-to-know list you are not on" in (
        client.get(url).content.decode()
    )
    # Southmoor's coordinator, put on every list, reads the record shared and not the one left out.
    for by in (responder, coordinator):
        people_services.add_to_need_to_know(incident=incident, user=membership.user, by=by, with_records=True)
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert witness.need_to_know.filter(user=southmoor_coordinator).exists()
    assert access.can_read_person(southmoor_coordinator, southmoor, person)
    assert not access.can_read_person(southmoor_coordinator, southmoor, witness)


def test_a_share_carrying_no_record_logs_no_disclosure_and_says_it_shared_the_incident_only(
    client_for, incident, person, demo, demo_users, other_partnership
):
    """The defect: a sharer who may read no record of people affected still logged a disclosure naming no one,
    of "The incident and its people affected". Nothing personal left, so nothing is logged as disclosed (as a
    situation report without people), and the timeline, the audit log and the confirmation say only the
    incident was shared."""
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    coordinator = demo_users["coordinator"]
    assert not access.can_read_person(coordinator, demo, person)
    url = reverse("incidents:share", args=[incident.pk])
    client = client_for("coordinator")
    assert "only the incident will be shared" in client.get(url).content.decode()

    shared = client.post(url, {"partnership": southmoor.pk, **SHARE_BASIS}, follow=True).content.decode()
    share = IncidentShare.objects.get(incident=incident, partnership=southmoor)
    assert not Disclosure.objects.exists()
    assert (
        "No records of people affected went with it, so nothing was written to the disclosure log" in shared
    )
    only = f"Shared with {southmoor}: the incident only, with no records of people affected."
    assert incident.timeline.filter(text=only).exists()
    logged = AuditEntry.objects.get(target_type="incidents.IncidentShare", action=AuditAction.CREATE)
    assert logged.target_id == str(share.pk) and logged.detail["what"] == "The incident only"

    # Shared again by someone who reads one of the two records, the disclosure says which part went.
    demo_person(incident, demo_users["responder"], name="Wendy Witness", role="witness")
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=demo_users["responder"])
    people_services.change_person_need_to_know(
        person=person,
        users=[demo_users["responder"], coordinator],
        by=demo_users["responder"],
        expected_revision=person.revision,
    )
    client.post(url, {"partnership": southmoor.pk, **SHARE_BASIS})
    disclosure = Disclosure.objects.get()
    assert (
        disclosure.what
        == "The incident and 1 of its 2 records of people affected, shared with another partnership"
    )
    assert list(disclosure.people.all()) == [person]


@contextmanager
def _recorded_as_the_incident_is_shared(record):
    """``record()`` called the moment a share writes its timeline note, after what it carried was decided: a
    colleague recording someone affected as the incident is shared."""

    def at_the_share(sender, instance, created, **kwargs):
        if created and instance.text.startswith("Shared with"):
            record()

    post_save.connect(at_the_share, sender=TimelineEntry, dispatch_uid="recorded-as-shared")
    try:
        yield
    finally:
        post_save.disconnect(sender=TimelineEntry, dispatch_uid="recorded-as-shared")


def test_a_shares_confirmation_says_what_it_left_out_as_its_disclosure_recorded_it(
    client_for, incident, person, demo_users, other_partnership
):
    """The defect: the confirmation counted the records left out again after the share, so a record made
    meanwhile, off the sharer's list, was said not to have been shared though the share's disclosure says all
    the records went. Now it says what the share recorded."""
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    coordinator = demo_users["coordinator"]

    def witness_only_the_coordinator_reads():
        witness = demo_person(incident, coordinator, name="Wendy Witness", role="witness")
        people_services.change_person_need_to_know(
            person=witness, users=[coordinator], by=coordinator, expected_revision=witness.revision
        )

    with _recorded_as_the_incident_is_shared(witness_only_the_coordinator_reads):
        shared = client_for("responder").post(
            reverse("incidents:share", args=[incident.pk]), {"partnership": southmoor.pk, **SHARE_BASIS}
        )
    disclosure = Disclosure.objects.get()
    assert disclosure.what == "The incident and its people affected, shared with another partnership"
    assert incident.people.count() == 2
    said = [str(message) for message in get_messages(shared.wsgi_request)]
    assert said == [f"The incident is shared with {southmoor}."]


def test_a_shares_confirmation_says_it_carried_no_record_as_it_recorded_none(
    client_for, incident, person, demo_users, other_partnership
):
    """The defect: the confirmation asked again after the share whether it carried records, so a record made
    meanwhile that the sharer may read hid that nothing was disclosed. Now it says what the share recorded."""
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    assert not access.can_read_person(coordinator, incident.partnership, person)

    with _recorded_as_the_incident_is_shared(lambda: demo_person(incident, responder, role="witness")):
        shared = client_for("coordinator").post(
            reverse("incidents:share", args=[incident.pk]), {"partnership": southmoor.pk, **SHARE_BASIS}
        )
    assert not Disclosure.objects.exists()
    said = [str(message) for message in get_messages(shared.wsgi_request)]
    assert said == [
        f"The incident is shared with {southmoor}. No records of people affected went with it, so nothing "
        "was written to the disclosure log. Someone on its list can share it."
    ]


def test_the_share_page_says_the_reason_goes_to_the_disclosure_log_only_when_records_go_with_the_share(
    client_for, incident, person, demo_users
):
    """The defect: under "Why are you sharing it?" the share page said the reason was written to the
    disclosure log even to someone who may read no record of the incident's people affected, whose share
    carries none and is written to no disclosure log. Now the hint says so; to someone whose share carries
    records it still says the disclosure log."""
    url = reverse("incidents:share", args=[incident.pk])
    assert not access.can_read_person(demo_users["coordinator"], incident.partnership, person)

    carries_none = html.unescape(client_for("coordinator").get(url).content.decode())
    assert "Written to the disclosure log" not in carries_none
    assert (
        "Only the incident will be shared, with no records of people affected, so nothing is written to the "
        "disclosure log. Your reason and the lawful basis are written to the audit log with your name."
    ) in carries_none

    carries_records = html.unescape(client_for("responder").get(url).content.decode())
    assert "Written to the disclosure log and the audit log with your name." in carries_records
    assert "Only the incident will be shared" not in carries_records


def test_a_share_carrying_no_record_keeps_why_and_the_lawful_basis_given_in_its_audit_entry(
    client_for, incident, person, demo, demo_users, other_partnership
):
    """The defect: a share carrying no record logs no disclosure, and neither its audit entry nor its timeline
    note kept the purpose and the lawful basis typed on the share page, so the lead partnership could not
    later say why its incident was shared. The share's audit entry keeps them."""
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    coordinator = demo_users["coordinator"]
    assert not access.can_read_person(coordinator, demo, person)
    agreement = SharingAgreementFactory(partnership=demo, name="Cross-border agreement 2026")

    client_for("coordinator").post(
        reverse("incidents:share", args=[incident.pk]),
        {"partnership": southmoor.pk, **SHARE_BASIS, "agreement": agreement.pk},
    )

    assert IncidentShare.objects.filter(incident=incident, partnership=southmoor).exists()
    assert not Disclosure.objects.exists()
    logged = AuditEntry.objects.get(target_type="incidents.IncidentShare", action=AuditAction.CREATE)
    assert logged.detail["what"] == "The incident only"
    assert logged.detail["purpose"] == SHARE_BASIS["purpose"]
    assert logged.detail["article6_basis"] == SHARE_BASIS["article6_basis"]
    assert logged.detail["gateway"] == SHARE_BASIS["gateway"]
    assert logged.detail["agreement"] == "Cross-border agreement 2026"


def test_the_audit_log_page_shows_why_a_share_was_made_and_on_what_basis(
    client_for, incident, person, demo, demo_users, other_partnership
):
    """The defect: a share's audit entry kept its purpose and lawful basis, but the audit log page showed none
    of them (only the admin did), so a coordinator reading the log could not see why the incident was
    shared. Its entry there now says what went, why, and the basis, in words."""
    from svtoolkit.incidents.services import share_incident
    from tests.incidents.builders import SHARE_BASIS

    southmoor, _ = other_partnership
    agreement = SharingAgreementFactory(partnership=demo, name="Cross-border agreement 2026")
    share_incident(
        incident=incident,
        partnership=southmoor,
        by=demo_users["coordinator"],
        agreement=agreement,
        **SHARE_BASIS,
    )
    page = html.unescape(client_for("coordinator").get(reverse("audit:log")).content.decode())
    for shown in (
        "What went: The incident only",
        f"Why: {SHARE_BASIS['purpose']}",
        "UK GDPR Article 6 basis: Article 6(1)(e): public task",
        "Gateway: Crime and Disorder Act 1998, section 115",
        "Information-sharing agreement relied on: Cross-border agreement 2026",
    ):
        assert shown in page
    assert "Article 9" not in page  # none was given
    assert client_for("responder").get(reverse("audit:log")).status_code == 403


def test_a_message_naming_someone_is_read_in_another_partnership_only_by_those_a_share_disclosed_records_to(
    incident, demo, demo_users, other_partnership
):
    """The defect: the other partnership's people on the incident's list read an unpublished message naming
    someone affected although no share had disclosed anyone's record to them."""
    from svtoolkit.accounts.models import User
    from svtoolkit.incidents.services import share_incident
    from tests.communications.builders import demo_message
    from tests.incidents.builders import SHARE_BASIS

    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    for listed in (responder, membership.user):
        people_services.add_to_need_to_know(incident=incident, user=listed, by=responder)
    message = demo_message(demo, demo_users, incident, approvers=[], names_or_images=True)
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert not access.can_read_message(southmoor_coordinator, southmoor, message)
    assert access.can_read_message(responder, demo, message)

    demo_person(incident, responder)
    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert access.can_read_message(southmoor_coordinator, southmoor, message)


# --- Health information: wherever a record holds it ------------------------------------------------------


def _offer_counselling(person, by):
    from svtoolkit.recovery.support.services import offer_support

    return offer_support(
        person=person,
        by=by,
        kind="offer",
        support_service=None,
        description="Trauma counselling after the stabbing",
        offered_by=None,
        offered_on=timezone.localdate(),
        follow_up_on=None,
    )


def _support_needs_corrected_away(person, by):
    people_services.correct_person_affected(
        person=person, by=by, expected_revision=person.revision, support_needs="Sleeps badly, on medication"
    )
    person.refresh_from_db()
    people_services.correct_person_affected(
        person=person, by=by, expected_revision=person.revision, support_needs=""
    )


@pytest.mark.parametrize("held_in", [_offer_counselling, _support_needs_corrected_away])
def test_sharing_a_record_whose_support_or_corrections_hold_health_information_needs_an_article_9_condition(
    incident, person, demo_users, other_partnership, held_in
):
    from svtoolkit.incidents.services import share_incident
    from tests.incidents.builders import SHARE_BASIS

    held_in(person, demo_users["responder"])
    person.refresh_from_db()
    assert person.support_needs == ""
    with pytest.raises(DomainError) as refused:
        share_incident(
            incident=incident, partnership=other_partnership[0], by=demo_users["responder"], **SHARE_BASIS
        )
    assert refused.value.field == "article9_condition"
    assert not IncidentShare.objects.exists()


def _hospital_stay(person, by):
    from tests.incidents.builders import demo_hospital_stay

    return demo_hospital_stay(person.incident, person, by)


@pytest.mark.parametrize("held_in", [_offer_counselling, _support_needs_corrected_away, _hospital_stay])
def test_health_information_recorded_after_a_share_without_article_9_closes_the_record_until_shared_again(
    incident, person, demo_users, other_partnership, held_in
):
    """The defect: the share's disclosure, with an Article 6 basis only, went on opening the record in the
    other partnership after health information was recorded in it, which no Article 9 condition covered."""
    from svtoolkit.accounts.models import User
    from svtoolkit.incidents.people.selectors import people_visible_to
    from svtoolkit.incidents.services import share_incident
    from tests.incidents.builders import SHARE_BASIS

    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    share_incident(incident=incident, partnership=southmoor, by=responder, **SHARE_BASIS)
    people_services.add_to_need_to_know(
        incident=incident, user=membership.user, by=responder, with_records=True
    )
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert access.can_read_person(southmoor_coordinator, southmoor, person)

    person.refresh_from_db()
    held_in(person, responder)
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert not access.can_read_person(southmoor_coordinator, southmoor, person)
    assert list(people_visible_to(southmoor_coordinator, incident)) == []

    share_incident(
        incident=incident,
        partnership=southmoor,
        by=responder,
        **SHARE_BASIS,
        article9_condition="9_2_g_sch1_18",
    )
    southmoor_coordinator = User.objects.get(pk=membership.user_id)
    assert access.can_read_person(southmoor_coordinator, southmoor, person)


def test_a_correction_of_other_details_is_no_health_information(incident, person, demo_users):
    people_services.correct_person_affected(
        person=person, by=demo_users["responder"], expected_revision=person.revision, name="J. Sample"
    )
    assert not disclosures.holds_health_information([person])


def test_the_share_page_asks_for_a_reason_that_names_no_one_as_the_audit_log_keeps_it_for_good(
    client_for, incident, person, demo_users
):
    """The defect: a share's audit entry keeps the reason typed on the share page (e595e866), and the audit
    log is append-only, so the erasure of the incident's people at the end of its retention cannot take out
    a reason that named one ("Jordan Smith lives in Southmoor"); the page never said not to. Now it does,
    whether or not the share carries records."""
    url = reverse("incidents:share", args=[incident.pk])
    warning = "The audit log keeps the reason for good, even once the records are erased: do not name"
    for role in ("coordinator", "responder"):  # a share carrying no record, and one carrying records
        page = html.unescape(client_for(role).get(url).content.decode())
        assert warning in page, role
