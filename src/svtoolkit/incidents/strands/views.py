"""Pages for the partners' strands: hospital, schools and safeguarding."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.core.forms import initial_from, revised
from svtoolkit.incidents.models import Incident, PatientStatus
from svtoolkit.incidents.pages import incident_form_page
from svtoolkit.incidents.people.forms import ReasonForm
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.incidents.strands import forms, selectors, services

REASON_TO_RECORD_STAY = "Opened to record a hospital stay"
REASON_TO_UPDATE_STAY = "Opened to update a hospital stay"
REASON_TO_REFER = "Opened to record a safeguarding referral"
REASON_FOR_OUTCOME = "Opened to record a referral's outcome"
WHY_OPEN_STRANDS = "Why do you need to open the hospital and safeguarding records?"


def _strands_url(incident) -> str:
    return reverse("incidents:strands", args=[incident.pk])


def _strand_form_page(request, incident, form, **page):
    """A strand's form page: ``incidents.pages.incident_form_page``, back to the strands page when done."""
    return incident_form_page(request, incident, form, done=_strands_url(incident), **page)


def _opened(request, found_in, pk, *, rule, reason):
    """A stay or a referral found among ``found_in`` and checked against ``rule`` (``access.get_for``), then
    opened with ``reason`` through its person's record (audited)."""
    found = access.get_for(request, found_in, pk, rule=rule)
    return selectors.open_strand_record(found, user=request.user, reason=reason, request=request)


@access.requires(access.is_member)
@access.allowed_when_closed  # opening the records with a reason reads them; it changes nothing
def strands(request, incident_id):
    """Schools for everyone who sees the incident; hospital stays, referrals and people at risk as counts, and
    opened with a reason (audited) by those on the own list of at least one person's record, each reading
    only the records of the people whose lists they are on (as a situation report holds)."""
    shown = incident_for_request(request, incident_id)
    may_read = access.can_read_any_person(request.user, request.partnership, shown)
    form = ReasonForm(request.POST or None, question=WHY_OPEN_STRANDS) if may_read else None
    opened = None
    if request.method == "POST":
        if form is None:
            access.deny(request, reason="can_read_any_person")
        if form.is_valid():
            opened = selectors.read_strands(
                user=request.user, incident=shown, reason=form.cleaned_data["reason"], request=request
            )
    user, partnership = request.user, request.partnership
    # Closed, the incident is read (with a reason) but takes no new or changed record.
    takes_records = not access.is_read_only(shown)
    return render(
        request,
        "incidents/strands.html",
        {
            "incident": shown,
            "schools": selectors.schools_of(shown),
            "summary": selectors.strands_summary(shown),
            "form": form,
            "opened": opened,
            "can_record_school": takes_records and access.can_record_school(user, partnership, shown),
            "can_record_hospital_stay": takes_records
            and access.can_record_hospital_stay(user, partnership, shown),
            "can_record_safeguarding": takes_records
            and access.can_record_safeguarding(user, partnership, shown),
        },
    )


@access.requires(access.can_work_incident)
def school_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_school)
    return _strand_form_page(
        request,
        shown,
        forms.SchoolForm(request.POST or None, schools=selectors.schools_to_choose(shown)),
        heading="Record a school attended by those involved",
        intro="A school or college that a victim, suspect, witness or sibling attends. Name no pupil: "
        "everyone who sees the incident sees this.",
        button="Record the school",
        save=lambda data: services.record_school(incident=shown, by=request.user, request=request, **data),
        success=lambda record: f"{record.school} was recorded.",
    )


@access.requires(access.can_work_incident)
def school_edit(request, incident_id, school_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_school)
    record = access.get_for(request, selectors.schools_in(shown), school_id)
    initial = initial_from(record, *services.SCHOOL_FIELDS, "revision")
    return _strand_form_page(
        request,
        shown,
        forms.SchoolForm(request.POST or None, initial=initial),
        heading=f"Update {record.school}",
        button="Save",
        save=lambda data: services.update_school(
            record=record, by=request.user, request=request, **revised(data)
        ),
        success=f"The record of {record.school} was saved.",
        thing="school's record",
    )


