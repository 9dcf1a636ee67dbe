"""A person-affected record can be corrected, every field of it, by the response team on the need-to-know
list only: revision-checked, audited, and what it said before is kept and shown with the record
(issue 15, defect 3)."""

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditEntry
from svtoolkit.core.errors import EditConflict
from svtoolkit.incidents import services
from svtoolkit.incidents.models import PersonAffected
from svtoolkit.incidents.people import services as people_services
from svtoolkit.playbooks import services as playbook_services
from tests.incidents.access import demo_incident
from tests.incidents.builders import demo_person
from tests.page_forms import form_on
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    return people_services.add_person_affected(
        incident=incident,
        by=demo_users["responder"],
        name="Jordan Smith",
        age_band="16_17",
        role="victim",
        relation="Stabbed at the bus stop",
        support_needs="Counselling",
        consent="not_asked",
        consent_scope="",
        referrals="",
        single_point_of_contact=None,
        lawful_basis="safeguarding",
        sharing_agreement="Northbridge CSP information-sharing agreement 2025",
    )


def test_the_response_team_on_the_list_corrects_consent_contact_and_lawful_basis(
    client_for, person, demo_users
):
    url = reverse("incidents:person_edit", args=[person.incident_id, person.pk])
    client = client_for("responder")
    sent = form_on(client.get(url), having="revision") | {
        "consent": "given",
        "consent_scope": "Victim support and the school",
        "single_point_of_contact": str(demo_users["responder"].pk),
        "lawful_basis": "s115",
    }
    answer = client.post(url, sent)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    stored = PersonAffected.objects.get(pk=person.pk)
    assert (stored.consent, stored.single_point_of_contact, stored.lawful_basis, stored.revision) == (
        "given",
        demo_users["responder"],
        "s115",
        2,
    )
    audit = AuditEntry.objects.filter(action="update", target_id=str(person.pk)).get()
    assert "Jordan" not in str(audit.detail)  # the audit names the fields, not what they hold
    opened = client.post(
        reverse("incidents:person", args=[person.incident_id, person.pk]), {"reason": "Check"}
    )
    page = opened.content.decode()
    assert "Corrections" in page and "Was: Not asked yet" in page and "Now: Given" in page


def test_a_correction_based_on_an_old_version_is_refused(person, demo_users):
    fields = {"name": "J. Smith"}
    people_services.correct_person_affected(
        person=person, by=demo_users["responder"], expected_revision=1, **fields
    )
    with pytest.raises(EditConflict):
        people_services.correct_person_affected(
            person=person, by=demo_users["responder"], expected_revision=1, name="JS"
        )
    assert PersonAffected.objects.get(pk=person.pk).name == "J. Smith"


def test_off_the_need_to_know_list_the_record_cannot_be_corrected(client_for, person):
    url = reverse("incidents:person_edit", args=[person.incident_id, person.pk])
    assert client_for("coordinator").get(url).status_code == 403
    assert client_for("coordinator").post(url, {"name": "Changed", "revision": 1}).status_code == 403
    assert PersonAffected.objects.get(pk=person.pk).name == "Jordan Smith"


def test_a_correction_after_closing_adds_no_open_action_to_the_closed_plan(demo, demo_users):
    """A record may be put right long after closing (a subject's request): what it now says (a child, who
    died) adds nothing to a plan that was finished when the incident closed."""
    coordinator, responder = demo_users["coordinator"], demo_users["responder"]
    version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
    playbook_services.publish_draft(
        version=version, by=coordinator, change_note="v1", expected_revision=version.revision
    )
    incident, _ = demo_incident(demo, demo_users)
    services.draw_plan(incident=incident, by=responder)
    adult = demo_person(incident, responder, age_band="25_39")
    closed(incident, responder)
    planned = incident.actions.count()
    adult.refresh_from_db()
    people_services.correct_person_affected(
        person=adult, by=responder, expected_revision=adult.revision, age_band="10_15", deceased=True
    )
    assert PersonAffected.objects.get(pk=adult.pk).age_band == "10_15"
    assert incident.actions.count() == planned
    assert not incident.actions.exclude(status__in=["done", "not_needed"]).exists()
