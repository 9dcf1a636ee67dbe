"""Community tension pages. Thin: incidents are found through the access rules; changes through services."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.forms import errors_as_message
from svtoolkit.incidents.pages import incident_form_page, incident_section
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.tension import selectors, services
from svtoolkit.tension.forms import ReadingForm
from svtoolkit.tension.scale import scale


@access.requires(access.is_member)
@incident_section("tension/overview.html")
def overview(request, shown):
    trends = selectors.trends(shown)
    return {
        "trends": trends,
        "labels": selectors.level_labels(),
        "scale": scale(),
        "suggestions": list(enumerate(scale()["suggested_actions"]))
        if any(t.above_alert for t in trends)
        else [],
        "in_the_plan": selectors.suggestions_in_the_plan(shown),
        "can_work": access.can_work_incident_now(request.user, request.partnership, shown),
        "uses_charts": bool(trends),
    }


@access.requires(access.can_work_incident)
def record_reading(request, incident_id):
    shown = incident_for_request(request, incident_id)
    form = ReadingForm(
        request.POST or None, initial={"observed_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading="Record a tension reading",
        button="Record the reading",
        save=lambda data: services.record_reading(incident=shown, by=request.user, request=request, **data),
        success=_recorded,
        done=reverse("tension:overview", args=[shown.pk]),
    )


def _recorded(recorded: services.Recorded) -> str:
    if not recorded.crossed:
        return "The reading was recorded."
    if recorded.lead_told:
        return "Recorded. Tension is past the alert level; the lead has been told. See the actions below."
    return (
        "Recorded. Tension is past the alert level. No lead officer is named to tell: nobody was alerted."
        " See the actions below."
    )


@access.requires(access.can_manage_incident)
@require_POST
def add_suggested_action(request, incident_id, index):
    shown = incident_for_request(request, incident_id)
    with errors_as_message(request):
        action = services.add_suggested_action(incident=shown, by=request.user, index=index, request=request)
        messages.success(request, f"“{action.title}” was added to the plan.")
    return redirect("tension:overview", incident_id=shown.pk)
