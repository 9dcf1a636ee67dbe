"""After the response: support for those affected, the review and lessons, closing and re-opening."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents import tokens
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import ActionStatus, Incident, IncidentStatus
from svtoolkit.incidents.people import services as people_services
from svtoolkit.messaging.delivery import deliver_due
from svtoolkit.playbooks import selectors as playbook_selectors
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.recovery import services, tasks
from svtoolkit.recovery.models import DebriefContribution, Lesson, SupportOffer
from svtoolkit.recovery.review import selectors as review_selectors
from svtoolkit.recovery.review import services as review_services
from svtoolkit.recovery.support import services as support_services
from tests.conftest import MODEL_BACKEND
from tests.factories import SharingAgreementFactory
from tests.incidents.builders import (
    SHARE_BASIS,
    demo_incident,
    demo_measure,
    demo_person,
    left_the_partnership,
    moved_to,
    on_the_records_list_only,
    recorded_incident,
    shared_with_a_reader,
)
from tests.page_forms import form_on
from tests.recovery.builders import led_by

pytestmark = pytest.mark.django_db


def record_person(incident, by, name="Jordan Smith"):
    return demo_person(
        incident,
        by,
        name=name,
        support_needs="Counselling; help getting back to school",
        consent="given",
        consent_scope="Victim support and the school",
    )


@pytest.fixture
def incident(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    return incident


@pytest.fixture
def published(demo, demo_users):
    draft = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbook_services.publish_draft(
        version=draft, by=demo_users["coordinator"], change_note="First", expected_revision=draft.revision
    )


@pytest.fixture
def person(incident, demo_users):
    return record_person(incident, demo_users["responder"])


def offer(person, by, **overrides):
    """Support offered to ``person`` on the day of the incident, to be followed up in a fortnight, unless
    said."""
    today = timezone.localdate()
    fields = {
        "kind": "offer",
        "support_service": None,
        "description": "Weekly trauma counselling",
        "offered_by": None,
        "offered_on": timezone.localdate(person.incident.occurred_at),
        "follow_up_on": today + timedelta(days=14),
    }
    return support_services.offer_support(person=person, by=by, **(fields | overrides))


def update_support(offered, by, **overrides):
    """``offered`` updated from its page as it was read: taken up, no next follow-up, unless said."""
    fields = {"response": "taken_up", "outcome": "", "follow_up_on": None}
    return support_services.record_support_response(
        offer=offered, by=by, expected_revision=offered.revision, **(fields | overrides)
    )


def refer(person, by, **overrides):
    """A referral of ``person`` for bereavement counselling, with its reason, Article 6 basis and Article 9
    condition (their record holds support needs: health information)."""
    fields = {
        "kind": "referral",
        "description": "Weekly bereavement counselling",
        "referred_to": "Cruse Bereavement Support",
        "referral_basis": {
            "purpose": "Bereavement support for the family",
            "article6_basis": "6_1_e",
            "article9_condition": "9_2_g_sch1_18",
        },
    }
    return offer(person, by, **(fields | overrides))


def to_recovery(incident, by):
    moved_to(incident, IncidentStatus.RESPONDING, IncidentStatus.RECOVERY, by=by)
    incident.refresh_from_db()


def finish_actions(incident, by):
    for action in incident.actions.all():
        incident_services.update_action(
            action=action,
            by=by,
            expected_revision=action.revision,
            status=ActionStatus.DONE,
            owner_organisation=action.owner_organisation,
            owner=action.owner,
            not_needed_reason="",
            note="",
        )


def completed_review(incident, by, held_on=None):
    """The review of ``incident`` completed by ``by``, held today unless said."""
    debrief = review_services.start_review(incident=incident, by=by)
    review_services.contribute_to_review(
        debrief=debrief,
        organisation=incident.participations.first().organisation,
        by=by,
        went_well="Quick information sharing",
        went_badly="The school heard late",
        to_change="Tell schools within the hour",
    )
    return review_services.complete_review(
        debrief=debrief, by=by, held_on=held_on or timezone.localdate(), summary="Mostly well."
    )


def closed(incident, by):
    to_recovery(incident, by)
    finish_actions(incident, by)
    completed_review(incident, by)
    return review_services.close_incident(incident=incident, by=by)


# --- Support for those affected ------------------------------------------------------------------------


def test_support_is_summarised_without_details_for_those_off_the_list(
    client_for, incident, person, demo_users
):
    offer(person, demo_users["responder"])
    refer(person, demo_users["responder"], description="Referral to the MASH", referred_to="The MASH")
    page = client_for("viewer").get(reverse("recovery:support", args=[incident.pk])).content.decode()
    assert "Who was offered what is shown only to those on each record's need-to-know list" in page
    assert "counselling" not in page and "MASH" not in page
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()


def test_a_referral_logs_who_received_their_details_not_what_the_referral_was_for(
    incident, person, demo_users
):
    """The defect: the disclosure log's "To whom" held the referral's description (what was offered)."""
    referral = refer(person, demo_users["responder"], referred_to="Cruse Bereavement Support, Northbridge")
    disclosure = person.disclosures.get()
    assert disclosure.recipient == "Cruse Bereavement Support, Northbridge"
    assert (disclosure.what, disclosure.purpose) == ("Referral", "Bereavement support for the family")
    assert referral.disclosure == disclosure


def test_a_referral_to_a_directory_service_names_the_service_and_who_runs_it(
    demo, incident, person, demo_users
):
    service = demo.support_services.get(name="Trauma-informed therapy for young people")
    refer(person, demo_users["responder"], support_service=service, referred_to="")
    assert (
        person.disclosures.get().recipient == f"Trauma-informed therapy for young people ({service.provider})"
    )


def test_a_first_referral_of_someone_with_no_support_needs_recorded_still_needs_an_article_9_condition(
    demo, incident, demo_users
):
    """The defect: the record was checked for health information before the referral was made, so the first
    referral of a person (itself health information, as every support offer is) went with Article 6 only."""
    someone = demo_person(incident, demo_users["responder"])
    assert someone.support_needs == ""
    with pytest.raises(DomainError) as refused:
        refer(
            someone,
            demo_users["responder"],
            support_service=demo.support_services.get(name="Trauma-informed therapy for young people"),
            referred_to="",
            referral_basis={"purpose": "Therapy", "article6_basis": "6_1_e"},
        )
    assert refused.value.field == "article9_condition"
    assert not SupportOffer.objects.filter(person=someone).exists() and not someone.disclosures.exists()


def test_a_referral_naming_no_one_to_receive_their_details_is_refused_and_nothing_is_recorded(
    incident, person, demo_users
):
    with pytest.raises(DomainError) as refused:
        refer(person, demo_users["responder"], referred_to="  ")
    assert refused.value.field == "referred_to"
    assert not SupportOffer.objects.exists() and not person.disclosures.exists()


def test_the_referral_form_asks_who_receives_their_details_and_the_pages_show_it(
    client_for, incident, person, demo_users
):
    client = client_for("responder")
    url = reverse("recovery:support_add", args=[incident.pk, person.pk])
    typed = {
        "kind": "referral",
        "description": "Weekly bereavement counselling",
        "offered_on": timezone.localdate().isoformat(),
        "purpose": "Bereavement support for the family",
        "article6_basis": "6_1_e",
        "article9_condition": "9_2_g_sch1_18",
    }
    refused = client.post(url, typed).content.decode()
    assert "Say who the referral is to" in refused and 'value="Weekly bereavement counselling"' in refused
    assert not SupportOffer.objects.exists()

    assert client.post(url, typed | {"referred_to": "Cruse Bereavement Support"}).status_code == 302
    support = client.get(reverse("recovery:support", args=[incident.pk])).content.decode()
    assert "Referral: Weekly bereavement counselling, to Cruse Bereavement Support" in support
    record = client.post(
        reverse("incidents:person", args=[incident.pk, person.pk]), {"reason": "Checking the referral"}
    ).content.decode()
    assert 'To whom</dt><dd class="govuk-summary-list__value">Cruse Bereavement Support</dd>' in record


def test_a_referral_from_a_partnership_the_incident_is_shared_with_goes_under_the_leads_agreement(
    client, incident, person, demo, demo_users, other_partnership
):
    """The defect: recorded from a partnership the incident is shared with, the referral form listed that
    partnership's information-sharing agreements, each of which the disclosure log refuses (the record is
    the lead partnership's, and so is the agreement its disclosure relies on): with any agreement chosen,
    the referral was refused. Now the form lists the lead partnership's, as a situation report's does."""
    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    leads = SharingAgreementFactory(partnership=demo, name="Northbridge safeguarding ISA")
    theirs = SharingAgreementFactory(partnership=southmoor, name="Southmoor safeguarding ISA")
    client.force_login(membership.user, backend=MODEL_BACKEND)
    url = reverse("recovery:support_add", args=[incident.pk, person.pk])

    page = client.get(url).content.decode()
    assert leads.name in page and theirs.name not in page
    response = client.post(
        url,
        {
            "kind": "referral",
            "description": "Weekly bereavement counselling",
            "referred_to": "Cruse Bereavement Support",
            "offered_on": timezone.localdate().isoformat(),
            "purpose": "Bereavement support for the family",
            "article6_basis": "6_1_e",
            "article9_condition": "9_2_g_sch1_18",
            "agreement": leads.pk,
        },
    )
    assert response.status_code == 302
    assert SupportOffer.objects.get().disclosure.agreement == leads


def test_the_need_to_know_list_sees_who_was_offered_what_and_it_is_audited(
    client_for, incident, person, demo_users
):
    offer(person, demo_users["responder"])
    page = client_for("responder").get(reverse("recovery:support", args=[incident.pk])).content.decode()
    assert "Weekly trauma counselling" in page and "Person 1: victim" in page
    assert "Jordan Smith" not in page  # names only when a record is opened with a reason
    entry = AuditEntry.objects.get(action="view_sensitive")
    assert (entry.actor, entry.detail["what"]) == (demo_users["responder"], "support summary")


def test_the_support_summary_writes_an_entry_naming_each_person_it_shows(
    client_for, incident, person, demo_users
):
    """Each record the summary shows is a view of that person's data: it is found by the person (their
    subject-access export), and a record the viewer may not read is not said to have been seen."""

    responder, police = demo_users["responder"], demo_users["police"]
    witness = record_person(incident, responder, name="Sam Witness")
    on_the_records_list_only(person, police, by=responder)
    assert (
        "Person 2: victim,"
        in client_for("responder").get(reverse("recovery:support", args=[incident.pk])).content.decode()
    )
    client_for("police").get(reverse("recovery:support", args=[incident.pk]))

    shown = AuditEntry.objects.filter(action="view_sensitive", detail__what="support summary")
    assert sorted((entry.actor_label, entry.target_type, entry.target_id) for entry in shown) == sorted(
        [
            (responder.email, "incidents.PersonAffected", str(person.pk)),
            (responder.email, "incidents.PersonAffected", str(witness.pk)),
            (police.email, "incidents.PersonAffected", str(person.pk)),
        ]
    )
    assert {entry.detail["incident"] for entry in shown} == {incident.reference}

    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["coordinator"], by=responder, with_records=True
    )
    export = client_for("coordinator").post(
        reverse("recovery:subject_access", args=[incident.pk, witness.pk]), {"reason": "SAR 4 Dec"}
    )
    history = json.loads(export.content)["record_history"]
    assert [e["by"] for e in history if e["detail"].get("what") == "support summary"] == [responder.email]


def test_a_support_record_is_opened_only_by_its_own_persons_list(client_for, incident, person, demo_users):
    """Someone working the incident on a witness's list only (so past the page's incident-level check) may
    not open the victim's support record: 403, recorded, nothing read."""
    victims_support = offer(person, demo_users["responder"])
    witness = record_person(incident, demo_users["responder"], name="Sam Witness")
    on_the_records_list_only(witness, demo_users["coordinator"], by=demo_users["responder"])
    url = reverse("recovery:support_update", args=[incident.pk, victims_support.pk])

    response = client_for("coordinator").get(url)
    assert response.status_code == 403
    assert "Weekly trauma counselling" not in response.content.decode()
    assert AuditEntry.objects.filter(action="permission_denied", actor=demo_users["coordinator"]).exists()
    assert not AuditEntry.objects.filter(action="view_sensitive", actor=demo_users["coordinator"]).exists()
    assert client_for("responder").get(url).status_code == 200  # on the victim's list


