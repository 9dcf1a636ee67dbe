"""The partners' strands: the hospital (a person's stay, visitors, discharge, the violence-reduction team),
the schools attended by those involved, and safeguarding (referrals to the MASH or daily risk meeting, people
mapped as at risk). Each record completes the plan's action it answers (``record_event``)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents.disclosures import record_disclosure
from svtoolkit.incidents.models import (
    HospitalStay,
    PatientStatus,
    PersonRole,
    ReferralRoute,
    SafeguardingReferral,
    SchoolInvolved,
)
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.services import (
    CompletingEvent,
    check_not_before_incident,
    check_time_told,
    record_event,
    redraw_plan,
    refuse_if_closed_meanwhile,
)
from svtoolkit.partnerships.models import SCHOOL_KINDS, OrganisationKind

ERASED = "Erased"
NO_ROUTE = "Choose where they were referred"
NO_OUTCOME = "Enter what the referral decided"
SCHOOL_FIELDS = ("safeguarding_lead_informed_at", "support_offered", "critical_incident_plan_started_at")
HOSPITAL_FIELDS = (
    "hospital",
    "status",
    "ward_restrictions",
    "visitor_arrangements",
    "expected_discharge_on",
    "discharge_plan",
    "discharge_plan_agreed",
    "violence_reduction_team_informed_at",
)


def _strands_link(incident) -> str:
    return reverse("incidents:strands", args=[incident.pk])


def _complete(incident, by, events) -> None:
    """Each event the record now says happened completes the plan's actions it answers."""
    for event in events:
        record_event(incident=incident, event=event, by=by, link=_strands_link(incident))


# --- Schools ----------------------------------------------------------------------------------------------


def check_school(*, incident, school) -> None:
    """A school comes from the directory of the incident's partnership: a school or college (or an
    organisation listed as education)."""
    if (
        school.partnership_id != incident.partnership_id
        or school.kind not in SCHOOL_KINDS
        or not school.is_active
    ):
        raise DomainError("Choose a school or college from the partnership's directory.", field="school")


def check_times_told(incident, fields: dict, times: dict) -> None:
    """Each of ``times`` (a field and what it is, for the message) that ``fields`` gives, as
    ``incidents.services.check_time_told`` says."""
    for field, what in times.items():
        check_time_told(occurred_at=incident.occurred_at, at=fields.get(field), field=field, what=what)


SCHOOL_TIMES = {
    "safeguarding_lead_informed_at": "The time the safeguarding lead was told",
    "critical_incident_plan_started_at": "The time the school started its plan",
}


# What a school's record says happened, each the event of the plan's action it completes.
SCHOOL_EVENTS = {
    "safeguarding_lead_informed_at": CompletingEvent.SAFEGUARDING_LEAD_INFORMED,
    "critical_incident_plan_started_at": CompletingEvent.SCHOOL_PLAN_STARTED,
    "support_offered": CompletingEvent.SCHOOL_SUPPORT_OFFERED,
}


def _complete_what_it_says(incident, by, record, events: dict) -> None:
    """Each of ``events`` (a field of ``record`` and its event) whose field the record now fills completes
    the plan's actions it answers."""
    _complete(incident, by, [event for name, event in events.items() if getattr(record, name)])


@transaction.atomic
def record_school(*, incident, school, by, request=None, **fields) -> SchoolInvolved:
    """Record a school attended by those involved; the plan gains the schools' items and the actions its
    record answers (safeguarding lead told, plan started, support offered) are done."""
    # The incident first (locks.py), so two people recording the same school at once take turns: the second
    # is told it is recorded instead of meeting the database's refusal.
    refuse_if_closed_meanwhile(incident)
    check_school(incident=incident, school=school)
    if incident.schools.filter(school=school).exists():
        raise DomainError(f"{school} is already recorded: change its record instead.", field="school")
    check_times_told(incident, fields, SCHOOL_TIMES)
    fields["support_offered"] = fields.get("support_offered", "").strip()
    record = SchoolInvolved.objects.create(incident=incident, school=school, recorded_by=by, **fields)
    history.note(incident, by, f"School attended by those involved recorded: {school}.")
    history.audit(incident, by, AuditAction.CREATE, record, request, school=school.pk)
    redraw_plan(incident=incident, by=by, reason="a school was recorded")
    _complete_what_it_says(incident, by, record, SCHOOL_EVENTS)
    return record


