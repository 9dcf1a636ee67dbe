"""How long people's details are kept after closing, the retention job, and subject-access exports."""

import json
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from svtoolkit.attachments.models import Attachment, StoredFileErasure
from svtoolkit.attachments.services import attach_file
from svtoolkit.audit.models import AuditEntry
from svtoolkit.communications import services as communications_services
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import PersonAffected, PersonAffectedCorrection
from svtoolkit.incidents.people import services as people_services
from svtoolkit.partnerships.models import Partnership
from svtoolkit.recovery import services, tasks
from svtoolkit.recovery.models import SupportOffer
from svtoolkit.recovery.retention import selectors as retention_selectors
from svtoolkit.recovery.retention import services as retention_services
from svtoolkit.recovery.review import services as review_services
from tests.conftest import MODEL_BACKEND
from tests.incidents.builders import (
    demo_incident,
    demo_referral,
    on_the_records_list_only,
    shared_with_a_reader,
)
from tests.meetings.builders import demo_meeting
from tests.page_forms import form_on, saved_from_two_pages
from tests.recovery.test_after import closed, offer, record_person, refer

pytestmark = pytest.mark.django_db

CLOSING_DAY = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def closed_incident(demo, demo_users, time_machine):
    """An incident with one victim and their support, closed on 1 December 2026 under a 6-year retention."""
    time_machine.move_to(CLOSING_DAY, tick=False)
    incident, _ = demo_incident(demo, demo_users)
    person = record_person(incident, demo_users["responder"])
    offer(
        person,
        demo_users["responder"],
        description="Counselling with Dr Ahmed",
        offered_on=date(2026, 12, 1),
        follow_up_on=date(2026, 12, 12),
    )
    communications_services.draft_message(
        incident=incident,
        by=demo_users["responder"],
        kind="press",
        title="Tribute to Jordan Smith",
        body="Jordan Smith's family pay tribute.",
        audience="Friends of Jordan Smith",
        channel="Website",
        planned_for=timezone.now(),
        names_or_images=True,
        approvers=[],
    )
    closed(incident, demo_users["responder"])
    incident.refresh_from_db()
    return incident