def test_a_closed_incident_offers_no_support_to_record_or_update(client_for, incident, person, demo_users):
    offered = offer(person, demo_users["responder"])
    client = client_for("responder")
    page_url = reverse("recovery:support", args=[incident.pk])
    links = [
        reverse("recovery:support_add", args=[incident.pk, person.pk]),
        reverse("recovery:support_update", args=[incident.pk, offered.pk]),
    ]
    page = client.get(page_url).content.decode()
    assert all(link in page for link in links)
    closed(incident, demo_users["responder"])
    page = client.get(page_url).content.decode()
    assert "Weekly trauma counselling" in page  # still read
    assert [link for link in links if link in page] == []  # each would be refused


def test_support_recorded_or_updated_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    incident, person, demo_users
):
    """The defect: support could be recorded or updated from a page opened while the incident was open after
    a colleague had closed it, though a closed incident takes no support updates. Now both are refused and
    nothing is written: a closed incident is kept as it was closed."""
    responder = demo_users["responder"]
    made = offer(person, responder)
    closed(incident, responder)
    entries = incident.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        update_support(made, responder, response="declined", outcome="Did not want it")
    with pytest.raises(DomainError, match="closed meanwhile"):
        offer(person, responder, description="Mentoring")
    assert list(SupportOffer.objects.values_list("description", "response")) == [
        ("Weekly trauma counselling", "awaiting")
    ]
    assert incident.timeline.count() == entries


def test_recording_support_says_so_on_the_timeline_without_naming_anyone(incident, person, demo_users):
    offer(person, demo_users["responder"])
    entry = incident.timeline.first()
    assert entry.text == "Support offered recorded for a victim."
    assert "Jordan" not in entry.text


