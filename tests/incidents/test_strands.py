"""The partners' strands: the hospital, the schools attended by those involved, and safeguarding. Each rule,
the plan's actions their records complete, need-to-know and its audit, the disclosure a referral makes, edit
conflicts, the situation report and retention erasure."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.incidents import services
from svtoolkit.incidents.models import (
    ActionStatus,
    Disclosure,
    HospitalStay,
    Incident,
    PersonAffected,
    SafeguardingReferral,
    SchoolInvolved,
    TimelineEntry,
)
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.strands import selectors as strands_selectors
from svtoolkit.incidents.strands import services as strands_services
from svtoolkit.incidents.strands.forms import HospitalStayForm
from svtoolkit.playbooks import services as playbook_services
from svtoolkit.recovery import tasks
from svtoolkit.reports.selectors import situation_report
from tests.incidents.builders import (
    REFERRAL_BASIS,
    categorise,
    demo_hospital_stay,
    demo_incident,
    demo_person,
    demo_referral,
    demo_school,
    on_the_records_list_only,
)
from tests.page_forms import refused_without_revision
from tests.recovery.test_after import closed
from tests.reports.builders import SITREP_WITH_HEALTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(demo, demo_users):
    version = playbook_services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return playbook_services.publish_draft(
        version=version, by=demo_users["coordinator"], change_note="v1", expected_revision=version.revision
    )


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def planned_incident(incident, demo_users, checklist):
    """The demo incident with its plan drawn (not a young person's incident: no schools' items yet)."""
    services.draw_plan(incident=incident, by=demo_users["responder"])
    return incident


@pytest.fixture
def responder(demo_users):
    return demo_users["responder"]


@pytest.fixture
def person(incident, responder):
    return demo_person(incident, responder)


def action_for(incident, key):
    return incident.actions.filter(item__key=key).first()


def died(stay, by):
    """``stay`` saved again as its patient having died, the rest as it was (as its page sends it)."""
    fields = HospitalStayForm.initial_from(stay)
    revision = fields.pop("revision")
    return strands_services.update_hospital_stay(
        stay=stay, by=by, expected_revision=revision, **fields | {"status": "died"}
    )


def minutes_ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


# --- Schools -----------------------------------------------------------------------------------------------


def test_a_school_must_come_from_the_partnerships_directory_as_an_education_organisation(
    incident, responder, demo, other_partnership
):
    hospital = demo.organisations.get(kind="health_hospital")
    with pytest.raises(DomainError, match="from the partnership's directory") as refused:
        strands_services.record_school(incident=incident, school=hospital, by=responder)
    assert refused.value.field == "school"
    elsewhere = other_partnership[0].organisations.create(name="Southmoor High", kind="education")
    with pytest.raises(DomainError, match="from the partnership's directory"):
        strands_services.record_school(incident=incident, school=elsewhere, by=responder)
    assert not SchoolInvolved.objects.exists()


def test_a_school_is_recorded_once_per_incident(incident, responder):
    demo_school(incident, responder)
    with pytest.raises(DomainError, match="already recorded"):
        demo_school(incident, responder)
    assert SchoolInvolved.objects.count() == 1


def test_recording_a_school_brings_the_schools_items_into_the_plan_and_the_lead_told_completes_one(
    planned_incident, responder
):
    assert action_for(planned_incident, "education-alert-schools") is None
    demo_school(planned_incident, responder, safeguarding_lead_informed_at=minutes_ago(20))

    alert = action_for(planned_incident, "education-alert-schools")
    assert alert.status == ActionStatus.DONE
    assert alert.completed_record == reverse("incidents:strands", args=[planned_incident.pk])
    plan = action_for(planned_incident, "education-critical-incident-plan")
    assert plan.status == ActionStatus.TO_DO  # the school has not started its plan yet
    support = action_for(planned_incident, "education-therapeutic-support")
    assert support.status == ActionStatus.TO_DO


def test_a_school_starting_its_plan_and_support_offered_complete_their_actions(planned_incident, responder):
    record = demo_school(planned_incident, responder)
    strands_services.update_school(
        record=record,
        by=responder,
        expected_revision=record.revision,
        safeguarding_lead_informed_at=None,
        support_offered="Educational psychologists on site from Tuesday.",
        critical_incident_plan_started_at=minutes_ago(10),
    )
    assert action_for(planned_incident, "education-critical-incident-plan").status == ActionStatus.DONE
    assert action_for(planned_incident, "education-therapeutic-support").status == ActionStatus.DONE
    assert action_for(planned_incident, "education-alert-schools").status == ActionStatus.TO_DO


def test_a_time_told_cannot_be_in_the_future_or_before_the_incident(incident, responder):
    with pytest.raises(DomainError, match="cannot be in the future") as refused:
        demo_school(incident, responder, safeguarding_lead_informed_at=timezone.now() + timedelta(hours=1))
    assert refused.value.field == "safeguarding_lead_informed_at"
    with pytest.raises(DomainError, match="before the incident happened") as refused:
        demo_school(
            incident, responder, critical_incident_plan_started_at=incident.occurred_at - timedelta(hours=1)
        )
    assert refused.value.field == "critical_incident_plan_started_at"


def test_two_editors_of_a_schools_record_never_overwrite_each_other(incident, responder):
    record = demo_school(incident, responder)
    fields = {"safeguarding_lead_informed_at": None, "critical_incident_plan_started_at": None}
    strands_services.update_school(
        record=record, by=responder, expected_revision=1, support_offered="Counselling", **fields
    )
    with pytest.raises(EditConflict):
        strands_services.update_school(
            record=record, by=responder, expected_revision=1, support_offered="Nothing", **fields
        )
    assert SchoolInvolved.objects.get().support_offered == "Counselling"


# --- The hospital ------------------------------------------------------------------------------------------


def test_the_discharge_plan_agreed_completes_the_discharge_action_and_keeps_when(
    planned_incident, person, responder
):
    stay = demo_hospital_stay(planned_incident, person, responder)
    assert action_for(planned_incident, "health-discharge-planning").status == ActionStatus.TO_DO
    changes = {
        "hospital": stay.hospital,
        "status": "in_hospital",
        "ward_restrictions": "",
        "visitor_arrangements": "",
        "expected_discharge_on": timezone.localdate() + timedelta(days=3),
        "discharge_plan": "Home to his grandmother's, with the youth worker visiting.",
        "discharge_plan_agreed": True,
        "violence_reduction_team_informed_at": None,
    }
    stay = strands_services.update_hospital_stay(stay=stay, by=responder, expected_revision=1, **changes)
    agreed_at = stay.discharge_plan_agreed_at
    assert agreed_at is not None
    assert action_for(planned_incident, "health-discharge-planning").status == ActionStatus.DONE
    # Saving again keeps the time it was first agreed.
    stay = strands_services.update_hospital_stay(
        stay=stay, by=responder, expected_revision=2, **{**changes, "ward_restrictions": "Family only"}
    )
    assert stay.discharge_plan_agreed_at == agreed_at


def test_visitors_agreed_and_the_violence_reduction_team_told_complete_their_actions(
    planned_incident, person, responder
):
    demo_hospital_stay(
        planned_incident,
        person,
        responder,
        visitor_arrangements="Mother only.",
        violence_reduction_team_informed_at=minutes_ago(5),
    )
    assert action_for(planned_incident, "health-visitors-security").status == ActionStatus.DONE
    assert action_for(planned_incident, "health-violence-reduction-team").status == ActionStatus.DONE


def test_someone_in_hospital_brings_in_the_hospitals_security_item(planned_incident, person, responder):
    assert action_for(planned_incident, "scene-hospital") is None
    demo_hospital_stay(planned_incident, person, responder)
    assert action_for(planned_incident, "scene-hospital") is not None


def test_someone_who_died_in_hospital_brings_in_the_items_after_a_death(planned_incident, person, responder):
    assert action_for(planned_incident, "longer-homicide-reviews") is None
    stay = demo_hospital_stay(planned_incident, person, responder)
    assert action_for(planned_incident, "longer-homicide-reviews") is None
    died(stay, responder)
    assert action_for(planned_incident, "longer-homicide-reviews") is not None


def test_a_stay_that_ends_in_death_marks_the_person_deceased_as_a_correction_audited_and_on_the_timeline(
    incident, person, responder
):
    stay = demo_hospital_stay(incident, person, responder)
    person.refresh_from_db()
    assert not person.deceased
    died(stay, responder)
    person.refresh_from_db()
    assert person.deceased
    correction = person.corrections.get()
    assert correction.changes == [{"field": "Deceased", "before": "No", "after": "Yes"}]
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, target_id=str(person.pk), detail__fields=["deceased"]
    ).exists()
    assert TimelineEntry.objects.filter(incident=incident, text__contains="record was corrected").exists()
    # Saving the stay again changes nothing more of the person.
    died(HospitalStay.objects.get(pk=stay.pk), responder)
    assert person.corrections.count() == 1


def test_a_stay_recorded_as_died_marks_the_person_deceased(incident, person, responder):
    demo_hospital_stay(incident, person, responder, status="died")
    person.refresh_from_db()
    assert person.deceased


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"discharge_plan_agreed": True}, "discharge_plan", "Describe the discharge plan"),
        (
            {"status": "died", "expected_discharge_on": datetime(2030, 1, 1).date()},
            "expected_discharge_on",
            "no discharge date",
        ),
        (
            {"expected_discharge_on": datetime(2000, 1, 1).date()},
            "expected_discharge_on",
            "before the incident",
        ),
        ({"violence_reduction_team_informed_at": timezone.now() + timedelta(days=1)}, None, "in the future"),
    ],
)
def test_a_hospital_stay_that_breaks_a_rule_is_refused(incident, person, responder, changes, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        demo_hospital_stay(incident, person, responder, **changes)
    assert refused.value.field == (field or "violence_reduction_team_informed_at")
    assert not HospitalStay.objects.exists()


def test_someone_recorded_as_having_died_is_not_recorded_as_in_hospital(incident, responder):
    died_at_the_scene = demo_person(incident, responder, deceased=True)
    with pytest.raises(DomainError, match="recorded as having died") as refused:
        demo_hospital_stay(incident, died_at_the_scene, responder)
    assert refused.value.field == "status"
    assert not HospitalStay.objects.exists()
    # Their stay may say how it ended, or that they had been discharged before they died.
    assert demo_hospital_stay(incident, died_at_the_scene, responder, status="died").pk
    assert demo_hospital_stay(incident, died_at_the_scene, responder, status="discharged").pk


def test_a_stay_that_ended_in_death_is_not_changed_back_to_in_hospital(incident, person, responder):
    stay = died(demo_hospital_stay(incident, person, responder), responder)
    fields = HospitalStayForm.initial_from(stay)
    revision = fields.pop("revision")
    with pytest.raises(DomainError, match="recorded as having died"):
        strands_services.update_hospital_stay(
            stay=stay, by=responder, expected_revision=revision, **fields | {"status": "in_hospital"}
        )
    assert HospitalStay.objects.get(pk=stay.pk).status == "died"


def test_a_hospital_stay_is_of_a_person_of_this_incident(demo, demo_users, incident, responder):
    other, _ = demo_incident(demo, demo_users)
    stranger = demo_person(other, responder)
    with pytest.raises(DomainError, match="people affected by this incident"):
        demo_hospital_stay(incident, stranger, responder)


def test_two_editors_of_a_hospital_stay_see_the_conflict_and_lose_nothing(
    client_for, incident, person, responder
):
    stay = demo_hospital_stay(incident, person, responder)
    url = reverse("incidents:hospital_edit", args=[incident.pk, stay.pk])
    client = client_for("responder")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        "status": "in_hospital",
        "hospital": stay.hospital.pk,
        "ward_restrictions": "",
        "visitor_arrangements": "Mother only",
        "discharge_plan": "",
        "revision": 1,
        "originals": form.initial["originals"],
    }
    # Someone else saves first.
    strands_services.update_hospital_stay(
        stay=stay,
        by=responder,
        expected_revision=1,
        hospital=stay.hospital,
        status="in_hospital",
        ward_restrictions="No one from the estate",
        visitor_arrangements="",
        expected_discharge_on=None,
        discharge_plan="",
        discharge_plan_agreed=False,
        violence_reduction_team_informed_at=None,
    )
    answer = client.post(url, data)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "govuk-error-summary" in text and "Someone else changed this hospital stay" in text
    assert "Mother only" in text  # what they typed is kept
    assert "No one from the estate" in text  # and the other's change comes in
    stay.refresh_from_db()
    assert (stay.visitor_arrangements, stay.ward_restrictions) == ("", "No one from the estate")
    # Saving again writes both.
    # The page now holds both changes, with the stored revision: as the browser would send it back.
    shown = answer.context["form"].initial
    resubmitted = {
        **data,
        "ward_restrictions": shown["ward_restrictions"],
        "revision": shown["revision"],
        "originals": shown["originals"],
    }
    again = client.post(url, resubmitted)
    assert again.status_code == 302, again.content.decode()[-3000:]
    stay.refresh_from_db()
    assert (stay.visitor_arrangements, stay.ward_restrictions) == ("Mother only", "No one from the estate")


def test_a_hospital_stay_saved_without_its_revision_keeps_a_colleagues_change(
    client_for, incident, person, responder
):
    stay = demo_hospital_stay(incident, person, responder)
    refused_without_revision(
        client_for("responder"),
        reverse("incidents:hospital_edit", args=[incident.pk, stay.pk]),
        first={"visitor_arrangements": "Mother only"},
        second={"visitor_arrangements": "Anyone on the family's list"},
        having="status",
    )
    stay.refresh_from_db()
    assert stay.visitor_arrangements == "Mother only"


def test_bad_input_shows_the_error_summary_and_keeps_what_was_typed(client_for, incident, person):
    url = reverse("incidents:hospital_add", args=[incident.pk])
    answer = client_for("responder").post(
        url,
        {
            "patient": person.pk,
            "status": "in_hospital",
            "discharge_plan_agreed": "on",
            "ward_restrictions": "Family only, checked at the door",
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and "govuk-error-summary" in text
    assert "Describe the discharge plan that was agreed" in text
    assert "Family only, checked at the door" in text
    assert not HospitalStay.objects.exists()


# --- Safeguarding ------------------------------------------------------------------------------------------


def test_a_referral_is_logged_once_as_a_disclosure_with_its_basis_and_completes_the_mash_action(
    planned_incident, person, responder, demo_users
):
    categorise(planned_incident, responder, factors=["young_person"])
    referral = demo_referral(planned_incident, person, responder)
    disclosure = Disclosure.objects.get()
    assert referral.disclosure == disclosure
    assert list(disclosure.people.all()) == [person]
    assert (disclosure.article6_basis, disclosure.article9_condition, disclosure.gateway) == (
        "6_1_e",
        "9_2_g_sch1_18",
        "children_act_2004_s11",
    )
    assert disclosure.recipient == "Multi-agency safeguarding hub (MASH)"
    assert action_for(planned_incident, "safeguarding-mash-referral").status == ActionStatus.DONE


def test_a_referral_without_an_article_6_basis_is_refused_and_nothing_is_kept(incident, person, responder):
    with pytest.raises(DomainError, match="Article 6"):
        demo_referral(incident, person, responder, article6_basis="")
    assert not SafeguardingReferral.objects.exists() and not Disclosure.objects.exists()


def test_a_referral_without_an_article_9_condition_is_refused_and_nothing_is_kept(
    incident, person, responder
):
    with pytest.raises(DomainError, match="Article 9") as refused:
        demo_referral(incident, person, responder, article9_condition="")
    assert refused.value.field == "article9_condition"
    assert not SafeguardingReferral.objects.exists() and not Disclosure.objects.exists()


def test_the_referral_page_asks_the_article_9_condition_and_keeps_what_was_typed_without_it(
    client_for, incident, person
):
    url = reverse("incidents:referral_add", args=[incident.pk])
    assert 'name="article9_condition"' in client_for("responder").get(url).content.decode()
    answer = client_for("responder").post(
        url,
        {
            "person": person.pk,
            "route": "mash",
            "referred_at": timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            **{
                key: value
                for key, value in REFERRAL_BASIS.items()
                if key not in ("article9_condition", "agreement")
            },
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and "govuk-error-summary" in text
    assert "Choose the UK GDPR Article 9 condition" in text
    assert "A child at risk after the stabbing" in text
    assert not SafeguardingReferral.objects.exists() and not Disclosure.objects.exists()


def test_a_referrals_outcome_is_saved_once_by_two_editors(incident, person, responder):
    referral = demo_referral(incident, person, responder)
    strands_services.record_referral_outcome(
        referral=referral, by=responder, expected_revision=1, outcome="Strategy discussion held"
    )
    with pytest.raises(EditConflict):
        strands_services.record_referral_outcome(
            referral=referral, by=responder, expected_revision=1, outcome="No further action"
        )
    assert SafeguardingReferral.objects.get().outcome == "Strategy discussion held"


def test_someone_mapped_at_risk_is_a_person_affected_and_completes_the_mapping_action(
    planned_incident, responder
):
    strands_services.map_person_at_risk(
        incident=planned_incident,
        by=responder,
        name="T. S.",
        age_band="10_15",
        relation="The victim's younger brother",
        support_needs="",
        consent="not_asked",
        consent_scope="",
        single_point_of_contact=None,
        lawful_basis="safeguarding",
        sharing_agreement="Northbridge CSP information-sharing agreement 2025",
    )
    at_risk = PersonAffected.objects.get(incident=planned_incident)
    assert at_risk.role == "associate"
    assert action_for(planned_incident, "safeguarding-map-associates").status == ActionStatus.DONE


# --- Need-to-know and its audit ----------------------------------------------------------------------------


def test_off_the_list_the_strands_page_shows_schools_and_counts_but_no_one(
    client_for, incident, person, responder
):
    demo_school(incident, responder, support_offered="Counselling for year 11")
    demo_hospital_stay(incident, person, responder)
    page = client_for("coordinator").get(reverse("incidents:strands", args=[incident.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Northbridge Academy" in text and "Counselling for year 11" in text
    assert "1 in hospital" in text
    assert person.name not in text and "Open the records" not in text
    refused = client_for("coordinator").post(
        reverse("incidents:strands", args=[incident.pk]), {"reason": "x"}
    )
    assert refused.status_code == 403


def test_on_the_list_the_records_open_with_a_reason_and_each_opening_is_audited(
    client_for, incident, person, responder
):
    stay = demo_hospital_stay(incident, person, responder, ward_restrictions="No callers told the ward")
    referral = demo_referral(incident, person, responder)
    url = reverse("incidents:strands", args=[incident.pk])
    client = client_for("responder")
    assert person.name not in client.get(url).content.decode()
    empty = client.post(url, {"reason": ""}).content.decode()
    assert "govuk-error-summary" in empty and "Give a reason" in empty

    text = client.post(url, {"reason": "Preparing the discharge meeting"}).content.decode()
    assert person.name in text and "No callers told the ward" in text
    opened = AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, detail__reason="Preparing the discharge meeting"
    )
    assert {(entry.target_type, entry.target_id) for entry in opened} >= {
        ("incidents.PersonAffected", str(person.pk)),
        ("incidents.HospitalStay", str(stay.pk)),
        ("incidents.SafeguardingReferral", str(referral.pk)),
    }


def test_the_records_opened_cost_the_same_queries_for_two_people_or_seven(
    client_for, incident, person, responder
):
    """The defect: each stay and referral opened read its incident again (its audit entry is labelled by the
    incident's reference), and each record's opening was written by a statement of its own. Now they are
    read through the incident and written to the audit log at once, one entry each."""
    url = reverse("incidents:strands", args=[incident.pk])
    client = client_for("responder")

    def people_recorded(count):
        for _ in range(count):
            someone = demo_person(incident, responder, name=f"Person {PersonAffected.objects.count()}")
            demo_hospital_stay(incident, someone, responder)
            demo_referral(incident, someone, responder)

    def queries_to_open():
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, {"reason": "Preparing the discharge meeting"}).status_code == 200
        return len(queries)

    people_recorded(1)  # with ``person``, two people, one stay
    two = queries_to_open()
    people_recorded(5)
    assert queries_to_open() == two
    stays_opened = AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, target_type="incidents.HospitalStay"
    )
    assert stays_opened.count() == 1 + 6


@pytest.mark.parametrize(
    "page, opens",
    [
        ("incidents:person_edit", None),
        ("incidents:hospital_add", None),
        ("incidents:referral_add", None),
        ("incidents:hospital_edit", demo_hospital_stay),
        ("incidents:referral_outcome", demo_referral),
    ],
)
def test_each_page_that_shows_a_persons_name_to_record_or_change_something_audits_the_opening(
    page, opens, client_for, incident, person, responder
):
    """A form naming the person (to correct their record, to choose them, or in its heading) is an opening of
    their record; a stay's or a referral's page is an opening of that record too."""
    record = opens(incident, person, responder) if opens else None
    args = (
        [incident.pk]
        + ([person.pk] if page == "incidents:person_edit" else [])
        + ([record.pk] if record else [])
    )
    before = set(AuditEntry.objects.values_list("pk", flat=True))

    response = client_for("responder").get(reverse(page, args=args))

    assert response.status_code == 200
    assert person.name in response.content.decode()
    opened = AuditEntry.objects.exclude(pk__in=before).filter(
        action=AuditAction.VIEW_SENSITIVE, actor=responder
    )
    expected = {("incidents.PersonAffected", str(person.pk))}
    if record:
        expected.add((f"incidents.{type(record).__name__}", str(record.pk)))
    assert {(entry.target_type, entry.target_id) for entry in opened} == expected


@pytest.fixture
def on_the_incidents_list_only(incident, person, demo_users, responder):
    """The coordinator, put on the incident's need-to-know list after ``person`` was recorded (so not on that
    record's own list), and on the list of a second person they recorded themselves."""
    coordinator = demo_users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    demo_person(incident, coordinator, name="A. B.", role="associate")
    return coordinator


def test_on_the_incidents_list_but_not_the_persons_no_one_records_or_changes_their_strand_records(
    incident, person, responder, on_the_incidents_list_only
):
    coordinator = on_the_incidents_list_only
    with pytest.raises(DomainError, match="not on the need-to-know list") as refused:
        demo_hospital_stay(incident, person, coordinator)
    assert refused.value.field == "patient"
    with pytest.raises(DomainError, match="not on the need-to-know list"):
        demo_referral(incident, person, coordinator)
    stay = demo_hospital_stay(incident, person, responder)
    referral = demo_referral(incident, person, responder)
    with pytest.raises(DomainError, match="not on the need-to-know list"):
        died(stay, coordinator)
    with pytest.raises(DomainError, match="not on the need-to-know list"):
        strands_services.record_referral_outcome(
            referral=referral, by=coordinator, expected_revision=referral.revision, outcome="Closed"
        )
    stay.refresh_from_db()
    referral.refresh_from_db()
    assert (stay.status, referral.outcome) == ("in_hospital", "")
    assert not Disclosure.objects.filter(by=coordinator).exists()


def test_on_the_incidents_list_but_not_the_persons_their_strand_pages_are_refused(
    client_for, incident, person, responder, on_the_incidents_list_only
):
    stay = demo_hospital_stay(incident, person, responder, ward_restrictions="No callers told the ward")
    referral = demo_referral(incident, person, responder)
    client = client_for("coordinator")
    for url in (
        reverse("incidents:hospital_edit", args=[incident.pk, stay.pk]),
        reverse("incidents:referral_outcome", args=[incident.pk, referral.pk]),
    ):
        assert client.get(url).status_code == 403
    answer = client.post(
        reverse("incidents:hospital_add", args=[incident.pk]), {"patient": person.pk, "status": "in_hospital"}
    )
    assert answer.status_code == 200 and "govuk-error-summary" in answer.content.decode()
    assert HospitalStay.objects.count() == 1
    text = client.post(
        reverse("incidents:strands", args=[incident.pk]), {"reason": "Checking"}
    ).content.decode()
    assert "A. B." in text and person.name not in text and "No callers told the ward" not in text


def test_on_a_records_own_list_only_the_strands_page_opens_that_persons_records(
    client_for, incident, person, responder, demo_users
):
    """The hospital's liaison, on the victim's own list and not the incident's, reads the victim's stay (as in
    a situation report they ask for); someone on the incident's list who may read no record is not offered to
    open records they would be refused."""
    health = demo_users["health"]
    services.add_participant(
        incident=incident, organisation=health.memberships.get().organisation, contact=None, by=responder
    )
    on_the_records_list_only(person, health, by=responder)
    demo_hospital_stay(incident, person, responder, ward_restrictions="No callers told the ward")
    url = reverse("incidents:strands", args=[incident.pk])
    assert "Open the records" in client_for("health").get(url).content.decode()
    text = client_for("health").post(url, {"reason": "Planning the discharge"}).content.decode()
    assert person.name in text and "No callers told the ward" in text
    coordinator = demo_users["coordinator"]
    people_services.add_to_need_to_know(incident=incident, user=coordinator, by=responder)
    assert "Open the records" not in client_for("coordinator").get(url).content.decode()


# --- The situation report ----------------------------------------------------------------------------------


def test_the_sitrep_shows_schools_and_counts_and_people_only_when_asked_for(
    incident, person, responder, demo
):
    demo_school(incident, responder)
    demo_hospital_stay(incident, person, responder, discharge_plan="Home on Friday")
    without = situation_report(incident, user=responder, partnership=demo)
    assert [record.school.name for record in without["schools"]] == ["Northbridge Academy"]
    assert without["strands_summary"]["hospital"] == [("in hospital", 1)]
    assert "stays" not in without
    with_people = situation_report(incident, user=responder, partnership=demo, people=[person])
    assert [stay.who for stay in with_people["stays"]] == [person]


def test_a_sitrep_with_people_audits_each_stay_and_referral_it_prints_as_their_page_would(
    client_for, incident, person, responder
):
    stay = demo_hospital_stay(incident, person, responder, discharge_plan="Home on Friday")
    referral = demo_referral(incident, person, responder)
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_HEALTH
    )
    assert response.status_code == 200
    opened = AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, actor=responder, detail__reason=SITREP_WITH_HEALTH["reason"]
    )
    assert {(entry.target_type, entry.target_id) for entry in opened} == {
        ("incidents.PersonAffected", str(person.pk)),
        ("incidents.HospitalStay", str(stay.pk)),
        ("incidents.SafeguardingReferral", str(referral.pk)),
    }


