"""The page that links an incident to another."""

from django.contrib import messages
from django.shortcuts import render

from svtoolkit import access
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.incidents.links import services
from svtoolkit.incidents.links.forms import LinkForm
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.views import to_incident


@access.requires(access.can_manage_incident)
def link_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            link = services.link_incidents(
                incident=shown, by=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"The incident is linked to {link.linked.reference}.")
            return to_incident(shown, "links")
    return render(
        request,
        "incidents/simple_form.html",
        {"incident": shown, "form": form, "heading": "Link another incident", "button": "Link the incidents"},
    )