def test_support_form_rejects_a_follow_up_before_the_offer_and_records_nothing(client_for, incident, person):
    response = client_for("responder").post(
        reverse("recovery:support_add", args=[incident.pk, person.pk]),
        {
            "kind": "offer",
            "description": "Counselling",
            "offered_on": timezone.localdate().isoformat(),
            "follow_up_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert "The follow-up date must be on or after the date offered" in response.content.decode()
    assert 'value="Counselling"' in response.content.decode()
    assert not SupportOffer.objects.exists()


def test_support_dated_before_the_incident_is_refused_on_the_page_and_by_the_service(
    client_for, incident, person, demo_users
):
    day_before = timezone.localdate(incident.occurred_at) - timedelta(days=1)
    typed = {"kind": "offer", "description": "Counselling", "offered_on": day_before.isoformat()}
    page = client_for("responder").post(reverse("recovery:support_add", args=[incident.pk, person.pk]), typed)
    text = page.content.decode()
    assert "Support cannot have been offered before the incident happened: check the date." in text
    assert 'value="Counselling"' in text
    with pytest.raises(DomainError) as refused:
        offer(person, demo_users["responder"], offered_on=day_before, follow_up_on=None)
    assert refused.value.field == "offered_on"
    assert not SupportOffer.objects.exists()
    on_the_day = offer(person, demo_users["responder"], offered_on=day_before + timedelta(days=1))
    assert on_the_day.offered_on == timezone.localdate(incident.occurred_at)


def test_support_with_a_follow_up_before_the_offer_is_refused_whoever_records_it(
    incident, person, demo_users
):
    today = timezone.localdate()
    with pytest.raises(DomainError) as refused:
        offer(person, demo_users["responder"], offered_on=today, follow_up_on=today - timedelta(days=1))
    assert refused.value.field == "follow_up_on"
    assert refused.value.message == "The follow-up date must be on or after the date offered."
    assert not SupportOffer.objects.exists()
    same_day = offer(person, demo_users["responder"], offered_on=today, follow_up_on=today)
    assert same_day.follow_up_on == today


def test_support_is_not_recorded_as_offered_in_the_future_and_the_form_says_so(
    client_for, incident, person, demo_users
):
    """The defect: support could be recorded as offered on a day still to come (a wrong year typed, say), its
    follow-up then reminded of only long after. Now the date offered is checked against today, and the form
    says so beside the date, with what was typed kept."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for("responder").post(
        reverse("recovery:support_add", args=[incident.pk, person.pk]),
        {"kind": "offer", "description": "Counselling", "offered_on": tomorrow.isoformat()},
    )
    page = response.content.decode()
    assert "The date offered cannot be in the future" in page and 'value="Counselling"' in page
    assert not SupportOffer.objects.exists()
    assert offer(person, demo_users["responder"], offered_on=timezone.localdate(), follow_up_on=None)


def test_a_follow_up_set_or_moved_is_not_in_the_past_but_one_kept_as_it_was_may_have_passed(
    client_for, demo, demo_users
):
    """The defect: a follow-up could be set on a day already passed (a wrong year typed, say), reminded of at
    once or never looked for. Now one set or moved is refused before today, on the form beside the date; a
    follow-up kept as it was, passed while it waited, is still due and the update is saved."""
    responder = demo_users["responder"]
    today = timezone.localdate()
    incident = recorded_incident(demo, responder, occurred_at=timezone.now() - timedelta(days=40))
    person = record_person(incident, responder)
    refused = (
        client_for("responder")
        .post(
            reverse("recovery:support_add", args=[incident.pk, person.pk]),
            {
                "kind": "offer",
                "description": "Counselling",
                "offered_on": (today - timedelta(days=30)).isoformat(),
                "follow_up_on": (today - timedelta(days=20)).isoformat(),
            },
        )
        .content.decode()
    )
    assert "The follow-up date cannot be in the past" in refused and 'value="Counselling"' in refused
    assert not SupportOffer.objects.exists()

    made = offer(person, responder, offered_on=today - timedelta(days=30), follow_up_on=today)
    with time_machine.travel(timezone.now() + timedelta(days=3)):  # the follow-up passes, not yet updated
        with pytest.raises(DomainError, match="cannot be in the past") as moved:
            update_support(made, responder, follow_up_on=today + timedelta(days=1))
        assert moved.value.field == "follow_up_on"
        update_support(made, responder, outcome="Went to the first session", follow_up_on=today)
    assert SupportOffer.objects.get().outcome == "Went to the first session"


def test_the_next_follow_up_of_an_answered_offer_is_not_before_the_offer_either(incident, person, demo_users):
    today = timezone.localdate()
    offered = offer(person, demo_users["responder"], offered_on=today)
    with pytest.raises(DomainError) as refused:
        support_services.record_support_response(
            offer=offered, by=demo_users["responder"], expected_revision=1,
            response="taken_up", outcome="", follow_up_on=today - timedelta(days=1),
        )  # fmt: skip
    assert refused.value.field == "follow_up_on"
    assert SupportOffer.objects.get().response != "taken_up"


def test_two_people_updating_one_support_record_do_not_overwrite_each_other(incident, person, demo_users):
    first = offer(person, demo_users["responder"])
    support_services.record_support_response(
        offer=first,
        by=demo_users["responder"],
        expected_revision=1,
        response="taken_up",
        outcome="",
        follow_up_on=None,
    )
    with pytest.raises(EditConflict):
        support_services.record_support_response(
            offer=SupportOffer.objects.get(), by=demo_users["responder"], expected_revision=1,
            response="declined", outcome="", follow_up_on=None,
        )  # fmt: skip
    assert SupportOffer.objects.get().response == "taken_up"


def test_opening_a_support_record_to_update_it_is_audited(client_for, incident, person, demo_users):
    support = offer(person, demo_users["responder"])
    client_for("responder").get(reverse("recovery:support_update", args=[incident.pk, support.pk]))
    entry = AuditEntry.objects.get(action="view_sensitive")
    assert (entry.actor, entry.target_id) == (demo_users["responder"], str(support.pk))


def test_a_closed_incidents_support_pages_opened_directly_offer_no_form_and_read_no_record(
    client_for, incident, person, demo_users
):
    """The defect: the address of a support update (or of recording support) opened on a closed incident
    showed a Save form that was refused when sent, losing what was typed, and opening the update logged a
    view of the person's support record though nothing could be done with it. Now both pages answer that the
    incident is closed, as sending the form does, and no view of the record is logged."""
    support = offer(person, demo_users["responder"])
    closed(incident, demo_users["responder"])
    client = client_for("responder")
    for url in (
        reverse("recovery:support_update", args=[incident.pk, support.pk]),
        reverse("recovery:support_add", args=[incident.pk, person.pk]),
    ):
        page = client.get(url)
        shown = page.content.decode()
        assert page.status_code == 403, url
        assert "is closed, so it cannot be changed. Re-open it first." in shown, url
        assert "Weekly trauma counselling" not in shown and 'name="follow_up_on"' not in shown, url
    assert not AuditEntry.objects.filter(action="view_sensitive", target_id=str(support.pk)).exists()


def test_a_stale_support_update_shows_both_versions_and_keeps_what_was_typed(
    client_for, incident, person, demo_users
):
    support = offer(person, demo_users["responder"])
    url = reverse("recovery:support_update", args=[incident.pk, support.pk])
    client = client_for("responder")
    client.post(url, {"response": "taken_up", "outcome": "First session booked", "revision": 1})
    stale = client.post(url, {"response": "declined", "outcome": "Did not want it", "revision": 1})
    page = stale.content.decode()
    assert "Someone else changed this support record" in page
    assert "First session booked" in page and "Did not want it" in page
    assert SupportOffer.objects.get().response == "taken_up"


def test_the_update_page_refuses_a_next_follow_up_before_the_offer_and_keeps_what_was_typed(
    client_for, incident, person, demo_users
):
    today = timezone.localdate()
    support = offer(person, demo_users["responder"], offered_on=today)
    typed = {
        "response": "taken_up",
        "outcome": "First session booked",
        "follow_up_on": (today - timedelta(days=1)).isoformat(),
    }
    refused = client_for("responder").post(
        reverse("recovery:support_update", args=[incident.pk, support.pk]), {**typed, "revision": 1}
    )
    page = refused.content.decode()
    assert "The follow-up date must be on or after the date offered" in page
    assert "First session booked" in page
    assert SupportOffer.objects.get().response != "taken_up"


def test_a_rejected_support_update_still_records_the_view(client_for, incident, person, demo_users):
    support = offer(person, demo_users["responder"], description="Counselling with Dr Ahmed")
    response = client_for("responder").post(
        reverse("recovery:support_update", args=[incident.pk, support.pk]), {"response": "", "revision": 1}
    )
    assert "Choose the answer or outcome" in response.content.decode()
    assert "<title>Error: Update support offered for a victim" in response.content.decode()
    assert AuditEntry.objects.filter(action="view_sensitive", target_id=str(support.pk)).exists()


def test_partner_off_the_list_cannot_record_support(client_for, incident, person):
    url = reverse("recovery:support_add", args=[incident.pk, person.pk])
    assert client_for("police").post(url, {"kind": "offer"}).status_code == 403


# --- Review and lessons --------------------------------------------------------------------------------


def test_no_part_of_the_review_is_written_or_completed_before_it_starts(client_for, incident):
    review = reverse("recovery:review", args=[incident.pk])
    for who, page in (("police", "recovery:review_contribute"), ("coordinator", "recovery:review_complete")):
        answer = client_for(who).get(reverse(page, args=[incident.pk]), follow=True)
        assert answer.redirect_chain == [(review, 302)]
        assert "The review has not started yet." in answer.content.decode()
    assert not DebriefContribution.objects.exists()


def test_each_organisation_writes_its_own_part_of_the_review(client_for, incident, demo, demo_users):
    review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    council = demo.organisations.exclude(kind="police").first()
    client = client_for("police")
    url = reverse("recovery:review_contribute", args=[incident.pk])
    texts = {"went_well": "Scene secured fast", "went_badly": "Radio gaps", "to_change": "Share radio plan"}
    refused = client.post(url, {"organisation": council.pk, **texts})
    assert "Select a valid choice" in refused.content.decode()
    client.post(url, {"organisation": police.pk, **texts})
    contribution = DebriefContribution.objects.get()
    assert (contribution.organisation, contribution.written_by) == (police, demo_users["police"])


def test_a_partners_only_organisation_is_chosen_for_them(client_for, incident, demo, demo_users):
    review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    form = client_for("police").get(reverse("recovery:review_contribute", args=[incident.pk])).context["form"]
    assert form["organisation"].value() == str(police.pk)
    assert [str(label) for _, label in form.fields["organisation"].choices] == [str(police)]


def test_a_contribution_saved_meanwhile_is_not_overwritten(incident, demo, demo_users):
    debrief = review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    texts = {"went_well": "a", "went_badly": "b", "to_change": "c"}
    review_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["police"], **texts
    )
    # Two people open the form while it has no contribution; the second save would overwrite the first.
    with pytest.raises(EditConflict):
        review_services.contribute_to_review(
            debrief=debrief, organisation=police, by=demo_users["responder"], **texts
        )
    review_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["responder"], expected_revision=1, **texts
    )
    with pytest.raises(EditConflict):
        review_services.contribute_to_review(
            debrief=debrief, organisation=police, by=demo_users["police"], expected_revision=1, **texts
        )


def test_a_stale_contribution_shows_their_version_on_the_page(client_for, incident, demo, demo_users):
    debrief = review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    review_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["police"],
        went_well="Fast arrests", went_badly="Radio gaps", to_change="Radio plan",
    )  # fmt: skip
    response = client_for("responder").post(
        reverse("recovery:review_contribute", args=[incident.pk]),
        {
            "organisation": police.pk,
            "went_well": "Mine",
            "went_badly": "Mine",
            "to_change": "Mine",
            "revision": "",
        },
    )
    page = response.content.decode()
    assert "Someone else changed this contribution" in page and "Fast arrests" in page
    assert DebriefContribution.objects.get().went_well == "Fast arrests"


def test_another_organisation_chosen_on_the_change_page_of_one_does_not_replace_its_part_unseen(
    client_for, incident, demo, demo_users
):
    """The defect: the change page of one organisation's part carried that part's revision, and choosing
    another organisation in its list compared that revision with the other's part: both at their first
    revision, the other's part, never shown, was replaced. Now it is a conflict, showing the other's part."""
    debrief = review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    council = demo.organisations.get(kind="council")
    ours = review_services.contribute_to_review(
        debrief=debrief, organisation=council, by=demo_users["responder"],
        went_well="Quick rest centre", went_badly="Late leaflets", to_change="Print ahead",
    )  # fmt: skip
    theirs = review_services.contribute_to_review(
        debrief=debrief, organisation=police, by=demo_users["police"],
        went_well="Fast arrests", went_badly="Radio gaps", to_change="Radio plan",
    )  # fmt: skip
    change_ours = reverse("recovery:review_contribute", args=[incident.pk]) + f"?organisation={council.pk}"
    client = client_for("responder")
    form = form_on(client.get(change_ours), having="went_well")
    assert form["revision"] == str(ours.revision) == str(theirs.revision)

    response = client.post(
        change_ours,
        {**form, "organisation": police.pk, "went_well": "Mine", "went_badly": "Mine", "to_change": "Mine"},
    )

    assert response.status_code == 200
    assert "Fast arrests" in response.content.decode()
    assert DebriefContribution.objects.get(pk=theirs.pk).went_well == "Fast arrests"
    assert DebriefContribution.objects.get(pk=ours.pk).went_well == "Quick rest centre"


def test_a_partner_is_offered_only_their_own_organisations_part_to_change(
    client_for, incident, demo, demo_users
):
    """The defect: the review page offered a partner Change beside every organisation's part, and the page it
    led to filled the council's words into the police partner's form, under "Your organisation's part", with
    the police chosen: saving it wrote the council's part as the police's. Now Change is offered beside the
    parts the person may write, and another organisation's part is never put into their form."""
    debrief = review_services.start_review(incident=incident, by=demo_users["responder"])
    police = demo.organisations.get(kind="police")
    council = demo.organisations.get(kind="council")
    review_services.contribute_to_review(
        debrief=debrief, organisation=council, by=demo_users["responder"],
        went_well="Quick rest centre", went_badly="Late leaflets", to_change="Print ahead",
    )  # fmt: skip
    client = client_for("police")
    change_council = reverse("recovery:review_contribute", args=[incident.pk]) + f"?organisation={council.pk}"

    review = client.get(reverse("recovery:review", args=[incident.pk])).content.decode()
    assert "Quick rest centre" in review and change_council not in review
    form = form_on(client.get(change_council), having="went_well")
    assert "Quick rest centre" not in form.values()
    client.post(
        change_council, form | {"went_well": "Fast arrests", "went_badly": "Radio", "to_change": "Plan"}
    )

    assert DebriefContribution.objects.get(organisation=police).went_well == "Fast arrests"
    assert DebriefContribution.objects.get(organisation=council).went_well == "Quick rest centre"


def test_a_review_needs_a_contribution_before_it_is_complete(incident, demo_users):
    debrief = review_services.start_review(incident=incident, by=demo_users["responder"])
    with pytest.raises(DomainError, match="No organisation has contributed"):
        review_services.complete_review(
            debrief=debrief, by=demo_users["responder"], held_on=None, summary="Done"
        )


def test_a_partnership_the_incident_is_shared_with_writes_its_part_but_does_not_start_or_complete_review(
    client, incident, demo, demo_users, other_partnership
):
    """The defect: the review is the lead partnership's (the page says the lead starts it; closing, which it
    leads to, and its lessons are the lead's), yet any coordinator or responder of a partnership the incident
    was shared with could start it, or complete it for everyone, which ends every organisation's chance to
    write its part. Now they are refused (403) and not offered either; writing their own part stays theirs."""
    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    client.force_login(membership.user, backend=MODEL_BACKEND)
    review = reverse("recovery:review", args=[incident.pk])
    start = reverse("recovery:review_start", args=[incident.pk])
    complete = reverse("recovery:review_complete", args=[incident.pk])

    assert "Start the review" not in client.get(review).content.decode()
    assert client.post(start).status_code == 403
    assert review_selectors.debrief_of(incident) is None

    debrief = review_services.start_review(incident=incident, by=responder)
    review_services.contribute_to_review(
        debrief=debrief,
        organisation=demo.organisations.get(kind="police"),
        by=demo_users["police"],
        went_well="Scene secured fast",
        went_badly="Radio gaps",
        to_change="Share the radio plan",
    )
    assert "Complete the review" not in client.get(review).content.decode()
    assert client.get(complete).status_code == 403
    held = {"held_on": timezone.localdate().isoformat(), "summary": "Mostly well."}
    assert client.post(complete, held).status_code == 403
    assert not review_selectors.debrief_of(incident).is_complete
    refused = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=membership.user)
    assert [entry.detail["reason"] for entry in refused] == ["can_run_review"] * 3

    client.force_login(responder, backend=MODEL_BACKEND)
    assert "Complete the review" in client.get(review).content.decode()
    assert client.post(complete, held).status_code == 302
    assert review_selectors.debrief_of(incident).is_complete


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "The review cannot have been held before the incident happened: check the date."),
        (1, "The date the review was held cannot be in the future: check the date."),
    ],
    ids=["the day before the incident", "tomorrow"],
)
def test_a_review_held_before_the_incident_or_in_the_future_is_refused_and_not_completed(
    incident, demo_users, days, message
):
    happened = timezone.localdate(incident.occurred_at)
    held_on = happened + timedelta(days=days) if days < 0 else timezone.localdate() + timedelta(days=days)
    with pytest.raises(DomainError) as refused:
        completed_review(incident, demo_users["responder"], held_on=held_on)
    assert (refused.value.field, str(refused.value)) == ("held_on", message)
    debrief = review_selectors.debrief_of(incident)
    assert not debrief.is_complete and debrief.held_on is None
    review_services.complete_review(
        debrief=debrief, by=demo_users["responder"], held_on=happened, summary="Mostly well."
    )
    assert review_selectors.debrief_of(incident).held_on == happened


