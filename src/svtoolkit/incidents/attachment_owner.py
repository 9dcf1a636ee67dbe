"""Incidents take files (see svtoolkit.attachments): registered in IncidentsConfig.ready, with the section on
the incident page."""

from operator import attrgetter

from django.urls import reverse

from svtoolkit import access
from svtoolkit.attachments.owners import OwnerKind
from svtoolkit.attachments.selectors import attachments_section
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.services import refuse_if_closed_meanwhile


def part_of_incident(*, name, model, page_url, label) -> OwnerKind:
    """A part of an incident that takes files (a meeting, a review): found only when its incident is visible
    to this person; files are added to it by those who may add them to the incident, while it is open."""
    return OwnerKind(
        name=name,
        model=model,
        found_in=lambda request: model.objects.select_related("incident").filter(
            incident__in=access.visible_incidents(request.user, request.partnership)
        ),
        attach_rule=access.can_attach_files,
        checked_against=attrgetter("incident"),
        refuse_if_closed=lambda part: refuse_if_closed_meanwhile(part.incident),
        is_exercise=attrgetter("incident.is_exercise"),
        page_url=page_url,
        label=label,
    )


INCIDENT = OwnerKind(
    name="incident",
    model=Incident,
    found_in=lambda request: Incident,
    attach_rule=access.can_attach_files,
    refuse_if_closed=refuse_if_closed_meanwhile,
    is_exercise=attrgetter("is_exercise"),
    page_url=lambda incident: reverse("incidents:incident", args=[incident.pk]),
    label=lambda incident: incident.reference,
)


def incident_attachments_panel(*, incident, user, partnership) -> dict:
    return attachments_section(incident, user=user, partnership=partnership)
