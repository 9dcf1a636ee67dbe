"""Pages for the retention period and subject-access exports."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from svtoolkit import access
from svtoolkit.attachments.selectors import files_still_to_delete
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import show_incident_form
from svtoolkit.incidents.people.forms import ReasonForm
from svtoolkit.recovery.retention import selectors, services
from svtoolkit.recovery.retention.forms import RetentionForm


@access.requires(access.can_manage_retention)
def retention(request):
    partnership = request.partnership
    initial = {"years": partnership.personal_data_retention_years, "revision": partnership.retention_revision}
    form = RetentionForm(request.POST or None, initial=initial)
    at_once = []
    if request.method == "POST" and form.is_valid():
        years = form.cleaned_data["years"]
        # Erasure cannot be undone: a shorter period that makes records due at once is confirmed first.
        at_once = selectors.due_at_once_under(partnership, years)
        if not at_once or request.POST.get("confirmed") == str(years):
            with errors_shown_on(form, thing=None):
                services.set_retention_period(
                    partnership=partnership,
                    years=years,
                    expected_revision=form.cleaned_data["revision"],
                    by=request.user,
                    request=request,
                )
                messages.success(request, "The retention period was saved.")
                return redirect("recovery:retention")
            at_once = []  # refused: the form now shows the stored period, to be saved (and confirmed) again
    return render(
        request,
        "recovery/retention.html",
        {
            "form": form,
            "due": selectors.due_for_erasure(partnership),
            "at_once": at_once,
            "files_still_to_delete": files_still_to_delete(partnership),
        },
    )


@never_cache
@access.requires(access.can_manage_retention)
@access.allowed_when_closed  # subject-access requests arrive long after closing; an export changes nothing
def subject_access(request, incident_id, person_id):
    shown = access.get_for(request, Incident, incident_id)
    access.get_for(request, shown.people.all(), person_id, rule=access.can_export_person)
    form = ReasonForm(
        request.POST or None,
        question="Why are you exporting this person's data?",
        help_text="For example: subject-access request received 3 March. It is audited.",
    )
    if request.method == "POST" and form.is_valid():
        export = services.export_subject_access(
            user=request.user,
            incident=shown,
            person_id=person_id,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        # Everything held about a person affected: personal data, never less than OFFICIAL-SENSITIVE.
        marking = downloads.marking_for(personal_data=True)
        return downloads.download(
            downloads.json_bytes(export, marking=marking),
            filename=f"subject-access-{shown.reference}-{person_id}.json",
            exercise=shown.is_exercise,
            content_type="application/json; charset=utf-8",
            marking=marking,
        )
    return show_incident_form(
        request, shown, form, heading="Export everything held about this person", button="Download"
    )