def test_a_follow_up_due_in_the_past_is_refused_keeping_what_was_typed_and_one_due_today_is_added(
    client_for, incident, demo_users
):
    """The defect: a follow-up action's due date was never checked, so one could be added due last year, or
    before the incident happened, and be overdue from the start. Now the service refuses a due date in the
    past, and the page shows why with what was typed kept."""
    organisation = incident.participations.first().organisation
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        review_services.add_follow_up(
            incident=incident,
            by=demo_users["responder"],
            title="Check the CCTV upgrade",
            owner_organisation=organisation,
            due_on=yesterday,
        )
    assert (refused.value.field, str(refused.value)) == ("due_on", "The due date cannot be in the past.")

    url = reverse("recovery:follow_up_add", args=[incident.pk])
    typed = {"title": "Check the CCTV upgrade", "owner_organisation": organisation.pk}
    page = client_for("responder").post(url, typed | {"due_on": yesterday.isoformat()})
    shown = page.content.decode()
    assert page.status_code == 200 and "The due date cannot be in the past." in shown
    assert "govuk-error-summary" in shown and 'value="Check the CCTV upgrade"' in shown
    assert not incident.follow_ups.exists()

    client_for("responder").post(url, typed | {"due_on": timezone.localdate().isoformat()})
    assert incident.follow_ups.get().due_on == timezone.localdate()


