"""Reading the partners' strands. Schools name no pupil: everyone who sees the incident reads them. Hospital
stays, referrals and the people mapped as at risk are about people affected: they are read only through the
people selectors (``read_people``, ``read_person``), so the need-to-know rule is the people's own, and every
opening is audited with its reason."""

from collections import Counter

from django.db.models import QuerySet

from svtoolkit.incidents import history
from svtoolkit.incidents.models import (
    HospitalStay,
    PatientStatus,
    PersonRole,
    SafeguardingReferral,
    SchoolInvolved,
)
from svtoolkit.incidents.people import selectors as people_selectors
from svtoolkit.partnerships.models import SCHOOL_KINDS, OrganisationKind
from svtoolkit.partnerships.selectors import active_organisations


def schools_of(incident) -> QuerySet[SchoolInvolved]:
    """The schools attended by those involved, in the order they were recorded."""
    return SchoolInvolved.objects.filter(incident=incident).select_related("school", "recorded_by")


def schools_in(incident) -> QuerySet[SchoolInvolved]:
    """The incident's school records, with their incident (for ``access.get_for``)."""
    return schools_of(incident).select_related("incident__partnership")


def schools_to_choose(incident):
    """The schools and colleges (and education organisations) of the incident's partnership's directory, not
    recorded yet."""
    return (
        active_organisations(incident.partnership)
        .filter(kind__in=SCHOOL_KINDS)
        .exclude(pk__in=incident.schools.values("school_id"))
        .order_by("name")
    )


def hospitals_to_choose(incident):
    return (
        active_organisations(incident.partnership)
        .filter(kind=OrganisationKind.HEALTH_HOSPITAL)
        .order_by("name")
    )


def strands_summary(incident) -> dict:
    """What anyone who sees the incident may know of the hospital and safeguarding strands: counts only."""
    statuses = Counter(incident.hospital_stays.values_list("status", flat=True))
    return {
        "hospital": [
            (PatientStatus(status).label.lower(), count) for status, count in sorted(statuses.items())
        ],
        "referrals": incident.referrals.count(),
        "at_risk": incident.people.filter(role=PersonRole.ASSOCIATE).count(),
    }


def read_strands(*, user, incident, reason: str, request=None) -> dict:
    """The hospital stays, referrals and people at risk of the people this person may read (through
    ``people_selectors.read_people``: refused off the need-to-know list, each person audited); each stay and
    referral opened is audited too, with the same reason."""
    people = people_selectors.read_people(
        user=user,
        incident=incident,
        reason=reason,
        purpose="the hospital and safeguarding strands",
        request=request,
    )
    stays, referrals = _strands_opened(
        incident, {person.pk: person for person in people}, user=user, reason=reason, request=request
    )
    return {
        "people": people,
        "stays": stays,
        "referrals": referrals,
        "at_risk": [person for person in people if person.role == PersonRole.ASSOCIATE],
    }


def people_to_choose(*, user, incident, why: str, request=None) -> QuerySet:
    """The people affected this person may read, to choose one for a hospital stay or a referral (their
    names are shown, so this is an opening of each record, audited)."""
    people = people_selectors.read_people(
        user=user, incident=incident, reason=why, purpose=why, request=request
    )
    return incident.people.filter(pk__in=[person.pk for person in people])


def stays_in(incident) -> QuerySet[HospitalStay]:
    """The incident's hospital stays, with their patient (for ``access.can_change_hospital_stay``)."""
    return HospitalStay.objects.filter(incident=incident).select_related("incident", "patient__incident")


def referrals_in(incident) -> QuerySet[SafeguardingReferral]:
    """The incident's referrals, with their person (for ``access.can_record_referral_outcome``)."""
    return SafeguardingReferral.objects.filter(incident=incident).select_related(
        "incident", "person__incident"
    )


def open_strand_record(found, *, user, reason: str, request=None):
    """A stay or a referral found and checked (``access.get_for``), opened through its person's record
    (``read_person``: refused off that record's list, audited) and audited itself, with the same reason."""
    incident = found.incident
    person_id = found.patient_id if isinstance(found, HospitalStay) else found.person_id
    found.who = people_selectors.read_person(
        user=user, incident=incident, person_id=person_id, reason=reason, request=request
    )
    history.opened(incident, user, found, request, reason=reason)
    return found


def strands_for_report(incident, *, people: list | None, user=None, reason: str = "", request=None) -> dict:
    """What the situation report shows of the strands: the schools always; the hospital and safeguarding
    strands as counts, and their records only for the people already read for it (``people``, read and
    audited through ``read_people`` on request), each stay and referral audited as on the strands page."""
    report = {"schools": list(schools_of(incident)), "strands_summary": strands_summary(incident)}
    if people is None:
        return report
    stays, referrals = _strands_opened(
        incident, {person.pk: person for person in people}, user=user, reason=reason, request=request
    )
    return {**report, "stays": stays, "referrals": referrals}


def _strands_opened(incident, readable: dict, *, user, reason: str, request) -> tuple[list, list]:
    """The hospital stays and referrals of the people ``readable`` (by id), each with its person (``who``),
    opened: audited at once with ``reason``. Read through the incident, so that each knows it (an entry is
    labelled by its reference) without reading it again."""
    stays = list(
        incident.hospital_stays.select_related("hospital")
        .filter(patient_id__in=list(readable))
        .order_by("id")
    )
    referrals = list(incident.referrals.filter(person_id__in=list(readable)).order_by("referred_at", "id"))
    for stay in stays:
        stay.who = readable[stay.patient_id]
    for referral in referrals:
        referral.who = readable[referral.person_id]
    history.opened_each(incident, user, [*stays, *referrals], request, reason=reason)
    return stays, referrals
