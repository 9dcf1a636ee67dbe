"""Pages for people affected and the need-to-know list."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.forms import errors_as_message, errors_shown_on, revised
from svtoolkit.core.pages import form_page
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_section
from svtoolkit.incidents.people import forms, selectors, services


@access.requires(access.is_member)
@incident_section("incidents/people.html")
def people(request, shown):
    summary = selectors.people_summary(shown)
    people = selectors.people_for(request.user, shown)
    return {
        "summary": summary,
        "people": people,
        "hidden": sum(row["count"] for row in summary) > len(people),
        # On a record's own list (the only ones listed) the response team changes who else is.
        "can_manage_records": access.can_manage_incident(request.user, request.partnership),
        "can_manage_list": access.can_manage_need_to_know(request.user, request.partnership, shown),
        # Closed, the incident takes no new record.
        "can_add": not access.is_read_only(shown)
        and access.can_add_person(request.user, request.partnership, shown),
        "can_recover_list": access.can_recover_need_to_know(request.user, request.partnership, shown),
    }


@access.requires(access.can_manage_members)
@access.allowed_when_closed  # subject-access requests arrive long after closing, when the list has moved on
def need_to_know_recover(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_recover_need_to_know)
    return incident_form_page(
        request,
        shown,
        forms.ReasonForm(request.POST or None, question="Why do you need to be on the need-to-know list?"),
        heading="Join the need-to-know list",
        button="Join the list",
        save=lambda data: services.recover_need_to_know(
            incident=shown, by=request.user, reason=data["reason"], request=request
        ),
        success="You are on the need-to-know list. Add the people who should be on it.",
        done=reverse("incidents:need_to_know", args=[shown.pk]),
    )


@access.requires(access.can_manage_incident)
def person_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_add_person)
    return incident_form_page(
        request,
        shown,
        forms.PersonAffectedForm(request.POST or None, partnership=request.partnership),
        heading="Record a person affected",
        button="Record",
        save=lambda data: services.add_person_affected(
            incident=shown, by=request.user, request=request, **data
        ),
        success="The person was recorded. You are on the need-to-know list for this incident.",
        done=reverse("incidents:people", args=[shown.pk]),
    )


@access.requires(access.is_member)
@access.allowed_when_closed  # opening a record with a reason reads it; it changes nothing
def person(request, incident_id, person_id):
    shown = access.get_for(request, Incident, incident_id)
    access.get_for(request, shown.people.all(), person_id, rule=access.can_read_person)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        opened = selectors.read_person(
            user=request.user,
            incident=shown,
            person_id=person_id,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        return render(
            request,
            "incidents/person.html",
            {
                "incident": shown,
                "person": opened,
                "disclosures": selectors.disclosures_of(opened),
                "today": timezone.localdate(),
                "can_export": access.can_export_person(request.user, request.partnership, opened),
                "can_correct": access.can_correct_person(request.user, request.partnership, opened),
                "can_manage_list": access.can_manage_person_need_to_know(
                    request.user, request.partnership, opened
                ),
            },
        )
    return render(request, "incidents/person_reason.html", {"incident": shown, "form": form})


@access.requires(access.can_manage_incident)
@access.allowed_when_closed  # a person may ask for their record to be put right long after closing
def person_edit(request, incident_id, person_id):
    shown = access.get_for(request, Incident, incident_id)
    if shown.personal_data_erased_at:  # refused before the record is read for a form it would refuse
        access.deny(request, reason="personal data erased", message=services.ERASED_RECORD)
    access.get_for(request, shown.people.all(), person_id, rule=access.can_correct_person)
    person = selectors.read_person(
        user=request.user,
        incident=shown,
        person_id=person_id,
        reason="Opened to correct the record",
        request=request,
    )
    form = forms.CorrectPersonForm(
        request.POST or None,
        partnership=request.partnership,
        initial=forms.CorrectPersonForm.initial_from(person),
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading="Correct the record of a person affected",
        button="Save the correction",
        save=lambda data: services.correct_person_affected(
            person=person, by=request.user, request=request, **revised(data)
        ),
        success="The record was corrected. What it said before is kept with it.",
        done=reverse("incidents:people", args=[shown.pk]),
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed  # who may read a record is decided long after closing (a subject-access request)
def person_need_to_know(request, incident_id, person_id):
    """Who may read one record, ticked and saved as a whole; refused if someone changed it meanwhile."""
    shown = access.get_for(request, Incident, incident_id)
    person = access.get_for(
        request,
        shown.people.select_related("incident__partnership"),
        person_id,
        rule=access.can_manage_person_need_to_know,
    )
    entries = selectors.person_need_to_know_to_change(person, request.user)
    on_list = [entry.user for entry in entries]
    form = forms.PersonNeedToKnowForm(
        request.POST or None,
        partnership=request.partnership,
        lead=shown.partnership,
        on_list=on_list,
        kept=[entry.user for entry in entries if not entry.may_take_off],
        initial=forms.PersonNeedToKnowForm.initial_from(person, on_list),
    )
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form, thing="list") as refused:
            added, removed = services.change_person_need_to_know(
                person=person,
                users=form.cleaned_data["users"],
                by=request.user,
                expected_revision=form.cleaned_data["revision"],
                request=request,
            )
            messages.success(request, _list_change_message(added, removed))
            if request.user in removed:
                return redirect("incidents:people", incident_id=shown.pk)
            return redirect("incidents:person_need_to_know", incident_id=shown.pk, person_id=person.pk)
        if refused.conflict:
            entries = selectors.person_need_to_know_to_change(person, request.user)
    return render(
        request,
        "incidents/person_need_to_know.html",
        {
            "incident": shown,
            "person": person,
            "form": form,
            "entries": entries,
            # Kept on the list as not theirs to take off: the lead partnership's people.
            "not_theirs": [
                entry.user for entry in entries if not entry.may_take_off and not entry.kept_because
            ],
            "button": "Save the list",
        },
    )


def _list_change_message(added, removed) -> str:
    if not added and not removed:
        return "Nothing changed: the list is as it was."
    parts = []
    if added:
        parts.append("added " + ", ".join(str(user) for user in added))
    if removed:
        parts.append("taken off " + ", ".join(str(user) for user in removed))
    return f"Who may read this record was changed: {'; '.join(parts)}."


@access.requires(access.can_manage_incident)
@access.allowed_when_closed  # as each record's own list: who reads the records is decided while they are kept
def need_to_know(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_manage_need_to_know)
    entries = selectors.need_to_know_to_change(shown, request.user)
    return form_page(
        request,
        forms.NeedToKnowForm(
            request.POST or None,
            partnership=request.partnership,
            on_list=[entry.user_id for entry in entries],
        ),
        save=lambda data: services.add_to_need_to_know(
            incident=shown,
            user=data["user"],
            by=request.user,
            with_records=data["with_records"],
            request=request,
        ),
        success=lambda entry: f"{entry.user} is on the need-to-know list.",
        done=reverse("incidents:need_to_know", args=[shown.pk]),
        template="incidents/need_to_know.html",
        context={
            "incident": shown,
            "entries": entries,
            # Kept on the list as not theirs to take off: the lead partnership's people.
            "only_their_own": any(not entry.may_take_off and not entry.kept_because for entry in entries),
        },
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
@require_POST
def need_to_know_remove(request, incident_id, entry_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_manage_need_to_know)
    entry = selectors.need_to_know_entry(shown, entry_id)
    with errors_as_message(request):
        services.remove_from_need_to_know(entry=entry, by=request.user, request=request)
        messages.success(request, f"{entry.user} was taken off the need-to-know list.")
    return redirect("incidents:need_to_know", incident_id=shown.pk)