def test_a_lesson_proposing_a_change_needs_the_new_wording(incident, demo_users, published):
    item = published.items.first()
    with pytest.raises(DomainError):
        review_services.record_lesson(
            incident=incident, by=demo_users["responder"], title="t", detail="d", item_key=item.key
        )


def test_an_accepted_lesson_changes_the_next_checklist_draft_and_shows_on_readiness(
    client_for, incident, demo, demo_users, published
):
    item = published.items.filter(retired=False).first()
    assessment = playbook_services.start_assessment(partnership=demo, by=demo_users["coordinator"])
    lesson = review_services.record_lesson(
        incident=incident,
        by=demo_users["responder"],
        title="Tell schools within the hour",
        detail="The school heard from parents first.",
        item_key=item.key,
        proposed_action="Tell the schools of those involved within the hour",
    )
    url = reverse("recovery:lesson", args=[lesson.pk])
    assert client_for("responder").post(url, {"decision": "accept"}).status_code == 403

    lesson_page = client_for("coordinator").get(url).content.decode()
    assert f"assessment of {assessment.assessed_on:%-d %B %Y}" in lesson_page
    accepting = form_on(lesson_page, having="note") | {"decision": "accept", "note": "Agreed"}
    client_for("coordinator").post(url, accepting)

    lesson.refresh_from_db()
    draft = playbook_selectors.draft_version(demo)
    changed = draft.items.get(key=item.key)
    assert (lesson.status, lesson.accepted_into) == ("accepted", draft)
    assert changed.action == "Tell the schools of those involved within the hour"
    assert changed.lesson_reference.startswith(f"Lesson {lesson.number} from {incident.reference}")
    assert published.items.get(key=item.key).action == item.action  # the published version is untouched

    playbook_services.publish_draft(
        version=draft, by=demo_users["coordinator"], change_note="Lesson 1", expected_revision=draft.revision
    )
    next_assessment = playbook_services.start_assessment(partnership=demo, by=demo_users["coordinator"])
    readiness = client_for("coordinator").get(reverse("playbooks:assessment", args=[next_assessment.pk]))
    assert f"Changed after Lesson {lesson.number} from {incident.reference}" in readiness.content.decode()


def _schools_lesson(incident, demo_users, published):
    """A lesson proposing guidance for a checklist item that has some: the item and the lesson."""
    item = published.items.exclude(guidance="").first()
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Schools", detail="d", item_key=item.key,
        proposed_guidance="Ask the school to tell parents the same afternoon.",
    )  # fmt: skip
    return item, lesson


def test_a_lesson_proposes_guidance_shown_as_a_difference_and_edited_before_accepting(
    client_for, incident, demo, demo_users, published
):
    item, lesson = _schools_lesson(incident, demo_users, published)
    url = reverse("recovery:lesson", args=[lesson.pk])
    page = client_for("coordinator").get(url)
    assert page.context["form"].initial["guidance"].startswith(item.guidance.strip())
    difference = page.content.decode().split('id="guidance-difference">', 1)[1].split("</div>", 1)[0]
    assert '<span class="govuk-visually-hidden">added: </span>Ask the school to tell parents' in difference
    assert "removed: " not in difference  # the item's guidance is kept: the lesson adds to it

    edited = f"{item.guidance.strip()} Ask the school to tell parents before the end of the day."
    accepting = form_on(page, having="guidance") | {"decision": "accept", "guidance": edited}
    client_for("coordinator").post(url, accepting)
    changed = playbook_selectors.draft_version(demo).items.get(key=item.key)
    assert changed.guidance == edited


def test_accepting_a_lesson_never_overwrites_an_edit_of_the_draft_made_since_the_page_was_opened(
    client_for, incident, demo, demo_users, published
):
    item, lesson = _schools_lesson(incident, demo_users, published)
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")
    sent = form_on(coordinator.get(url), having="guidance") | {"decision": "accept"}
    # Meanwhile someone edits the same item in the draft.
    draft = playbook_services.start_draft(playbook=published.playbook, by=demo_users["coordinator"])
    theirs = draft.items.get(key=item.key)
    playbook_services.update_item(
        item=theirs,
        by=demo_users["coordinator"],
        expected_revision=theirs.revision,
        **{field: getattr(theirs, field) for field in playbook_services.ITEM_FIELDS}
        | {"guidance": "Their new guidance, written meanwhile."},
    )

    refused = coordinator.post(url, sent)
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    assert draft.items.get(key=item.key).guidance == "Their new guidance, written meanwhile."
    lesson.refresh_from_db()
    assert lesson.status != "accepted"

    again = form_on(refused, having="guidance") | {"decision": "accept"}  # what they typed, on the item now
    assert again["guidance"] == sent["guidance"]
    coordinator.post(url, again)
    lesson.refresh_from_db()
    assert lesson.status == "accepted"


def test_accepting_a_lesson_sent_without_the_item_it_was_based_on_is_refused_and_changes_nothing(
    client_for, incident, demo, demo_users, published
):
    item, lesson = _schools_lesson(incident, demo_users, published)
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")
    sent = form_on(coordinator.get(url), having="guidance") | {"decision": "accept"}
    del sent["revision"]
    refused = coordinator.post(url, sent)
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    lesson.refresh_from_db()
    assert lesson.status != "accepted"
    assert playbook_selectors.draft_version(demo) is None


def test_a_lesson_changing_an_item_retired_in_the_draft_is_not_offered_for_acceptance_nor_accepted(
    client_for, incident, demo, demo_users, published
):
    """The defect: accepting a lesson changed its item in the checklist draft even when the item was retired
    there, and told the coordinator the change was "ready to publish", though a retired item goes into no
    incident's plan. Now the lesson's page says the item is retired and offers only to decline; accepting
    anyway is refused, saying why, and changes nothing."""
    item, lesson = _schools_lesson(incident, demo_users, published)
    draft = playbook_services.start_draft(playbook=published.playbook, by=demo_users["coordinator"])
    retired = draft.items.get(key=item.key)
    playbook_services.set_item_retired(item=retired, retired=True, by=demo_users["coordinator"])
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")

    page = coordinator.get(url)
    shown = page.content.decode()
    assert "retired in the checklist" in shown and "Decline the change" in shown
    assert "Accept it into the next checklist draft" not in shown

    with pytest.raises(DomainError, match="is retired in the checklist"):
        review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"])
    refused = coordinator.post(url, form_on(page, having="note") | {"decision": "accept"})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert "so it goes into no incident&#x27;s plan" in refused.content.decode()
    lesson.refresh_from_db()
    assert lesson.status != "accepted"
    assert draft.items.get(key=item.key).guidance == item.guidance


