"""Incidents take files (see svtoolkit.attachments): registered in IncidentsConfig.ready, with the section on
the incident page."""

from django.shortcuts import get_object_or_404
from django.urls import reverse

from svtoolkit import access
from svtoolkit.attachments.owners import OwnerKind
from svtoolkit.attachments.selectors import attachments_section
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.selectors import incident_for_request


def part_for_request(request, model, pk):
    """A part of an incident (a meeting, a review), found only when its incident is visible to this person
    and, for a change, still open."""
    part = get_object_or_404(model.objects.select_related("incident"), pk=pk)
    incident_for_request(request, part.incident_id)
    return part


def may_attach_to_part(user, partnership, part) -> bool:
    return access.can_attach_files(user, partnership, part.incident)


INCIDENT = OwnerKind(
    name="incident",
    model=Incident,
    fetch=incident_for_request,
    may_attach=access.can_attach_files,
    page_url=lambda incident: reverse("incidents:incident", args=[incident.pk]),
    label=lambda incident: incident.reference,
)


def incident_attachments_panel(*, incident, user, partnership) -> dict:
    return attachments_section(incident, user=user, partnership=partnership)