# --- Retention ---------------------------------------------------------------------------------------------


def test_the_retention_job_erases_what_the_strands_say_of_people(demo, demo_users, time_machine):
    time_machine.move_to(datetime(2026, 12, 1, 10, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    responder = demo_users["responder"]
    incident, _ = demo_incident(demo, demo_users)
    person = demo_person(incident, responder)
    demo_school(incident, responder, support_offered="Counselling for J. S.'s form group")
    demo_hospital_stay(
        incident,
        person,
        responder,
        ward_restrictions="Not J. S.'s cousins",
        visitor_arrangements="J. S.'s mother",
        discharge_plan="To J. S.'s aunt",
        expected_discharge_on=timezone.localdate() + timedelta(days=2),
    )
    referral = demo_referral(incident, person, responder)
    strands_services.record_referral_outcome(
        referral=referral, by=responder, expected_revision=1, outcome="J. S. has a social worker"
    )
    closed(incident, responder)
    time_machine.move_to(datetime(2032, 12, 1, 3, 0, tzinfo=timezone.get_default_timezone()), tick=False)
    assert tasks.erase_expired_personal_data.call() == 1

    stay = HospitalStay.objects.get()
    assert (stay.ward_restrictions, stay.visitor_arrangements, stay.discharge_plan) == ("", "", "")
    assert stay.expected_discharge_on is None and stay.status == "in_hospital"  # kept for statistics
    assert SafeguardingReferral.objects.get().outcome == "Erased"
    assert SchoolInvolved.objects.get().support_offered == "Erased"


def test_schools_to_choose_leave_out_those_recorded(incident, responder):
    assert "Northbridge Academy" in [school.name for school in strands_selectors.schools_to_choose(incident)]
    demo_school(incident, responder)
    assert "Northbridge Academy" not in [
        school.name for school in strands_selectors.schools_to_choose(incident)
    ]


def test_a_closed_incident_offers_no_strand_or_person_to_record(client_for, incident, person, responder):
    """Closed, the incident takes no new record: its pages no longer lead to forms whose answer is refused."""
    demo_school(incident, responder)
    demo_hospital_stay(incident, person, responder)
    closed(incident, responder)
    client = client_for("responder")
    strands = client.post(reverse("incidents:strands", args=[incident.pk]), {"reason": "Inquest"})
    text = strands.content.decode()
    assert strands.status_code == 200 and person.name in text  # still read, with a reason
    for refused in ("school_add", "hospital_add", "referral_add", "person_at_risk_add"):
        assert reverse(f"incidents:{refused}", args=[incident.pk]) not in text
    assert "/strands/schools/" not in text and "/strands/hospital/" not in text  # no Update links
    people = client.get(reverse("incidents:people", args=[incident.pk])).content.decode()
    assert reverse("incidents:person_add", args=[incident.pk]) not in people
    # Who may read a record is still decided after closing (a subject-access request).
    assert reverse("incidents:person_need_to_know", args=[incident.pk, person.pk]) in people


PERSON_AT_RISK = {
    "name": "T. S.",
    "age_band": "10_15",
    "relation": "The victim's younger brother",
    "support_needs": "",
    "consent": "not_asked",
    "consent_scope": "",
    "single_point_of_contact": None,
    "lawful_basis": "safeguarding",
    "sharing_agreement": "Northbridge CSP information-sharing agreement 2025",
}

# Each change to a strand or the people affected refused once the incident is closed: given the incident as
# its page opened it, the person affected, and the records made before closing (a school's, a hospital stay
# and a referral).
CHANGES_ONCE_CLOSED = {
    "record_school": lambda incident, person, records, by: demo_school(incident, by),
    "update_school": lambda incident, person, records, by: strands_services.update_school(
        record=records["school"], by=by, expected_revision=1, support_offered="Counselling"
    ),
    "record_hospital_stay": lambda incident, person, records, by: demo_hospital_stay(incident, person, by),
    "update_hospital_stay": lambda incident, person, records, by: died(records["stay"], by),
    "refer": lambda incident, person, records, by: demo_referral(incident, person, by),
    "record_referral_outcome": lambda incident, person, records, by: strands_services.record_referral_outcome(
        referral=records["referral"], by=by, expected_revision=1, outcome="No further action"
    ),
    "map_person_at_risk": lambda incident, person, records, by: strands_services.map_person_at_risk(
        incident=incident, by=by, **PERSON_AT_RISK
    ),
    "add_person_affected": lambda incident, person, records, by: people_services.add_person_affected(
        incident=incident, by=by, role="associate", **PERSON_AT_RISK
    ),
}


@pytest.mark.parametrize("change", CHANGES_ONCE_CLOSED)
def test_a_strand_or_person_saved_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    change, incident, person, responder
):
    """A school, hospital stay, referral or its outcome, or a person affected, saved from a page opened while
    the incident was open, is refused once a colleague has closed it, and the plan gains no action."""
    records = {
        "school": demo_school(incident, responder) if change == "update_school" else None,
        "stay": demo_hospital_stay(incident, person, responder) if change == "update_hospital_stay" else None,
        "referral": demo_referral(incident, person, responder)
        if change == "record_referral_outcome"
        else None,
    }
    as_opened = Incident.objects.get(pk=incident.pk)
    closed(incident, responder)
    entries, actions = as_opened.timeline.count(), as_opened.actions.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        CHANGES_ONCE_CLOSED[change](as_opened, person, records, responder)
    assert as_opened.timeline.count() == entries
    assert as_opened.actions.count() == actions