def test_deciding_a_lesson_a_colleague_decided_meanwhile_says_so_and_keeps_what_was_typed(
    client_for, incident, demo, demo_users, published
):
    item, lesson = _schools_lesson(incident, demo_users, published)
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")
    accepting = form_on(coordinator.get(url), having="guidance")
    declining = form_on(coordinator.get(url), having="guidance")
    coordinator.post(url, declining | {"decision": "decline", "note": "Schools do this already."})

    edited = f"{item.guidance.strip()} Ask the school to tell parents before the end of the day."
    typed = {"decision": "accept", "guidance": edited, "note": "Agreed at the board"}
    refused = coordinator.post(url, accepting | typed)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert f"This lesson was already declined by {demo_users['coordinator']} at" in page
    assert edited in page and "Agreed at the board" in page
    lesson.refresh_from_db()
    assert (lesson.status, lesson.decision_note) == ("declined", "Schools do this already.")
    assert playbook_selectors.draft_version(demo) is None


def test_accepting_a_lesson_as_proposed_adds_its_guidance_to_the_items(incident, demo, demo_users, published):
    item = published.items.exclude(guidance="").first()
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="t", detail="d", item_key=item.key,
        proposed_guidance="One more sentence.",
    )  # fmt: skip
    review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"])
    changed = playbook_selectors.draft_version(demo).items.get(key=item.key)
    assert changed.guidance == f"{item.guidance.rstrip()}\n\nOne more sentence."


def test_declining_a_lesson_needs_a_reason(client_for, incident, demo_users, published):
    item = published.items.first()
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="t", detail="d", item_key=item.key,
        proposed_action="New wording",
    )  # fmt: skip
    response = client_for("coordinator").post(
        reverse("recovery:lesson", args=[lesson.pk]), {"decision": "decline"}
    )
    assert "Say why the change is declined" in response.content.decode()
    assert Lesson.objects.get().status == "proposed"


def accepted_into_a_discarded_draft(incident, demo, demo_users, published) -> Lesson:
    """A lesson proposing new wording for the checklist's first item, accepted into a draft then discarded."""
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Tell schools sooner", detail="d",
        item_key=published.items.first().key, proposed_action="New wording",
    )  # fmt: skip
    review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"])
    playbook_services.discard_draft(
        version=playbook_selectors.draft_version(demo), by=demo_users["coordinator"]
    )
    lesson.refresh_from_db()
    return lesson


def test_a_lesson_accepted_into_a_discarded_draft_can_be_decided_again(incident, demo, demo_users, published):
    lesson = accepted_into_a_discarded_draft(incident, demo, demo_users, published)
    assert review_selectors.awaiting_decision(lesson)
    review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"])
    item = playbook_selectors.draft_version(demo).items.get(key=lesson.item_key)
    assert item.action == "New wording"


def test_a_lesson_accepted_into_a_discarded_draft_is_shown_as_awaiting_a_decision_not_accepted(
    client_for, incident, demo, demo_users, published
):
    """The defect: once the draft a lesson was accepted into was discarded, the lesson awaited a decision
    again (its page offered it), yet the lessons list, the review page and its own page still said "Accepted
    into the checklist", in green on the list. Now they show the change as proposed, to decide."""
    lesson = accepted_into_a_discarded_draft(incident, demo, demo_users, published)
    coordinator = client_for("coordinator")
    for page in (
        reverse("recovery:lessons"),
        reverse("recovery:review", args=[incident.pk]),
        reverse("recovery:lesson", args=[lesson.pk]),
    ):
        shown = coordinator.get(page).content.decode()
        assert "Change proposed" in shown and "Accepted into the checklist" not in shown, page


def test_a_lesson_back_up_for_decision_shows_the_earlier_note_as_earlier_not_as_its_decision(
    client_for, incident, demo, demo_users, published
):
    """The defect: once the draft a lesson was accepted into was discarded, its page offered to decide it
    again yet still showed the acceptance's note as its "Decision note", as if decided. Now the note is
    shown as the earlier decision's, saying its draft was discarded; once decided again, the new one shows."""
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Tell schools sooner", detail="d",
        item_key=published.items.first().key, proposed_action="New wording",
    )  # fmt: skip
    review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"], note="Agreed by the board")
    playbook_services.discard_draft(
        version=playbook_selectors.draft_version(demo), by=demo_users["coordinator"]
    )
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")

    page = coordinator.get(url)
    shown = page.content.decode()
    assert "Decline the change" in shown  # to decide again
    assert ">Decision note<" not in shown
    assert "Note of the earlier decision" in shown and "Agreed by the board" in shown
    assert "accepted into a checklist draft that was discarded" in shown

    coordinator.post(url, form_on(page, having="note") | {"decision": "decline", "note": "Not now"})
    decided = coordinator.get(url).content.decode()
    assert ">Decision note<" in decided and "Not now" in decided and "Agreed by the board" not in decided


def test_a_lesson_accepted_into_a_discarded_draft_can_be_declined_instead(
    client_for, incident, demo, demo_users, published
):
    lesson = accepted_into_a_discarded_draft(incident, demo, demo_users, published)
    url = reverse("recovery:lesson", args=[lesson.pk])
    coordinator = client_for("coordinator")
    declining = form_on(coordinator.get(url), having="note") | {
        "decision": "decline",
        "note": "The board chose another wording",
    }
    assert coordinator.post(url, declining).status_code == 302
    lesson.refresh_from_db()
    assert (lesson.status, lesson.decision_note) == ("declined", "The board chose another wording")
    assert "Decline the change" not in coordinator.get(url).content.decode()  # decided: nothing to offer


def test_two_lessons_changing_one_item_are_both_named(incident, demo, demo_users, published):
    item = published.items.first()
    first, second = (
        review_services.record_lesson(
            incident=incident,
            by=demo_users["responder"],
            title=title,
            detail="d",
            item_key=item.key,
            proposed_action=title,
        )  # fmt: skip
        for title in ("First wording", "Second wording")
    )
    review_services.accept_lesson(lesson=first, by=demo_users["coordinator"])
    review_services.accept_lesson(lesson=second, by=demo_users["coordinator"])
    changed = playbook_selectors.draft_version(demo).items.get(key=item.key)
    assert changed.action == "Second wording"
    assert "Lesson 1" in changed.lesson_reference and "then Lesson 2" in changed.lesson_reference


def test_only_the_lead_partnership_records_lessons(client, incident, other_partnership, demo_users):
    from tests.conftest import MODEL_BACKEND

    southmoor, coordinator = other_partnership
    incident_services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    client.force_login(coordinator.user, backend=MODEL_BACKEND)
    url = reverse("recovery:lesson_add", args=[incident.pk])
    assert client.post(url, {"title": "t", "detail": "d"}).status_code == 403
    assert not Lesson.objects.exists()


def test_a_partnership_an_incident_is_shared_with_sees_its_lessons_without_links_to_the_leads_pages(
    client, incident, other_partnership, demo_users
):
    """The defect: the review page of an incident shared with another partnership linked each of its lessons
    to the lesson's page, which is the lead partnership's (its checklist, its readiness) and answered 404 to
    the other's members. Now they see each lesson's title and status there, without the dead link."""
    southmoor, coordinator = other_partnership
    incident_services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    lesson = review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Tell schools sooner", detail="d"
    )
    client.force_login(coordinator.user, backend=MODEL_BACKEND)
    page = client.get(reverse("recovery:review", args=[incident.pk])).content.decode()
    assert "Lesson 1: Tell schools sooner" in page
    assert f'href="{reverse("recovery:lesson", args=[lesson.pk])}"' not in page


def test_lessons_of_incidents_a_partner_cannot_see_are_not_listed(client_for, incident, demo, demo_users):
    hidden, _ = demo_incident(demo, demo_users)
    hidden.participations.all().delete()
    review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Seen lesson", detail="d"
    )
    review_services.record_lesson(
        incident=hidden, by=demo_users["responder"], title="Hidden lesson", detail="d"
    )
    page = client_for("police").get(reverse("recovery:lessons")).content.decode()
    assert "Seen lesson" in page and "Hidden lesson" not in page


