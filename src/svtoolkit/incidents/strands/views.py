"""Pages for the partners' strands: hospital, schools and safeguarding."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from svtoolkit import access
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.people.forms import ReasonForm
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.incidents.strands import selectors, services
from svtoolkit.incidents.strands.forms import (
    HospitalStayForm,
    OutcomeForm,
    PersonAtRiskForm,
    ReferralForm,
    SchoolForm,
)

REASON_TO_RECORD_STAY = "Opened to record a hospital stay"
REASON_TO_UPDATE_STAY = "Opened to update a hospital stay"
REASON_TO_REFER = "Opened to record a safeguarding referral"
REASON_FOR_OUTCOME = "Opened to record a referral's outcome"


def _to_strands(incident):
    return redirect("incidents:strands", incident_id=incident.pk)


def _form_page(request, incident, form, *, heading, button, intro=""):
    return render(
        request,
        "incidents/simple_form.html",
        {"incident": incident, "form": form, "heading": heading, "button": button, "intro": intro},
    )


@access.requires(access.is_member)
@access.allowed_when_closed  # opening the records with a reason reads them; it changes nothing
def strands(request, incident_id):
    """Schools for everyone who sees the incident; hospital stays, referrals and people at risk as counts, and
    opened with a reason (audited) by the need-to-know list."""
    shown = incident_for_request(request, incident_id)
    may_read = access.can_read_people(request.user, request.partnership, shown)
    form = ReasonForm(request.POST or None) if may_read else None
    if form is not None:
        form.fields["reason"].label = "Why do you need to open the hospital and safeguarding records?"
    opened = None
    if request.method == "POST":
        if form is None:
            access.deny(request, reason="can_read_people")
        if form.is_valid():
            opened = selectors.read_strands(
                user=request.user, incident=shown, reason=form.cleaned_data["reason"], request=request
            )
    user, partnership = request.user, request.partnership
    return render(
        request,
        "incidents/strands.html",
        {
            "incident": shown,
            "schools": selectors.schools_of(shown),
            "summary": selectors.strands_summary(shown),
            "form": form,
            "opened": opened,
            "can_record_school": access.can_record_school(user, partnership, shown),
            "can_record_hospital_stay": access.can_record_hospital_stay(user, partnership, shown),
            "can_record_safeguarding": access.can_record_safeguarding(user, partnership, shown),
        },
    )


@access.requires(access.can_work_incident)
def school_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_school)
    form = SchoolForm(request.POST or None, schools=selectors.schools_to_choose(shown))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields.pop("revision", None)
        with errors_shown_on(form):
            record = services.record_school(incident=shown, by=request.user, request=request, **fields)
            messages.success(request, f"{record.school} was recorded.")
            return _to_strands(shown)
    return _form_page(
        request,
        shown,
        form,
        heading="Record a school attended by those involved",
        intro="A school or college that a victim, suspect, witness or sibling attends. Name no pupil: "
        "everyone who sees the incident sees this.",
        button="Record the school",
    )


@access.requires(access.can_work_incident)
def school_edit(request, incident_id, school_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_school)
    record = access.get_for(request, selectors.schools_in(shown), school_id)
    initial = {name: getattr(record, name) for name in services.SCHOOL_FIELDS} | {"revision": record.revision}
    form = SchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        with errors_shown_on(form, thing="school's record"):
            services.update_school(
                record=record,
                by=request.user,
                expected_revision=fields.pop("revision"),
                request=request,
                **fields,
            )
            messages.success(request, f"The record of {record.school} was saved.")
            return _to_strands(shown)
    return _form_page(request, shown, form, heading=f"Update {record.school}", button="Save")


@access.requires(access.can_work_incident)
def hospital_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_hospital_stay)
    people = selectors.people_to_choose(
        user=request.user, incident=shown, why=REASON_TO_RECORD_STAY, request=request
    )
    form = HospitalStayForm(
        request.POST or None,
        initial={"status": "in_hospital"},
        people=people,
        hospitals=selectors.hospitals_to_choose(shown),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields.pop("revision", None)
        with errors_shown_on(form):
            services.record_hospital_stay(incident=shown, by=request.user, request=request, **fields)
            messages.success(request, "The hospital stay was recorded.")
            return _to_strands(shown)
    return _form_page(
        request,
        shown,
        form,
        heading="Record a hospital stay",
        intro="Health data about a person: only the need-to-know list reads it, and every opening is "
        "recorded. Someone not listed is recorded as a person affected first.",
        button="Record the stay",
    )


@access.requires(access.can_work_incident)
def hospital_edit(request, incident_id, stay_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_hospital_stay)
    stay = selectors.read_hospital_stay(
        user=request.user, incident=shown, stay_id=stay_id, reason=REASON_TO_UPDATE_STAY, request=request
    )
    form = HospitalStayForm(
        request.POST or None,
        initial=HospitalStayForm.initial_from(stay),
        hospitals=selectors.hospitals_to_choose(shown),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        with errors_shown_on(form, thing="hospital stay"):
            services.update_hospital_stay(
                stay=stay,
                by=request.user,
                expected_revision=fields.pop("revision"),
                request=request,
                **fields,
            )
            messages.success(request, "The hospital stay was saved.")
            return _to_strands(shown)
    return _form_page(
        request, shown, form, heading=f"Update the hospital stay of {stay.who.name}", button="Save"
    )


@access.requires(access.can_work_incident)
def referral_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    people = selectors.people_to_choose(
        user=request.user, incident=shown, why=REASON_TO_REFER, request=request
    )
    form = ReferralForm(
        request.POST or None,
        initial={"referred_at": timezone.localtime().replace(second=0, microsecond=0)},
        partnership=shown.partnership,
        people=people,
    )
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            services.refer(
                incident=shown,
                person=form.cleaned_data["person"],
                route=form.cleaned_data["route"],
                referred_at=form.cleaned_data["referred_at"],
                by=request.user,
                basis=form.basis(),
                request=request,
            )
            messages.success(request, "The referral was recorded, and logged as a disclosure.")
            return _to_strands(shown)
    return _form_page(
        request,
        shown,
        form,
        heading="Record a safeguarding referral",
        intro="A referral sends the person's details outside the need-to-know list, so it is logged as a "
        "disclosure with its lawful basis.",
        button="Record the referral",
    )


@access.requires(access.can_work_incident)
def referral_outcome(request, incident_id, referral_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    referral = selectors.read_referral(
        user=request.user, incident=shown, referral_id=referral_id, reason=REASON_FOR_OUTCOME, request=request
    )
    form = OutcomeForm(
        request.POST or None, initial={"outcome": referral.outcome, "revision": referral.revision}
    )
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form, thing="referral"):
            services.record_referral_outcome(
                referral=referral,
                by=request.user,
                expected_revision=form.cleaned_data["revision"],
                outcome=form.cleaned_data["outcome"],
                request=request,
            )
            messages.success(request, "The outcome was recorded.")
            return _to_strands(shown)
    return _form_page(
        request,
        shown,
        form,
        heading=f"Outcome of the referral of {referral.who.name} to the {referral.get_route_display()}",
        button="Save the outcome",
    )


@access.requires(access.can_work_incident)
def person_at_risk_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_safeguarding)
    form = PersonAtRiskForm(request.POST or None, partnership=request.partnership)
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            services.map_person_at_risk(incident=shown, by=request.user, request=request, **form.cleaned_data)
            messages.success(request, "The person at risk was recorded, behind the need-to-know list.")
            return _to_strands(shown)
    return _form_page(
        request,
        shown,
        form,
        heading="Record someone at risk",
        intro="An associate, sibling or friend who may be at risk of harm or of taking part in retaliation. "
        "They are recorded as a person affected: only the need-to-know list reads the record.",
        button="Record them",
    )
