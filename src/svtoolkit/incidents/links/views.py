"""The page that links an incident to another."""

from svtoolkit import access
from svtoolkit.incidents.links import services
from svtoolkit.incidents.links.forms import LinkForm
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_url


@access.requires(access.can_manage_incident)
def link_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id)
    return incident_form_page(
        request,
        shown,
        LinkForm(request.POST or None),
        heading="Link another incident",
        button="Link the incidents",
        save=lambda data: services.link_incidents(incident=shown, by=request.user, request=request, **data),
        success=lambda link: f"The incident is linked to {link.linked.reference}.",
        done=incident_url(shown, "links"),
    )