# --- Closing and re-opening ----------------------------------------------------------------------------


def test_closing_lists_what_blocks_it(incident, demo_users):
    responder = demo_users["responder"]
    assert review_selectors.closure_blockers(incident) == [
        "The incident must be in recovery: move it there when the response is over.",
        "The review of the response has not started.",
        "1 action is still open: complete, hand over or mark each one not needed.",
    ]
    to_recovery(incident, responder)
    with pytest.raises(DomainError, match="Complete the review"):
        review_services.close_incident(incident=incident, by=responder)
    completed_review(incident, responder)
    with pytest.raises(DomainError, match="1 action still open"):
        review_services.close_incident(incident=incident, by=responder)
    assert incident.status == IncidentStatus.RECOVERY


def test_an_action_handed_over_no_longer_blocks_closing_but_must_say_to_whom(incident, demo_users):
    responder = demo_users["responder"]
    to_recovery(incident, responder)
    completed_review(incident, responder)
    action = incident.actions.get()
    handover = {
        "action": action, "by": responder, "expected_revision": action.revision, "status": "handed_over",
        "owner_organisation": action.owner_organisation, "owner": None, "not_needed_reason": "",
    }  # fmt: skip
    with pytest.raises(DomainError, match="handed over to"):
        incident_services.update_action(**handover, note="")
    incident_services.update_action(**handover, note="Handed to the youth justice service")
    review_services.close_incident(incident=incident, by=responder)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at is not None


def test_closing_is_refused_while_a_police_measure_is_in_force_naming_it(client_for, incident, demo_users):
    """The defect: an incident closed with a cordon or a section 60 not yet recorded lifted showed it in force
    on the map for good, and nobody could lift it, since a closed incident refuses changes. Now closing
    refuses while a measure is in force or due to start, naming each and saying to record it lifted first,
    on the closing page as in the service; lifted, the incident closes."""
    responder = demo_users["responder"]
    to_recovery(incident, responder)
    finish_actions(incident, responder)
    completed_review(incident, responder)
    section_60 = demo_measure(incident, demo_users)
    named = (
        "Stop and search authorisation (section 60) – "
        "Stop and search in the streets around Northbridge Academy"
    )
    assert review_selectors.closure_blockers(incident) == [
        f"1 police measure is still in force or due to start: record each one lifted first. {named}."
    ]
    url = reverse("recovery:close", args=[incident.pk])
    client = client_for("responder")
    assert named in client.get(url).content.decode()

    refused = client.post(url)  # sent from a page drawn before the police added it
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page and named in page
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOVERY

    measures_services.lift_measure(measure=section_60, by=demo_users["police"])
    client.post(url)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_the_remaining_actions_can_be_set_aside_at_once_with_a_reason(client_for, incident, demo_users):
    responder = demo_users["responder"]
    to_recovery(incident, responder)
    completed_review(incident, responder)
    url = reverse("recovery:close", args=[incident.pk])
    client = client_for("responder")
    shown = form_on(client.get(url), having="reason")
    refused = client.post(url, shown | {"status": "not_needed", "reason": ""})
    assert "Say why, or who the actions were handed over to" in refused.content.decode()
    assert incident.actions.get().status == ActionStatus.TO_DO

    client.post(url, shown | {"status": "not_needed", "reason": "Superseded by the estate plan"})
    assert incident.actions.get().not_needed_reason == "Superseded by the estate plan"
    assert incident.timeline.filter(
        text="1 open action marked not needed: Superseded by the estate plan"
    ).exists()
    client.post(url)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_an_action_added_or_changed_since_the_close_page_was_opened_is_not_set_aside_unseen(
    client_for, incident, demo_users
):
    """The defect: "Mark every open action" was sent with nothing of what the page listed, so an action a
    colleague added meanwhile (a threat reported tonight, say) was set aside with a reason written before it
    existed. Now the page carries the actions it listed: one added or changed since refuses them all, named,
    and the page then lists it, so sent again, knowingly, it goes through."""
    responder = demo_users["responder"]
    to_recovery(incident, responder)
    listed = incident.actions.get()
    url = reverse("recovery:close", args=[incident.pk])
    client = client_for("responder")
    opened = form_on(client.get(url), having="reason")
    added = incident_services.add_action(
        incident=incident,
        by=demo_users["coordinator"],
        title="Visit the family again after the threat reported tonight",
        guidance="",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now() + timedelta(hours=2),
    )
    typed = {"status": "not_needed", "reason": "Covered by the estate plan"}
    refused = client.post(url, opened | typed)

    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Visit the family again after the threat reported tonight" in page
    assert "Covered by the estate plan" in page  # what was typed is kept
    assert set(incident.actions.values_list("status", flat=True)) == {ActionStatus.TO_DO}
    client.post(url, form_on(refused, having="reason"))
    assert set(incident.actions.values_list("status", flat=True)) == {ActionStatus.NOT_NEEDED}
    assert {listed.pk, added.pk} == set(incident.actions.values_list("pk", flat=True))