def test_nothing_is_erased_before_the_retention_period_ends(closed_incident, time_machine):
    time_machine.move_to(datetime(2032, 11, 30, 23, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 0
    assert PersonAffected.objects.get().name == "Jordan Smith"


def test_the_retention_job_erases_people_and_keeps_the_anonymised_record(closed_incident, time_machine):
    time_machine.move_to(datetime(2032, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1

    person = PersonAffected.objects.get()
    assert (person.name, person.relation, person.support_needs, person.consent_scope) == (
        "Erased",
        "",
        "",
        "",
    )
    assert (person.role, person.age_band) == ("victim", "16_17")  # kept for statistics
    support = SupportOffer.objects.get()
    assert (support.description, support.kind, support.response) == ("Erased", "offer", "awaiting")
    message = closed_incident.messages.get()
    assert "Jordan" not in f"{message.title} {message.body} {message.audience}"
    erasure = AuditEntry.objects.get(action="erase", target_type="incidents.PersonAffected")
    assert erasure.target_id == str(person.pk)
    assert erasure.detail == {
        "incident": closed_incident.reference,
        "closed": "2026-12-01",
        "retention_years": 6,
    }
    closed_incident.refresh_from_db()
    assert closed_incident.personal_data_erased_at is not None
    assert tasks.erase_expired_personal_data.call() == 0  # once only


def test_an_erased_record_takes_no_details_back(client_for, closed_incident, time_machine):
    """The job erases each incident once: a correction typed in after it would be kept for ever. One sent from
    a form opened before the erasure is refused, saying why; the form is not offered after it."""
    person = PersonAffected.objects.get()
    url = reverse("incidents:person_edit", args=[closed_incident.pk, person.pk])
    client = client_for("responder")
    sent = form_on(client.get(url), having="revision") | {"name": "Jordan Smith", "support_needs": "PTSD"}
    time_machine.move_to(datetime(2032, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    client = client_for("responder")  # signed in again, years later

    refused = client.post(url, sent)
    assert refused.status_code == 403 and "nothing can be added back to it" in refused.content.decode()
    assert client.get(url).status_code == 403
    person.refresh_from_db()
    assert (person.name, person.support_needs) == ("Erased", "")
    assert not PersonAffectedCorrection.objects.exists()


def test_a_shorter_retention_period_brings_erasure_forward(closed_incident, demo, demo_users, time_machine):
    retention_services.set_retention_period(
        partnership=demo, years=2, expected_revision=demo.retention_revision, by=demo_users["coordinator"]
    )
    closed_incident.refresh_from_db()
    assert retention_selectors.erase_on(closed_incident) == date(2028, 12, 1)
    time_machine.move_to(datetime(2028, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1


def test_an_erased_incident_cannot_be_reopened(closed_incident, demo_users, time_machine):
    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    closed_incident.refresh_from_db()
    with pytest.raises(DomainError, match="erased"):
        review_services.reopen_incident(
            incident=closed_incident, by=demo_users["responder"], reason="Linked case"
        )


def test_the_review_page_of_an_erased_incident_offers_no_re_opening_and_says_why(
    client_for, closed_incident, time_machine
):
    """The defect: the review page of an incident whose people were erased still said "re-open it to change
    it" and offered Re-open the incident, whose page took a reason only to refuse it. Now it says the incident
    cannot be re-opened, and why, and offers no button."""
    review = reverse("recovery:review", args=[closed_incident.pk])
    reopen = reverse("recovery:reopen", args=[closed_incident.pk])
    assert reopen in client_for("responder").get(review).content.decode()
    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    page = client_for("responder").get(review).content.decode()
    assert reopen not in page
    erased = "The details of the people affected were erased on 1 January 2033, so it cannot be re-opened."
    assert erased in page


def test_a_change_to_an_erased_incident_is_refused_without_telling_to_re_open_it(
    client_for, closed_incident, demo_users, time_machine
):
    """The defect: a change to a closed incident was refused with "Re-open it first" even when its people's
    details had been erased, and so it could not be re-opened. Now the refusal says it cannot be re-opened,
    and why, on the page and from a service that finds it closed."""
    url = reverse("incidents:update", args=[closed_incident.pk])
    assert "Re-open it first." in client_for("responder").post(url, {"text": "x"}).content.decode()

    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    refused = client_for("responder").post(url, {"text": "Late update"})
    told = refused.content.decode()
    assert refused.status_code == 403 and "is closed, so it cannot be changed" in told
    assert "Re-open it first" not in told
    assert "The details of the people affected were erased, so it cannot be re-opened." in told
    assert not closed_incident.timeline.filter(text="Late update").exists()

    with pytest.raises(DomainError) as meanwhile:
        incident_services.refuse_if_closed_meanwhile(closed_incident)
    assert str(meanwhile.value) == (
        f"{closed_incident.reference} was closed meanwhile, so it cannot be changed. The details of the "
        "people affected were erased, so it cannot be re-opened."
    )


def test_the_coordinator_sees_what_is_due_for_erasure_next(client_for, closed_incident, demo, demo_users):
    later, _ = demo_incident(demo, demo_users)
    record_person(later, demo_users["responder"], name="Sam Lee")
    page = client_for("coordinator").get(reverse("recovery:retention")).content.decode()
    assert closed_incident.reference in page and "1 Dec 2032" in page
    assert later.reference not in page  # still open: its people are not due
    assert "Jordan" not in page


def test_the_retention_period_must_be_a_sensible_number_of_years(client_for, demo):
    response = client_for("coordinator").post(reverse("recovery:retention"), {"years": "0"})
    assert "Keep the details for at least 1 year" in response.content.decode()
    response = client_for("coordinator").post(reverse("recovery:retention"), {"years": "six"})
    assert "Enter a whole number of years" in response.content.decode()
    for too_many in ("26", "3000", "9" * 30):
        response = client_for("coordinator").post(reverse("recovery:retention"), {"years": too_many})
        assert "Keep the details for at most 25 years" in response.content.decode()
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 6
    client_for("coordinator").post(
        reverse("recovery:retention"), {"years": "7", "revision": demo.retention_revision}
    )
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 7
    assert AuditEntry.objects.filter(detail__personal_data_retention_years=[6, 7]).exists()


@pytest.mark.parametrize("years", [0, 26, 3000])
def test_a_retention_period_out_of_bounds_is_refused_wherever_it_is_set(
    demo, demo_users, closed_incident, years, time_machine
):
    """The defect: only the page's form had the bounds. The admin (and anything saving the model) took 0
    years, erasing every closed incident the next night, or 3000, after which the nightly job failed on a
    date out of range for every partnership. Now the model, the service and the database refuse them."""
    demo.personal_data_retention_years = years
    with pytest.raises(ValidationError, match="Keep the details for at"):
        demo.full_clean()  # what the admin's form runs
    with pytest.raises(DomainError, match="Keep the details for at"):
        retention_services.set_retention_period(
            partnership=demo,
            years=years,
            expected_revision=demo.retention_revision,
            by=demo_users["coordinator"],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.filter(pk=demo.pk).update(personal_data_retention_years=years)
    time_machine.move_to(datetime(2032, 12, 2, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1  # six years after closing, as before


# --- Subject-access export -----------------------------------------------------------------------------


def test_a_coordinator_on_the_list_exports_everything_held_about_one_person(
    client_for, closed_incident, demo_users
):

    client, url = _coordinator_on_the_lists(
        client_for, closed_incident, PersonAffected.objects.get(), demo_users
    )
    assert "Give a reason" in client.post(url, {"reason": ""}).content.decode()
    assert not AuditEntry.objects.filter(action="export_sensitive").exists()

    response = client.post(url, {"reason": "Subject-access request of 2 December"})
    assert response["Content-Disposition"].startswith("attachment;")
    export = json.loads(response.content)
    assert export["person"]["name"] == "Jordan Smith"
    assert export["person"]["support_needs"] == "Counselling; help getting back to school"
    assert [s["description"] for s in export["support"]] == ["Counselling with Dr Ahmed"]
    assert demo_users["coordinator"].email in export["who_may_read_the_record"]
    assert export["record_history"][0]["action"] == "Created"
    assert export["record_history"][-1]["detail"]["reason"] == "Subject-access request of 2 December"
    entry = AuditEntry.objects.get(action="export_sensitive")
    assert entry.actor == demo_users["coordinator"]


def _coordinator_on_the_lists(client_for, incident, person, demo_users):
    """The coordinator, put on the incident's list and its records': their client, and the URL of
    ``person``'s subject-access export."""
    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["coordinator"], by=demo_users["responder"], with_records=True
    )
    return client_for("coordinator"), reverse("recovery:subject_access", args=[incident.pk, person.pk])


def _exported_by_a_coordinator_on_the_list(client_for, incident, person, demo_users) -> dict:
    """The coordinator, put on the incident's list and its records', exports ``person``."""
    client, url = _coordinator_on_the_lists(client_for, incident, person, demo_users)
    return json.loads(client.post(url, {"reason": "SAR 2 December"}).content)


def test_the_export_holds_the_persons_hospital_stays_referrals_and_corrections(
    client_for, closed_incident, demo_users
):
    from tests.factories import (
        HospitalStayFactory,
        PersonAffectedCorrectionFactory,
        SafeguardingReferralFactory,
    )

    person = PersonAffected.objects.get()
    HospitalStayFactory(patient=person, discharge_plan="Home to his aunt's on Friday")
    SafeguardingReferralFactory(person=person, outcome="Allocated to a social worker")
    PersonAffectedCorrectionFactory(
        person=person,
        by=demo_users["responder"],
        changes=[{"field": "Name", "before": "J. Smith", "after": "Jordan Smith"}],
    )
    export = _exported_by_a_coordinator_on_the_list(client_for, closed_incident, person, demo_users)

    [stay] = export["hospital_stays"]
    assert stay["discharge_plan"] == "Home to his aunt's on Friday"
    assert stay["visitor_arrangements"] == "Close family only, identities checked by hospital security."
    [referral] = export["safeguarding_referrals"]
    assert (referral["route"], referral["outcome"]) == (
        "Multi-agency safeguarding hub (MASH)",
        "Allocated to a social worker",
    )
    [correction] = export["corrections"]
    assert correction["changes"] == [{"field": "Name", "before": "J. Smith", "after": "Jordan Smith"}]
    assert correction["by"] == str(demo_users["responder"])


def test_the_export_says_who_each_referral_went_to(client_for, demo, demo_users):
    """The defect: the export's disclosure "to" was the referral's description, not who received it."""
    incident, _ = demo_incident(demo, demo_users)
    person = record_person(incident, demo_users["responder"])
    refer(person, demo_users["responder"])
    export = _exported_by_a_coordinator_on_the_list(client_for, incident, person, demo_users)

    referral = next(entry for entry in export["disclosures"] if entry["what"] == "Referral")
    assert referral["to"] == "Cruse Bereavement Support"
    [support] = export["support"]
    assert (support["description"], support["referred_to"]) == (
        "Weekly bereavement counselling",
        "Cruse Bereavement Support",
    )


def test_an_exporter_on_the_records_list_alone_gets_no_message_they_may_not_read(
    client_for, closed_incident, demo_users
):
    """A coordinator on the person's own list but not on the incident's may export the record, but not the
    text of a message naming someone affected, which the message's page hides from them too."""
    person = PersonAffected.objects.get()
    on_the_records_list_only(person, demo_users["coordinator"], by=demo_users["responder"])
    url = reverse("recovery:subject_access", args=[closed_incident.pk, person.pk])
    response = client_for("coordinator").post(url, {"reason": "Subject-access request of 2 December"})

    export = json.loads(response.content)
    assert export["person"]["name"] == "Jordan Smith"  # the record itself, from its own list
    [message] = export["messages_naming_someone_affected"]
    assert message == {
        "title": "A message naming someone affected (restricted)",
        "restricted": True,
        "text": None,
        "audience": None,
        "status": "Draft",
        "family_agreed_at": None,
    }
    assert "Jordan Smith's family" not in response.content.decode()
    assert not AuditEntry.objects.filter(
        action="view_sensitive", target_type="communications.Message"
    ).exists()


def test_a_message_read_in_an_export_is_audited(client_for, closed_incident, demo_users):
    person = PersonAffected.objects.get()
    export = _exported_by_a_coordinator_on_the_list(client_for, closed_incident, person, demo_users)

    [message] = export["messages_naming_someone_affected"]
    assert (message["restricted"], message["text"]) == (False, "Jordan Smith's family pay tribute.")
    read = AuditEntry.objects.get(action="view_sensitive", target_type="communications.Message")
    assert read.actor == demo_users["coordinator"]
    assert read.detail["what"] == "message naming someone affected, in a subject-access export"


def test_the_export_asks_the_same_queries_for_one_message_naming_someone_or_five(
    client_for, closed_incident, demo_users, django_assert_max_num_queries
):
    """The defect: the export asked whether the exporter may read, and wrote the audit entry of the reading,
    once a message. Now asked once for the list, every reading still written, one entry a message."""
    from tests.factories import MessageFactory

    client, url = _coordinator_on_the_lists(
        client_for, closed_incident, PersonAffected.objects.get(), demo_users
    )
    with django_assert_max_num_queries(200) as one:
        client.post(url, {"reason": "SAR 2 December"})
    MessageFactory.create_batch(4, incident=closed_incident, names_or_images=True)
    read = AuditEntry.objects.filter(action="view_sensitive", target_type="communications.Message")
    before = read.count()
    with django_assert_max_num_queries(len(one.captured_queries)):
        export = json.loads(client.post(url, {"reason": "SAR 2 December"}).content)
    assert len(export["messages_naming_someone_affected"]) == 5
    assert read.count() - before == 5


def test_no_one_else_may_export_a_person(client_for, closed_incident):
    person = PersonAffected.objects.get()
    url = reverse("recovery:subject_access", args=[closed_incident.pk, person.pk])
    # The coordinator is not on this incident's list; the responder is, but is not a coordinator.
    for role in ("coordinator", "responder", "police", "viewer"):
        assert client_for(role).post(url, {"reason": "Curious"}).status_code == 403
    assert not AuditEntry.objects.filter(action="export_sensitive").exists()


def test_a_partnership_the_incident_is_shared_with_does_not_answer_a_subject_access_request(
    client, demo, demo_users, other_partnership
):
    """The defect: a coordinator of a partnership the incident is shared with, on the record's list, exported
    the person's data and was offered the link to. A subject-access request is for the partnership leading
    the incident (the data controller) to answer; theirs may read the record, not export it."""
    southmoor, membership = other_partnership
    incident, _ = demo_incident(demo, demo_users)
    person = record_person(incident, demo_users["responder"])
    shared_with_a_reader(incident, southmoor, membership.user, by=demo_users["responder"])
    client.force_login(membership.user, backend=MODEL_BACKEND)
    record_page = client.post(reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "SAR"})
    assert "Jordan Smith" in record_page.content.decode()  # they read the record the share disclosed

    assert "subject-access request" not in record_page.content.decode()
    url = reverse("recovery:subject_access", args=[incident.pk, person.pk])
    assert client.post(url, {"reason": "Subject-access request of 2 December"}).status_code == 403
    assert not AuditEntry.objects.filter(action="export_sensitive").exists()
    assert not person.disclosures.filter(what="Subject-access export").exists()


def test_a_subject_access_export_is_audited_and_marked_in_the_lead_partnership(
    client_for, demo, demo_users, other_partnership
):
    """The export, and the disclosure it is, go in the log of the partnership whose data it is, even when
    the incident is shared with another."""
    southmoor, membership = other_partnership
    incident, _ = demo_incident(demo, demo_users)
    person = record_person(incident, demo_users["responder"])
    shared_with_a_reader(incident, southmoor, membership.user, by=demo_users["responder"])
    client, url = _coordinator_on_the_lists(client_for, incident, person, demo_users)
    response = client.post(url, {"reason": "Subject-access request of 2 December"})

    assert response["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"
    assert json.loads(response.content)["protective_marking"] == "OFFICIAL-SENSITIVE"
    exported = AuditEntry.objects.get(action="export_sensitive")
    assert exported.partnership == demo
    assert not AuditEntry.objects.filter(partnership=southmoor, detail__what="Subject-access export").exists()
    [disclosure] = person.disclosures.filter(what="Subject-access export")
    assert disclosure.by == demo_users["coordinator"]


def test_messages_naming_someone_are_erased_even_with_no_one_recorded(demo, demo_users, time_machine):
    time_machine.move_to(CLOSING_DAY, tick=False)
    incident, _ = demo_incident(demo, demo_users)
    communications_services.draft_message(
        incident=incident, by=demo_users["responder"], kind="press", title="Vigil for Sam Lee",
        body="A vigil for Sam Lee.", audience="Public", channel="Website", planned_for=timezone.now(),
        names_or_images=True, approvers=[],
    )  # fmt: skip
    incident.messages.update(status="approved")  # signed off (the sign-off itself is tested with messages)
    message = incident.messages.get()
    communications_services.record_family_agreement(
        message=message, by=demo_users["responder"], note="Agreed"
    )
    communications_services.publish(message=message, by=demo_users["responder"])
    assert incident.timeline.filter(text__contains="Vigil for Sam Lee").exists()  # named once published
    closed(incident, demo_users["responder"])
    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    assert "Sam Lee" not in incident.messages.get().title
    assert not incident.timeline.filter(text__contains="Sam Lee").exists()
    incident.refresh_from_db()
    assert incident.personal_data_erased_at is not None
    assert AuditEntry.objects.get(action="erase").detail == {"messages naming someone": 1}


def test_an_incident_with_no_one_recorded_is_erased_too(
    demo, demo_users, time_machine, django_capture_on_commit_callbacks
):
    """Schools' notes and attached files may name someone although no person was recorded."""
    from tests.factories import SchoolInvolvedFactory

    time_machine.move_to(CLOSING_DAY, tick=False)
    incident, _ = demo_incident(demo, demo_users)
    school = SchoolInvolvedFactory(incident=incident, support_offered="Counselling for Sam Lee's form group")
    attachment = attach_file(
        owner=incident,
        file=SimpleUploadedFile("cctv-sam-lee.txt", b"CCTV of Sam Lee handed over.\n"),
        by=demo_users["responder"],
    )
    closed(incident, demo_users["responder"])
    assert [row.incident for row in retention_selectors.due_for_erasure(demo)] == [incident]

    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.erase_expired_personal_data.call()
    school.refresh_from_db()
    assert "Sam Lee" not in school.support_offered
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    incident.refresh_from_db()
    assert incident.personal_data_erased_at is not None
    assert retention_selectors.due_for_erasure(demo) == []


def test_an_incident_closed_on_29_february_is_erased_on_the_day_shown(demo, demo_users, time_machine):
    """A year on from 29 February 2024 is 28 February 2025: the day the retention page shows."""
    demo.personal_data_retention_years = 1
    demo.save(update_fields=["personal_data_retention_years"])
    time_machine.move_to(datetime(2024, 2, 29, 12, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    incident, _ = demo_incident(demo, demo_users)
    closed(incident, demo_users["responder"])
    [row] = retention_selectors.due_for_erasure(demo)
    assert row.erase_on == date(2025, 2, 28)
    assert retention_selectors.incidents_due_for_erasure(date(2025, 2, 27)) == []
    assert retention_selectors.incidents_due_for_erasure(date(2025, 2, 28)) == [incident]


def test_the_incident_due_for_erasure_soonest_is_listed_however_many_closed_before_it_are_held(
    demo, demo_users, time_machine
):
    """The defect: "Due for erasure next" took the first 50 incidents by the day they closed, then put them in
    order of erasure, so when those closed first were held by a trial far ahead, one closed the day after,
    held by nothing and erased first, was left off the list: the coordinator was never shown it. Now the
    list is the soonest erasures, whatever the order of closing (two shown here, for 50)."""
    time_machine.move_to(CLOSING_DAY, tick=False)
    held_by_a_trial = []
    for _ in range(2):
        incident, _ = demo_incident(demo, demo_users)
        services.add_milestone(
            incident=incident, by=demo_users["responder"], kind="trial", title="Trial", date=date(2040, 5, 1)
        )
        held_by_a_trial.append(closed(incident, demo_users["responder"]))
    time_machine.move_to(datetime(2026, 12, 2, 10, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    soonest = closed(demo_incident(demo, demo_users)[0], demo_users["responder"])
    due = retention_selectors.due_for_erasure(demo, limit=2)
    assert [(row.incident, row.erase_on) for row in due] == [
        (soonest, date(2032, 12, 2)),
        (held_by_a_trial[0], date(2040, 5, 2)),
    ]


def test_people_are_kept_until_the_day_after_a_trial_or_review_still_on_the_calendar(
    client_for, closed_incident, demo, demo_users, time_machine
):
    """A trial listed after the retention period ends still needs the victim's details (and their support):
    erasure waits for the day after it, and the retention page says so."""
    retention_services.set_retention_period(
        partnership=demo, years=1, expected_revision=demo.retention_revision, by=demo_users["coordinator"]
    )
    for kind, title, day in [
        ("trial", "Trial begins", date(2028, 3, 6)),
        ("dhr", "Domestic homicide review published", date(2028, 1, 15)),
        ("anniversary", "Two years on", date(2028, 6, 1)),  # holds nothing
    ]:
        services.add_milestone(
            incident=closed_incident, by=demo_users["responder"], kind=kind, title=title, date=day
        )
    [row] = retention_selectors.due_for_erasure(demo)
    assert row.erase_on == date(2028, 3, 7)
    page = client_for("coordinator").get(reverse("recovery:retention")).content.decode()
    assert "7 Mar 2028<br>" in page and "the day after the last court date or review" in page

    time_machine.move_to(datetime(2028, 3, 6, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 0
    assert PersonAffected.objects.get().name == "Jordan Smith"
    time_machine.move_to(datetime(2028, 3, 7, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1


def test_each_partnership_keeps_people_for_its_own_period(
    closed_incident, other_partnership, demo_users, time_machine
):
    southmoor, membership = other_partnership
    retention_services.set_retention_period(
        partnership=southmoor, years=1, expected_revision=southmoor.retention_revision, by=membership.user
    )
    assert retention_selectors.incidents_due_for_erasure(date(2028, 1, 1)) == []  # Northbridge keeps 6 years
    northbridge = closed_incident.partnership
    retention_services.set_retention_period(
        partnership=northbridge,
        years=1,
        expected_revision=northbridge.retention_revision,
        by=demo_users["coordinator"],
    )
    assert retention_selectors.incidents_due_for_erasure(date(2027, 11, 30)) == []
    assert retention_selectors.incidents_due_for_erasure(date(2027, 12, 1)) == [closed_incident]


def test_the_closing_day_recorded_with_an_erasure_is_the_local_one(demo, demo_users, time_machine):
    # 00:30 on 1 July in London is 23:30 on 30 June in UTC.
    time_machine.move_to(datetime(2026, 7, 1, 0, 30, tzinfo=timezone.get_default_timezone()), tick=False)
    incident, _ = demo_incident(demo, demo_users)
    record_person(incident, demo_users["responder"])
    closed(incident, demo_users["responder"])
    time_machine.move_to(datetime(2033, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    tasks.erase_expired_personal_data.call()
    assert AuditEntry.objects.get(action="erase").detail["closed"] == "2026-07-01"


def test_a_shorter_period_that_erases_at_once_is_confirmed_first(
    client_for, closed_incident, demo, time_machine
):
    time_machine.move_to(datetime(2029, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    client = client_for("coordinator")
    url = reverse("recovery:retention")
    shorter = {"years": "2", "revision": demo.retention_revision}
    warning = client.post(url, shorter).content.decode()
    assert f"on 1 closed incident ({closed_incident.reference}) will be erased tonight" in warning
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 6
    client.post(url, shorter | {"confirmed": "3"})  # confirmed a different number: warned again
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 6
    client.post(url, shorter | {"confirmed": "2"})
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 2


def test_a_shorter_period_that_tonights_run_would_erase_after_midnight_is_confirmed_first(
    client_for, closed_incident, demo, demo_users, time_machine
):
    """The defect: only incidents due by today were confirmed, but the nightly run at 02:30 takes tomorrow
    as its today: shortening the period in the afternoon erased that night, unwarned, what fell due
    tomorrow. Now the page asks about what the job's next run will erase. (Closed on 1 December 2026, two
    years' retention makes it due on 1 December 2028.)"""
    london = timezone.get_default_timezone()
    url = reverse("recovery:retention")

    time_machine.move_to(datetime(2028, 11, 30, 1, 0, tzinfo=london), tick=False)
    client = client_for("coordinator")
    client.post(url, {"years": "2", "revision": demo.retention_revision})  # that night's run takes the 30th
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 2
    retention_services.set_retention_period(
        partnership=demo, years=6, expected_revision=demo.retention_revision, by=demo_users["coordinator"]
    )

    time_machine.move_to(datetime(2028, 11, 30, 15, 0, tzinfo=london), tick=False)
    client = client_for("coordinator")
    warning = client.post(url, {"years": "2", "revision": demo.retention_revision}).content.decode()
    assert f"({closed_incident.reference}) will be erased tonight" in warning
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 6


def test_two_coordinators_changing_the_retention_period_at_once_see_each_others_choice(client_for, demo):
    refused = saved_from_two_pages(
        client_for("coordinator"),
        reverse("recovery:retention"),
        first={"years": "8"},
        second={"years": "10"},
        having="years",
    )
    page = refused.content.decode()
    assert "Someone else changed the retention period" in page and "Someone else saved “8” here" in page
    assert form_on(refused, having="revision")["years"] == "10"  # what they typed is kept
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 10


def test_a_shorter_period_confirmed_after_someone_else_changed_it_erases_nothing(
    client_for, closed_incident, demo, time_machine
):
    time_machine.move_to(datetime(2029, 1, 1, tzinfo=timezone.get_default_timezone()), tick=False)
    client = client_for("coordinator")
    url = reverse("recovery:retention")
    warned = client.post(url, form_on(client.get(url), having="years") | {"years": "2"})
    client.post(url, form_on(client.get(url), having="years") | {"years": "7"})  # someone else, meanwhile

    refused = client.post(url, form_on(warned, having="confirmed")).content.decode()
    assert "Someone else changed the retention period" in refused and "will be erased tonight" not in refused
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 7


def test_the_export_includes_who_opened_their_support(client_for, closed_incident, demo_users):
    from svtoolkit.incidents.people import services as people_services

    person = PersonAffected.objects.get()
    support = SupportOffer.objects.get()
    # Opened to update it while the incident is open: a closed incident's support is not opened to update.
    review_services.reopen_incident(incident=closed_incident, by=demo_users["responder"], reason="Inquest")
    client_for("responder").get(reverse("recovery:support_update", args=[closed_incident.pk, support.pk]))
    people_services.add_to_need_to_know(
        incident=closed_incident,
        user=demo_users["coordinator"],
        by=demo_users["responder"],
        with_records=True,
    )
    response = client_for("coordinator").post(
        reverse("recovery:subject_access", args=[closed_incident.pk, person.pk]), {"reason": "SAR 4 Dec"}
    )
    history = json.loads(response.content)["record_history"]
    opened = [e for e in history if e["detail"].get("what") == "support record, opened to update it"]
    assert [e["by"] for e in opened] == [demo_users["responder"].email]
    assert (
        json.loads(response.content)["messages_naming_someone_affected"][0]["title"]
        == "Tribute to Jordan Smith"
    )


def test_the_erasure_takes_what_was_typed_into_the_disclosure_log_and_keeps_that_each_disclosure_was_made(
    client_for, demo, demo_users, other_partnership, time_machine
):
    """The defect: the erasure left each disclosure's "to whom" and "why" as typed, and both may name the
    person ("SAR from Jordan Smith"). Now why, and a recipient typed in, are erased; that it was made, what
    left, when, by whom, on which basis, and a recipient svtoolkit wrote itself (the other partnership, the
    MASH, the person themselves) are kept: the accountability record."""
    southmoor, _ = other_partnership
    responder = demo_users["responder"]
    time_machine.move_to(CLOSING_DAY, tick=False)
    incident, _ = demo_incident(demo, demo_users)
    person = record_person(incident, responder)
    refer(
        person,
        responder,
        referred_to="Jordan Smith's aunt, Mrs Patel, who runs the youth club",
        referral_basis={"purpose": "Jordan Smith asked for help", "article6_basis": "6_1_e"}
        | {"article9_condition": "9_2_g_sch1_18"},
    )
    demo_referral(incident, person, responder, purpose="Jordan Smith was threatened again")
    incident_services.share_incident(
        incident=incident,
        partnership=southmoor,
        by=responder,
        purpose="Jordan Smith lives in Southmoor",
        article6_basis="6_1_e",
        article9_condition="9_2_g_sch1_18",
    )
    client, url = _coordinator_on_the_lists(client_for, incident, person, demo_users)
    client.post(url, {"reason": "SAR from Jordan Smith's mother"})
    closed(incident, responder)
    made = {d.pk: (d.what, d.by, d.at, d.article6_basis, d.gateway) for d in incident.disclosures.all()}
    assert len(made) == 4

    time_machine.move_to(datetime(2032, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1

    logged = list(incident.disclosures.all())
    assert {d.pk: (d.what, d.by, d.at, d.article6_basis, d.gateway) for d in logged} == made
    assert all(list(d.people.all()) == [person] for d in logged)
    assert "Jordan" not in " ".join(f"{d.recipient} {d.purpose}" for d in logged)
    assert {d.purpose for d in logged} == {"Erased"}
    assert {d.what: d.recipient for d in logged} == {
        "Referral": "Erased",
        "A safeguarding referral to the Multi-agency safeguarding hub (MASH)": "Multi-agency safeguarding "
        "hub (MASH)",
        "The incident and its people affected, shared with another partnership": str(southmoor),
        "Subject-access export": retention_services.SUBJECT_ACCESS_RECIPIENT,
    }


def test_a_correction_keeps_no_earlier_name_once_the_person_is_erased(
    closed_incident, demo_users, time_machine
):
    person = PersonAffected.objects.get()
    people_services.correct_person_affected(
        person=person, by=demo_users["responder"], expected_revision=person.revision, name="Jordan Smyth"
    )
    time_machine.move_to(datetime(2032, 12, 2, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1
    kept = json.dumps([correction.changes for correction in PersonAffectedCorrection.objects.all()])
    assert "Jordan" not in kept


def test_files_on_the_incident_its_meetings_and_review_are_erased_with_its_personal_data(
    closed_incident, demo, demo_users, time_machine, django_capture_on_commit_callbacks
):
    # A meeting scheduled and files added while it was open: a closed incident takes neither.
    incident_services.reopen(incident=closed_incident, by=demo_users["responder"], reason="Meeting minutes")
    meeting = demo_meeting(demo, demo_users, incident=closed_incident)
    review = review_services.start_review(incident=closed_incident, by=demo_users["responder"])
    other_incident, _ = demo_incident(demo, demo_users)
    attached = [
        attach_file(
            owner=owner,
            file=SimpleUploadedFile(name, b"Flowers and cards left for Jordan Smith at the bus stop.\n"),
            by=demo_users["responder"],
        )
        for owner, name in (
            (closed_incident, "tributes.txt"),
            (meeting, "minutes.txt"),
            (review, "review.txt"),
            (other_incident, "kept.txt"),
        )
    ]
    incident_services.close(incident=closed_incident, by=demo_users["responder"])
    stored = [(attachment.file.storage, attachment.file.name) for attachment in attached]
    assert all(storage.exists(name) for storage, name in stored)

    time_machine.move_to(datetime(2032, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.erase_expired_personal_data.call() == 1

    assert list(Attachment.objects.values_list("name", flat=True)) == ["kept.txt"]
    assert [storage.exists(name) for storage, name in stored] == [False, False, False, True]
    erasure = AuditEntry.objects.get(action="erase", target_type="incidents.Incident")
    assert erasure.detail == {"messages naming someone": 1, "attached files": 3}


def test_a_file_the_storage_fails_to_delete_is_tried_again_and_the_others_are_deleted(
    client_for, demo, demo_users, time_machine, monkeypatch, django_capture_on_commit_callbacks
):
    """An S3 outage in the night must neither keep the other files of that night for ever nor this one."""
    time_machine.move_to(CLOSING_DAY, tick=False)
    incidents = [demo_incident(demo, demo_users)[0] for _ in range(2)]
    stored = []
    for incident in incidents:
        attachment = attach_file(
            owner=incident,
            file=SimpleUploadedFile("tributes.txt", b"Flowers left for Jordan Smith.\n"),
            by=demo_users["responder"],
        )
        stored.append(attachment.file.name)
        closed(incident, demo_users["responder"])
    storage = storages["default"]
    out_of_reach = {stored[0]}
    delete = type(storage).delete

    def failing_for_some(self, name):
        if name in out_of_reach:
            raise OSError("The storage did not answer")
        delete(self, name)

    monkeypatch.setattr(type(storage), "delete", failing_for_some)

    time_machine.move_to(datetime(2033, 1, 1, 2, 30, tzinfo=timezone.get_default_timezone()), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.erase_expired_personal_data.call()
    assert not Attachment.objects.exists()
    assert [storage.exists(name) for name in stored] == [True, False]
    [waiting] = StoredFileErasure.objects.all()
    assert (waiting.name, waiting.attempts) == (stored[0], 1)
    assert "The storage did not answer" in waiting.last_error
    page = client_for("coordinator").get(reverse("recovery:retention")).content.decode()
    assert "1 erased file could not yet be deleted from the file store" in page

    out_of_reach.clear()
    time_machine.move_to(datetime(2033, 1, 2, 2, 30, tzinfo=timezone.get_default_timezone()), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.erase_expired_personal_data.call()
    assert [storage.exists(name) for name in stored] == [False, False]
    assert not StoredFileErasure.objects.exists()
    page = client_for("coordinator").get(reverse("recovery:retention")).content.decode()
    assert "could not yet be deleted" not in page
