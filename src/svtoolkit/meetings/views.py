"""Meeting pages. Thin: incidents are found through the access rules; changes go through services."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from svtoolkit import access
from svtoolkit.attachments.selectors import attachments_section
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.core.pages import form_page
from svtoolkit.incidents.pages import incident_form_page, incident_section
from svtoolkit.incidents.selectors import incident_for_request, incident_page
from svtoolkit.meetings import forms, selectors, services
from svtoolkit.meetings.calendar import meeting_calendar
from svtoolkit.meetings.models import MeetingStatus


@access.requires(access.is_member)
@incident_section("meetings/list.html")
def meetings(request, shown):
    return {"meetings": selectors.meetings_of(shown)}


@access.requires(access.can_manage_incident)
def schedule(request, incident_id):
    shown = incident_for_request(request, incident_id)
    initial = {
        "kind": "critical_incident",
        # Two hours on in elapsed time, then on the hour: never a time the clocks skip.
        "starts_at": timezone.localtime(timezone.now() + timedelta(hours=2)).replace(
            minute=0, second=0, microsecond=0
        ),
        "chair": request.user,
        "organisations": [p.organisation_id for p in shown.participations.all()],
        "agenda": selectors.draft_agenda(shown),
    }
    return form_page(
        request,
        forms.ScheduleForm(
            request.POST or None, initial=initial, partnership=request.partnership, incident=shown
        ),
        save=lambda data: services.schedule_meetings(
            incident=shown, by=request.user, request=request, **data
        ),
        success=_scheduled,
        done=lambda scheduled: reverse("meetings:meeting", args=[shown.pk, scheduled[0].pk]),
        template="meetings/schedule.html",
        context={"incident": shown},
    )


def _scheduled(scheduled) -> str:
    """What scheduling says: the meetings scheduled, and any invited organisation no invitation reaches."""
    said = (
        "The meeting is scheduled and invitations are on their way."
        if len(scheduled) == 1
        else f"{len(scheduled)} meetings are scheduled and invitations are on their way."
    )
    for organisation in selectors.organisations_not_reached(scheduled[0]):
        said += (
            f" {organisation.name} has no contact with an email address (on this incident, or as its single"
            " point of contact), so it was sent no invitation: invite it another way."
        )
    return said


def _meeting_for(request, incident_id, meeting_id):
    """The incident (found through its access rules) and one of its meetings, or 404."""
    shown = incident_for_request(request, incident_id)
    return shown, selectors.meeting_in(shown, meeting_id)


@access.requires(access.is_member)
def meeting(request, incident_id, meeting_id):
    shown, found = _meeting_for(request, incident_id, meeting_id)
    return render(
        request,
        "meetings/meeting.html",
        {
            "incident": shown,
            "meeting": found,
            "attendance": found.attendance.select_related("organisation"),
            "can_manage": access.can_manage_incident_now(request.user, request.partnership, shown),
            "attachments_section": attachments_section(
                found, user=request.user, partnership=request.partnership
            ),
        },
    )


@never_cache
@access.requires(access.is_member)
def calendar_file(request, incident_id, meeting_id):
    _, found = _meeting_for(request, incident_id, meeting_id)
    return downloads.download(
        meeting_calendar(found),
        filename=f"{found.incident.reference}-meeting.ics",
        exercise=found.incident.is_exercise,
        content_type="text/calendar; charset=utf-8",
        marking=downloads.marking_for(personal_data=False),
    )


@access.requires(access.is_member)
def pack(request, incident_id, meeting_id):
    shown, found = _meeting_for(request, incident_id, meeting_id)
    context = incident_page(shown, user=request.user, partnership=request.partnership)
    return render(request, "meetings/pack.html", {**context, "meeting": found})


def _errors(form, *row_sets):
    """(anchor, message) for every error of the form and of each set of rows (its own and its rows'), for one
    error summary above them all."""
    found = _form_errors(form)
    for rows in row_sets:
        found += [("main-content", error) for error in rows.non_form_errors()]
        for row in rows:
            found += _form_errors(row)
    return found


def _form_errors(form):
    found = [("main-content", error) for error in form.non_field_errors()]
    for field in form:
        found += [(field.auto_id, error) for error in field.errors]
    return found


@access.requires(access.can_manage_incident)
def outcome(request, incident_id, meeting_id):
    shown, found = _meeting_for(request, incident_id, meeting_id)
    data = request.POST or None
    form = forms.OutcomeForm(data, meeting=found, initial={"minutes": found.minutes})
    decisions = forms.DecisionRows(data, prefix="decision")
    actions = forms.ActionRows(
        data, prefix="action", form_kwargs={"partnership": request.partnership, "incident": shown}
    )
    if request.method == "POST" and all([form.is_valid(), decisions.is_valid(), actions.is_valid()]):
        with errors_shown_on(form):
            services.record_outcome(
                meeting=found,
                by=request.user,
                attended=list(form.cleaned_data["attended"]),
                minutes=form.cleaned_data["minutes"],
                decisions=[d for d in decisions.cleaned_data if d.get("what")],
                actions=[
                    {
                        "title": a["title"],
                        "owner_organisation": a["owner_organisation"],
                        "owner": None,
                        "due_at": a["due_at"],
                    }
                    for a in actions.cleaned_data
                    if a.get("title")
                ],
                request=request,
            )
            messages.success(
                request, "The outcome was recorded: decisions are in the log and actions in the plan."
            )
            return redirect("meetings:meeting", incident_id=shown.pk, meeting_id=found.pk)
    return render(
        request,
        "meetings/outcome.html",
        {
            "incident": shown,
            "meeting": found,
            "form": form,
            "decisions": decisions,
            "actions": actions,
            "errors": _errors(form, decisions, actions) if request.method == "POST" else [],
            # Said instead of the form; after a post refused meanwhile (a colleague cancelled it), the form
            # stays, with what was typed, under the refusal.
            "refused": "" if request.method == "POST" else services.outcome_refused_because(found),
        },
    )


@access.requires(access.can_manage_incident)
def cancel(request, incident_id, meeting_id):
    shown, found = _meeting_for(request, incident_id, meeting_id)
    over = found.is_over
    # Said instead of the form; after a post refused meanwhile, the form stays, with what was typed.
    refused = "" if request.method == "POST" else services.cancel_refused_because(found)
    if found.status != MeetingStatus.PLANNED:
        heading = f"The {found}"
    else:
        heading = f"The {found} did not take place" if over else f"Cancel the {found}"
    return incident_form_page(
        request,
        shown,
        forms.CancelForm(request.POST or None, meeting=found),
        heading=heading,
        button="Record that it did not take place" if over else "Cancel the meeting",
        save=lambda data: services.cancel_meeting(
            meeting=found, by=request.user, reason=data["reason"], request=request
        ),
        success=lambda cancelled: (
            "The meeting is recorded as not having taken place."
            if cancelled.is_over
            else "The meeting is cancelled and those invited are being told."
        ),
        done=reverse("meetings:meeting", args=[shown.pk, found.pk]),
        unavailable=refused,
    )