def test_actions_are_not_set_aside_on_an_incident_moved_back_to_responding_since_it_was_read(
    incident, demo_users
):
    """The defect: the incident's status was read from the page's copy, not under its lock, so the open
    actions of an incident a colleague had just moved back to responding (a retaliation attack) were set
    aside."""
    to_recovery(incident, demo_users["responder"])
    as_the_page_found_it = Incident.objects.get(pk=incident.pk)
    moved_to(incident, IncidentStatus.RESPONDING, by=demo_users["coordinator"])
    action = incident.actions.get()
    with pytest.raises(DomainError, match="only when the incident is in recovery"):
        incident_services.set_aside_open_actions(
            incident=as_the_page_found_it,
            by=demo_users["responder"],
            status="not_needed",
            reason="Done with",
            expected_revisions={action.pk: action.revision},
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.TO_DO


def test_actions_are_set_aside_together_only_in_recovery(client_for, incident):
    url = reverse("recovery:close", args=[incident.pk])
    response = client_for("responder").post(url, {"step": "set_aside", "status": "not_needed", "reason": "x"})
    assert "only when the incident is in recovery" in response.content.decode()
    assert incident.actions.get().status == ActionStatus.TO_DO


def test_a_closed_incident_is_read_only_but_its_calendar_and_follow_ups_go_on(
    client_for, incident, demo_users
):
    closed(incident, demo_users["responder"])
    client = client_for("responder")
    refused = client.post(reverse("incidents:update", args=[incident.pk]), {"text": "Late update"})
    assert refused.status_code == 403
    assert "is closed, so it cannot be changed" in refused.content.decode()
    assert not incident.timeline.filter(text="Late update").exists()

    milestone = client.post(
        reverse("recovery:milestone_add", args=[incident.pk]),
        {"kind": "trial", "title": "Trial begins", "date": "2027-05-10"},
    )
    assert milestone.status_code == 302 and incident.milestones.filter(title="Trial begins").exists()
    organisation = incident.participations.first().organisation
    client.post(
        reverse("recovery:follow_up_add", args=[incident.pk]),
        {
            "title": "Check the CCTV upgrade",
            "owner_organisation": organisation.pk,
            "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert incident.follow_ups.filter(title="Check the CCTV upgrade").exists()


def test_reopening_needs_a_reason_and_writes_it_to_the_timeline(client_for, incident, demo_users):
    closed(incident, demo_users["responder"])
    url = reverse("recovery:reopen", args=[incident.pk])
    client = client_for("responder")
    assert "Say why the incident is being re-opened" in client.post(url, {"reason": " "}).content.decode()
    client.post(url, {"reason": "A linked stabbing on the same estate"})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOVERY and incident.closed_at is None
    assert incident.timeline.filter(text__contains="Reason: A linked stabbing on the same estate").exists()


def test_a_coordinator_recovers_the_list_of_a_closed_incident(client_for, incident, person, demo_users):
    closed(incident, demo_users["responder"])
    demo_users["responder"].is_active = False
    demo_users["responder"].save()
    client = client_for("coordinator")
    response = client.post(
        reverse("incidents:need_to_know_recover", args=[incident.pk]), {"reason": "Subject-access request"}
    )
    assert response.status_code == 302
    assert incident.need_to_know.filter(user=demo_users["coordinator"]).exists()


def test_a_closed_incident_takes_no_more_acknowledgements(client, incident, demo_users):
    participation = incident.participations.get(organisation__kind="police")
    token = tokens.issue_acknowledgement_token(participation=participation)
    closed(incident, demo_users["responder"])
    assert client.post(reverse("incidents:acknowledge", args=[token])).status_code == 404
    participation.refresh_from_db()
    assert participation.acknowledged_at is None


def test_partners_and_viewers_cannot_close(client_for, incident, demo_users):
    to_recovery(incident, demo_users["responder"])
    for role in ("police", "viewer"):
        assert client_for(role).post(reverse("recovery:close", args=[incident.pk])).status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RECOVERY


# --- Reminders -----------------------------------------------------------------------------------------


def test_the_lead_is_reminded_once_a_week_before_a_recovery_date(incident, demo_users):
    responder = demo_users["responder"]
    led_by(incident, responder)
    soon = services.add_milestone(
        incident=incident,
        by=responder,
        kind="trial",
        title="Trial begins",
        date=timezone.localdate() + timedelta(days=6),
    )
    services.add_milestone(
        incident=incident,
        by=responder,
        kind="inquest",
        title="Inquest",
        date=timezone.localdate() + timedelta(days=30),
    )
    mail.outbox.clear()
    assert tasks.send_recovery_reminders.call() == 1
    assert tasks.send_recovery_reminders.call() == 0
    deliver_due()
    assert [m.to for m in mail.outbox] == [[responder.email]]
    assert "Trial begins" in mail.outbox[0].subject
    soon.refresh_from_db()
    assert soon.reminded_on == timezone.localdate()


def test_a_recovery_date_is_not_reminded_to_a_lead_who_has_left_the_partnership_but_to_the_coordinators(
    incident, demo, demo_users, other_partnership
):
    responder = demo_users["responder"]
    led_by(incident, responder)
    services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=timezone.localdate()
    )
    left_the_partnership(responder, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    mail.outbox.clear()
    assert tasks.send_recovery_reminders.call() == 1
    deliver_due()
    assert [m.to for m in mail.outbox] == [[demo_users["coordinator"].email]]


def test_a_reminder_the_mail_server_could_not_take_is_sent_once_it_is_back(smtp_server, incident, demo_users):
    responder = demo_users["responder"]
    led_by(incident, responder)
    services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=timezone.localdate()
    )
    smtp_server.stop()
    assert tasks.send_recovery_reminders.call() == 1
    deliver_due()
    assert tasks.send_recovery_reminders.call() == 0, "reminded once: the delivery layer tries again"
    smtp_server.start()
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert deliver_due() == 1
    assert [message["To"] for message in smtp_server.received] == [responder.email]


def follow_up_reminded(person, *, contact, recorded_by):
    """Support for ``person`` recorded by ``recorded_by``, its follow-up due today, their single point of
    contact ``contact``: the day's reminders sent (read them in ``mail.outbox``)."""
    person.single_point_of_contact = contact
    person.save()
    offer(person, recorded_by, follow_up_on=timezone.localdate())
    mail.outbox.clear()
    tasks.send_recovery_reminders.call()
    deliver_due()


def test_a_due_follow_up_reminds_the_single_point_of_contact_without_naming_anyone(
    incident, person, demo_users
):

    coordinator = demo_users["coordinator"]
    people_services.add_to_need_to_know(
        incident=incident, user=coordinator, by=demo_users["responder"], with_records=True
    )
    follow_up_reminded(person, contact=coordinator, recorded_by=demo_users["responder"])
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "Jordan" not in mail.outbox[0].body and "Jordan" not in mail.outbox[0].subject


def test_a_follow_up_is_reminded_to_someone_on_the_records_list_and_says_nothing_of_the_support(
    incident, person, demo_users
):
    """The defect: a single point of contact off the record's own list was reminded, told the kind of
    support and its date, which the support page shows them only as counts."""
    coordinator = demo_users["coordinator"]
    assert not person.need_to_know.filter(user=coordinator).exists()
    follow_up_reminded(person, contact=coordinator, recorded_by=demo_users["responder"])
    assert [m.to for m in mail.outbox] == [[demo_users["responder"].email]]
    body = mail.outbox[0].body
    assert "support offered" not in body.lower() and f"{timezone.localdate():%B}" not in body


def test_a_follow_up_is_not_reminded_to_a_single_point_of_contact_who_has_left_but_to_whoever_recorded_it(
    incident, demo, person, demo_users, other_partnership
):
    police = demo_users["police"]
    person.single_point_of_contact = police
    person.save()
    offer(person, demo_users["responder"], follow_up_on=timezone.localdate())
    left_the_partnership(police, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0])
    mail.outbox.clear()
    assert tasks.send_recovery_reminders.call() == 1
    deliver_due()
    assert [m.to for m in mail.outbox] == [[demo_users["responder"].email]]


def test_a_follow_up_whose_contact_and_recorder_have_both_left_is_reminded_to_the_coordinators(
    incident, demo, person, demo_users, other_partnership
):
    police, responder = demo_users["police"], demo_users["responder"]
    person.single_point_of_contact = police
    person.save()
    offer(person, responder, follow_up_on=timezone.localdate())
    for leaving in (police, responder):
        left_the_partnership(
            leaving, demo, by=demo_users["coordinator"], still_member_of=other_partnership[0]
        )
    mail.outbox.clear()
    assert tasks.send_recovery_reminders.call() == 1
    deliver_due()
    assert [m.to for m in mail.outbox] == [[demo_users["coordinator"].email]]


def test_recovery_reminders_about_an_exercise_say_exercise(incident, person, demo_users):
    """The defect: the reminders of an exercise's recovery date and support follow-up read like a real
    incident's, in their subject, text message and email. Now each says EXERCISE."""
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    incident.refresh_from_db()
    responder = demo_users["responder"]
    led_by(incident, responder)
    services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=timezone.localdate()
    )
    offer(person, responder, follow_up_on=timezone.localdate())
    assert tasks.send_recovery_reminders.call() == 2
    reminders = incident.notifications.filter(kind="recovery_reminder")
    assert reminders.count() == 2
    for reminder in reminders:
        assert reminder.subject.startswith(f"EXERCISE {incident.reference}: "), reminder.subject
        assert reminder.sms_text.startswith(f"EXERCISE {incident.reference}: "), reminder.sms_text
        assert f"{incident.reference} (EXERCISE: not a real incident)" in reminder.body, reminder.body


def test_support_updated_as_its_follow_up_reminder_goes_out_is_not_reminded_of_again(
    incident, person, demo_users
):
    """The defect: an update saved as the follow-up reminder went out (the record read by the saving request
    before the reminder marked it sent) wrote back the old "not reminded yet", so the next morning's run
    reminded of the same follow-up again. Now an update that keeps the follow-up date leaves it reminded."""
    responder = demo_users["responder"]
    offer(person, responder, follow_up_on=timezone.localdate())
    read_to_update = SupportOffer.objects.get()
    assert tasks.send_recovery_reminders.call() == 1
    update_support(
        read_to_update, responder, outcome="Went to the first session", follow_up_on=timezone.localdate()
    )
    assert SupportOffer.objects.get().follow_up_reminded_on == timezone.localdate()
    assert tasks.send_recovery_reminders.call() == 0


def test_no_follow_up_reminder_asks_to_record_support_on_a_closed_incident(incident, person, demo_users):
    """A closed incident takes no support updates, so a reminder to record one could not be acted on; it is
    sent once the incident is re-opened."""
    person.single_point_of_contact = demo_users["coordinator"]
    person.save()
    offer(person, demo_users["responder"], follow_up_on=timezone.localdate())
    closed(incident, demo_users["responder"])
    mail.outbox.clear()
    assert tasks.send_recovery_reminders.call() == 0
    review_services.reopen_incident(incident=incident, by=demo_users["responder"], reason="Linked case")
    assert tasks.send_recovery_reminders.call() == 1