@access.requires(access.can_work_incident)
def hospital_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_hospital_stay)
    people = selectors.people_to_choose(
        user=request.user, incident=shown, why=REASON_TO_RECORD_STAY, request=request
    )
    form = forms.HospitalStayForm(
        request.POST or None,
        initial={"status": PatientStatus.IN_HOSPITAL},
        people=people,
        hospitals=selectors.hospitals_to_choose(shown),
    )
    return _strand_form_page(
        request,
        shown,
        form,
        heading="Record a hospital stay",
        intro="Health data about a person: only the need-to-know list reads it, and every opening is "
        "recorded. Someone not listed is recorded as a person affected first.",
        button="Record the stay",
        save=lambda data: services.record_hospital_stay(
            incident=shown, by=request.user, request=request, **data
        ),
        success="The hospital stay was recorded.",
    )


@access.requires(access.can_work_incident)
def hospital_edit(request, incident_id, stay_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_hospital_stay)
    stay = _opened(
        request,
        selectors.stays_in(shown),
        stay_id,
        rule=access.can_change_hospital_stay,
        reason=REASON_TO_UPDATE_STAY,
    )
    form = forms.HospitalStayForm(
        request.POST or None,
        initial=forms.HospitalStayForm.initial_from(stay),
        hospitals=selectors.hospitals_to_choose(shown),
    )
    return _strand_form_page(
        request,
        shown,
        form,
        heading=f"Update the hospital stay of {stay.who.name}",
        button="Save",
        save=lambda data: services.update_hospital_stay(
            stay=stay, by=request.user, request=request, **revised(data)
        ),
        success="The hospital stay was saved.",
        thing="hospital stay",
    )


@access.requires(access.can_work_incident)
def referral_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    people = selectors.people_to_choose(
        user=request.user, incident=shown, why=REASON_TO_REFER, request=request
    )
    form = forms.ReferralForm(
        request.POST or None,
        initial={"referred_at": timezone.localtime().replace(second=0, microsecond=0)},
        partnership=shown.partnership,
        people=people,
    )
    return _strand_form_page(
        request,
        shown,
        form,
        heading="Record a safeguarding referral",
        intro="A referral sends the person's details outside the need-to-know list, so it is logged as a "
        "disclosure with its lawful basis.",
        button="Record the referral",
        save=lambda data: services.refer(
            incident=shown,
            person=data["person"],
            route=data["route"],
            referred_at=data["referred_at"],
            by=request.user,
            basis=form.basis(),
            request=request,
        ),
        success="The referral was recorded, and logged as a disclosure.",
    )


@access.requires(access.can_work_incident)
def referral_outcome(request, incident_id, referral_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    referral = _opened(
        request,
        selectors.referrals_in(shown),
        referral_id,
        rule=access.can_record_referral_outcome,
        reason=REASON_FOR_OUTCOME,
    )
    return _strand_form_page(
        request,
        shown,
        forms.OutcomeForm(request.POST or None, initial=initial_from(referral, "outcome", "revision")),
        heading=f"Outcome of the referral of {referral.who.name} to the {referral.get_route_display()}",
        button="Save the outcome",
        save=lambda data: services.record_referral_outcome(
            referral=referral, by=request.user, request=request, **revised(data)
        ),
        success="The outcome was recorded.",
        thing="referral",
    )


@access.requires(access.can_work_incident)
def person_at_risk_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    return _strand_form_page(
        request,
        shown,
        forms.PersonAtRiskForm(request.POST or None, partnership=request.partnership),
        heading="Record someone at risk",
        intro="An associate, sibling or friend who may be at risk of harm or of taking part in retaliation. "
        "They are recorded as a person affected: only the need-to-know list reads the record.",
        button="Record them",
        save=lambda data: services.map_person_at_risk(
            incident=shown, by=request.user, request=request, **data
        ),
        success="The person at risk was recorded, behind the need-to-know list.",
    )
