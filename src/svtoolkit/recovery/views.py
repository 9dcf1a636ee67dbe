"""After an incident: the recovery calendar, support for those affected, the review and lessons, closing,
and how long personal data is kept."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_as_message, initial_from, revised
from svtoolkit.incidents.deadlines import statutory_deadlines
from svtoolkit.incidents.pages import incident_form_page, incident_section, show_incident_form, their_version
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.recovery import selectors, services
from svtoolkit.recovery.calendar import milestones_calendar
from svtoolkit.recovery.forms import MilestoneChangeForm, MilestoneForm, MilestoneRemoveForm

CHANGE_HEADING = "Change a date on the recovery calendar"


@access.requires(access.is_member)
@incident_section("recovery/incident.html")
def incident_calendar(request, shown):
    # The calendar is kept after closing (its changes are allowed_when_closed): offered on a closed incident.
    can_manage = access.can_manage_incident(request.user, request.partnership)
    return {
        "milestones": selectors.milestones_of(shown),
        "deadlines": statutory_deadlines(shown),
        "proposals": services.proposed_anniversaries(shown) if can_manage else [],
        "can_manage": can_manage,
    }


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
@require_POST
def confirm_anniversary(request, incident_id, index):
    shown = incident_for_request(request, incident_id)
    with errors_as_message(request):
        milestone = services.confirm_anniversary(
            incident=shown, by=request.user, index=index, request=request
        )
        messages.success(request, f"{milestone.title} ({milestone.date:%d %B %Y}) is on the calendar.")
    return redirect("recovery:incident", incident_id=shown.pk)


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
def milestone_add(request, incident_id):
    shown = incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        MilestoneForm(request.POST or None),
        heading="Add a date to the recovery calendar",
        button="Add",
        save=lambda data: services.add_milestone(incident=shown, by=request.user, request=request, **data),
        success="The date is on the recovery calendar.",
        done=reverse("recovery:incident", args=[shown.pk]),
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
def milestone_change(request, incident_id, milestone_id):
    shown = incident_for_request(request, incident_id)
    if _taken_off_meanwhile(request, shown, milestone_id):
        typed = MilestoneChangeForm(request.POST)
        typed.is_valid()
        typed.add_error(None, services.MILESTONE_GONE)
        return show_incident_form(request, shown, typed, heading=CHANGE_HEADING, button="Save")
    milestone = selectors.milestone_on(shown, milestone_id)
    form = MilestoneChangeForm(
        request.POST or None, initial=initial_from(milestone, "kind", "title", "date", "notes", "revision")
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading=CHANGE_HEADING,
        button="Save",
        save=lambda data: services.change_milestone(
            milestone=milestone, by=request.user, request=request, **revised(data)
        ),
        success="The date on the recovery calendar was changed.",
        done=reverse("recovery:incident", args=[shown.pk]),
        thing="date",
        on_conflict=their_version(milestone, _milestone_rows),
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
def milestone_remove(request, incident_id, milestone_id):
    shown = incident_for_request(request, incident_id)
    if _taken_off_meanwhile(request, shown, milestone_id):
        messages.info(request, services.MILESTONE_GONE)
        return redirect("recovery:incident", shown.pk)
    milestone = selectors.milestone_on(shown, milestone_id)
    return incident_form_page(
        request,
        shown,
        MilestoneRemoveForm(request.POST or None, initial={"revision": milestone.revision}),
        heading=f"Take {milestone.title} ({milestone.date:%d %B %Y}) off the recovery calendar?",
        intro="It leaves partners' calendars and is not reminded of. The timeline and the audit log keep it.",
        button="Remove this date",
        save=lambda data: services.remove_milestone(
            milestone=milestone, by=request.user, expected_revision=data["revision"], request=request
        ),
        success=f"{milestone.title} was taken off the recovery calendar.",
        done=reverse("recovery:incident", args=[shown.pk]),
        thing=None,  # the service says what changed: it was moved, or removed, meanwhile
        on_conflict=their_version(milestone, _milestone_rows),
    )


def _taken_off_meanwhile(request, incident, milestone_id) -> bool:
    """A page about a date on the recovery calendar answered after a colleague took it off: said so, not
    Page not found (which a link to it opened afterwards still answers)."""
    return request.method == "POST" and not incident.milestones.filter(pk=milestone_id).exists()


def _milestone_rows(milestone) -> list:
    return [
        ("Kind", milestone.get_kind_display()),
        ("Title", milestone.title),
        ("Date", f"{milestone.date:%d %B %Y}"),
        ("Notes", milestone.notes),
    ]


@access.requires(access.is_member)
def calendar(request):
    return render(
        request,
        "recovery/calendar.html",
        {
            "milestones": selectors.upcoming_for(request.user, request.partnership),
            "has_feed": selectors.has_live_feed(request.user),
        },
    )


@access.signed_in
@require_POST
def feed_issue(request):
    token = services.issue_feed(user=request.user, request=request)
    link = request.build_absolute_uri(reverse("recovery:feed", args=[token]))
    return render(request, "recovery/feed_issued.html", {"link": link})


@access.signed_in
@require_POST
def feed_revoke(request):
    services.revoke_feeds(user=request.user, request=request)
    messages.success(request, "Your calendar link no longer works.")
    return redirect("recovery:calendar")


@never_cache
@access.public
def feed(request, token):
    owner = selectors.feed_owner(token)
    if owner is None:
        return HttpResponse("This calendar link is not valid.", status=404, content_type="text/plain")
    # Served inline: calendar programs subscribe to the address rather than save a file.
    return downloads.download(
        milestones_calendar(selectors.feed_milestones(owner)),
        filename="svtoolkit-recovery.ics",
        content_type="text/calendar; charset=utf-8",
        marking=downloads.marking_for(personal_data=False),
        inline=True,
    )
