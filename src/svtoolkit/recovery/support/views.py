"""Pages for support offered to those affected."""

from django.contrib import messages
from django.shortcuts import redirect, render

from svtoolkit import access
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.recovery.support import selectors, services
from svtoolkit.recovery.support.forms import SupportOfferForm, SupportResponseForm
from svtoolkit.recovery.views import simple_form


@access.requires(access.is_member)
def support(request, incident_id):
    shown = incident_for_request(request, incident_id)
    return render(
        request,
        "recovery/support.html",
        {
            "incident": shown,
            "counts": selectors.support_counts(shown),
            "people": selectors.support_summary(user=request.user, incident=shown, request=request),
            "can_record": access.can_record_support(request.user, request.partnership, shown),
        },
    )


@access.requires(access.can_work_incident)
def support_add(request, incident_id, person_id):
    shown = access.get_for(request, Incident, incident_id)
    person = access.get_for(request, shown.people.all(), person_id, rule=access.can_record_support_for)
    form = SupportOfferForm(request.POST or None, partnership=request.partnership)
    if request.method == "POST" and form.is_valid():
        services.offer_support(person=person, by=request.user, request=request, **form.cleaned_data)
        messages.success(request, "The support was recorded.")
        return redirect("recovery:support", incident_id=shown.pk)
    return simple_form(
        request,
        shown,
        form,
        f"Record support or a referral for a {person.get_role_display().lower()}",
        "Record",
    )


@access.requires(access.can_work_incident)
def support_update(request, incident_id, offer_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_support)
    offer = selectors.read_offer(user=request.user, incident=shown, offer_id=offer_id, request=request)
    theirs = None
    form = SupportResponseForm(
        request.POST or None,
        initial={
            "response": offer.response,
            "outcome": offer.outcome,
            "follow_up_on": offer.follow_up_on,
            "revision": offer.revision,
        },
    )
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form, thing="support record") as refused:
            services.record_support_response(
                offer=offer,
                by=request.user,
                expected_revision=form.cleaned_data["revision"],
                response=form.cleaned_data["response"],
                outcome=form.cleaned_data["outcome"],
                follow_up_on=form.cleaned_data["follow_up_on"],
                request=request,
            )
            messages.success(request, "The support record was updated.")
            return redirect("recovery:support", incident_id=shown.pk)
        if refused.conflict:
            offer.refresh_from_db()
            theirs = [
                ("Answer or outcome", offer.get_response_display()),
                ("What happened", offer.outcome),
                ("Next follow-up date", offer.follow_up_on and f"{offer.follow_up_on:%d %B %Y}"),
            ]
    return simple_form(
        request,
        shown,
        form,
        f"Update {offer.get_kind_display().lower()} for a {offer.person.get_role_display().lower()}",
        "Save",
        theirs=theirs,
        intro=f"{offer.description}, offered {offer.offered_on:%d %B %Y}.",
    )