@transaction.atomic
def update_school(*, record, by, expected_revision, request=None, **fields) -> SchoolInvolved:
    """Change a school's record; refused if someone else saved it meanwhile."""
    unknown = set(fields) - set(SCHOOL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    incident = record.incident
    refuse_if_closed_meanwhile(incident)  # first, before the record (locks.py)
    check_times_told(incident, fields, SCHOOL_TIMES)
    if "support_offered" in fields:
        fields["support_offered"] = fields["support_offered"].strip()
    update_if_unchanged(record, expected_revision=expected_revision, **fields)
    history.note(incident, by, f"The record of {record.school} was updated.")
    history.audit(incident, by, AuditAction.UPDATE, record, request, fields=sorted(fields))
    _complete_what_it_says(incident, by, record, SCHOOL_EVENTS)
    return record


# --- The hospital -----------------------------------------------------------------------------------------


def check_hospital_stay(
    *, incident, patient, status, hospital, expected_discharge_on, discharge_plan, discharge_plan_agreed
) -> None:
    """What a hospital stay must say to be recorded as given."""
    if patient.deceased and status == PatientStatus.IN_HOSPITAL:
        raise DomainError(
            "They are recorded as having died, so they are not in hospital: say the stay ended in their "
            "death, or that they had been discharged. If the record is wrong, correct it first.",
            field="status",
        )
    if hospital is not None and (
        hospital.partnership_id != incident.partnership_id
        or hospital.kind != OrganisationKind.HEALTH_HOSPITAL
    ):
        raise DomainError("Choose a hospital from the partnership's directory.", field="hospital")
    if status == PatientStatus.DIED and expected_discharge_on is not None:
        raise DomainError(
            "Someone who died has no discharge date: leave it empty.", field="expected_discharge_on"
        )
    check_not_before_incident(
        occurred_at=incident.occurred_at,
        at=expected_discharge_on,
        field="expected_discharge_on",
        message="The expected discharge date cannot be before the incident happened.",
    )
    if discharge_plan_agreed and not discharge_plan.strip():
        raise DomainError("Describe the discharge plan that was agreed.", field="discharge_plan")


def _hospital_changes(incident, patient, stored, fields) -> dict:
    """The columns a stay's form sets: the plan's agreement as the time it was first agreed."""
    check_hospital_stay(
        incident=incident,
        patient=patient,
        status=fields["status"],
        hospital=fields.get("hospital"),
        expected_discharge_on=fields.get("expected_discharge_on"),
        discharge_plan=fields.get("discharge_plan", ""),
        discharge_plan_agreed=fields.get("discharge_plan_agreed", False),
    )
    check_times_told(
        incident,
        fields,
        {"violence_reduction_team_informed_at": "The time the violence-reduction team was told"},
    )
    changes = {
        name: value.strip() if isinstance(value, str) else value
        for name, value in fields.items()
        if name != "discharge_plan_agreed"
    }
    agreed = fields.get("discharge_plan_agreed", False)
    already = stored.discharge_plan_agreed_at if stored is not None else None
    changes["discharge_plan_agreed_at"] = (already or timezone.now()) if agreed else None
    return changes


HOSPITAL_EVENTS = {
    "visitor_arrangements": CompletingEvent.VISITORS_AGREED,
    "discharge_plan_agreed_at": CompletingEvent.DISCHARGE_PLAN_AGREED,
    "violence_reduction_team_informed_at": CompletingEvent.VIOLENCE_REDUCTION_TEAM_INFORMED,
}


def _check_person_of(incident, person, field, *, by) -> None:
    """A stay or a referral is of a person of this incident whose own record ``by`` may read
    (``access.can_read_person``): the incident's need-to-know list alone opens no one's record."""
    if person.incident_id != incident.pk:
        raise DomainError("Choose one of the people affected by this incident.", field=field)
    check_may_read(person, by=by, field=field)


def check_may_read(person, *, by, field=None) -> None:
    if not access.can_read_person(by, None, person):
        raise DomainError(
            "You are not on the need-to-know list of this person's record: ask someone on it to add you.",
            field=field,
        )


def _record_death(stay, by, request) -> None:
    """A stay that ended in death marks its patient as deceased, through the people's service (a correction
    of their record, kept, audited and on the timeline like any other), so no page shows them as alive."""
    if stay.status == PatientStatus.DIED:
        people_services.record_death(person=stay.patient, by=by, request=request)


@transaction.atomic
def record_hospital_stay(*, incident, patient, by, request=None, **fields) -> HospitalStay:
    """Record a person affected in hospital; the actions its record answers (visitors agreed, discharge plan
    agreed, violence-reduction team told) are done, and someone in hospital brings in the hospital's items."""
    refuse_if_closed_meanwhile(incident)
    _check_person_of(incident, patient, "patient", by=by)
    changes = _hospital_changes(incident, patient, None, fields)
    stay = HospitalStay.objects.create(incident=incident, patient=patient, recorded_by=by, **changes)
    _record_death(stay, by, request)
    # The timeline is read by everyone who sees the incident: it names no one.
    history.note(incident, by, f"A hospital stay was recorded ({stay.get_status_display().lower()}).")
    history.audit(incident, by, AuditAction.CREATE, stay, request, fields=sorted(changes))
    redraw_plan(incident=incident, by=by, reason="a hospital stay was recorded")
    _complete_what_it_says(incident, by, stay, HOSPITAL_EVENTS)
    return stay


@transaction.atomic
def update_hospital_stay(*, stay, by, expected_revision, request=None, **fields) -> HospitalStay:
    """Change a hospital stay (status, ward, visitors, discharge); refused if someone else saved it meanwhile.
    The audit log names the fields changed, never what they say."""
    unknown = set(fields) - set(HOSPITAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    check_may_read(stay.patient, by=by)
    incident = stay.incident
    refuse_if_closed_meanwhile(incident)  # first, before the stay (locks.py)
    changes = _hospital_changes(incident, stay.patient, stay, fields)
    changed = sorted(name for name, value in changes.items() if getattr(stay, name) != value)
    update_if_unchanged(stay, expected_revision=expected_revision, **changes)
    _record_death(stay, by, request)
    history.note(incident, by, f"A hospital stay was updated ({stay.get_status_display().lower()}).")
    history.audit(incident, by, AuditAction.UPDATE, stay, request, fields=changed)
    redraw_plan(incident=incident, by=by, reason="a hospital stay was updated")
    _complete_what_it_says(incident, by, stay, HOSPITAL_EVENTS)
    return stay


# --- Safeguarding -----------------------------------------------------------------------------------------


@transaction.atomic
def refer(*, incident, person, route, referred_at, by, basis: dict, request=None) -> SafeguardingReferral:
    """Record a referral of a person affected to the MASH or the daily risk meeting. Their details leave the
    need-to-know circle, so it is logged as a disclosure: refused without an Article 6 basis, and without an
    Article 9 condition, since a safeguarding referral tells of the harm done to them and their welfare
    (health: the safeguarding condition of the Data Protection Act 2018, Schedule 1 paragraph 18)."""
    refuse_if_closed_meanwhile(incident)
    _check_person_of(incident, person, "person", by=by)
    if route not in ReferralRoute.values:
        raise DomainError(f"{NO_ROUTE}.", field="route")
    check_time_told(
        occurred_at=incident.occurred_at, at=referred_at, field="referred_at", what="The time of the referral"
    )
    route_label = ReferralRoute(route).label
    disclosure = record_disclosure(
        incident=incident,
        people=[person],
        what=f"A safeguarding referral to the {route_label}",
        recipient=route_label,
        special_category=True,
        by=by,
        request=request,
        **basis,
    )
    referral = SafeguardingReferral.objects.create(
        incident=incident,
        person=person,
        route=route,
        referred_at=referred_at,
        disclosure=disclosure,
        referred_by=by,
    )
    history.note(incident, by, f"A safeguarding referral was made to the {route_label}.")
    history.audit(incident, by, AuditAction.CREATE, referral, request, route=route)
    _complete(incident, by, [CompletingEvent.SAFEGUARDING_REFERRAL_MADE])
    return referral


@transaction.atomic
def record_referral_outcome(*, referral, by, expected_revision, outcome: str, request=None):
    """What the MASH or the risk meeting decided; refused if someone else saved an outcome meanwhile."""
    check_may_read(referral.person, by=by)
    if not outcome.strip():
        raise DomainError(f"{NO_OUTCOME}.", field="outcome")
    refuse_if_closed_meanwhile(referral.incident)  # first, before the referral (locks.py)
    update_if_unchanged(
        referral, expected_revision=expected_revision, outcome=outcome.strip(), outcome_at=timezone.now()
    )
    incident = referral.incident
    history.note(
        incident, by, f"The outcome of a referral to the {referral.get_route_display()} was recorded."
    )
    history.audit(incident, by, AuditAction.UPDATE, referral, request, fields=["outcome"])
    return referral


@transaction.atomic
def map_person_at_risk(*, incident, by, request=None, **fields):
    """Record someone at risk (an associate, a sibling, a friend) as a person affected, behind need-to-know
    like every other; the action to map who is at risk is done."""
    person = people_services.add_person_affected(
        incident=incident, by=by, request=request, role=PersonRole.ASSOCIATE, **fields
    )
    _complete(incident, by, [CompletingEvent.PEOPLE_AT_RISK_MAPPED])
    return person


# --- Retention ----------------------------------------------------------------------------------------------


def erase_strand_details(*, incident) -> None:
    """Remove what the strands' notes may say of people, keeping their dates and statuses for statistics.
    Called by the retention job inside its transaction, with the people's own erasure."""
    incident.hospital_stays.update(
        ward_restrictions="", visitor_arrangements="", discharge_plan="", expected_discharge_on=None
    )
    incident.referrals.exclude(outcome="").update(outcome=ERASED)
    incident.schools.exclude(support_offered="").update(support_offered=ERASED)
