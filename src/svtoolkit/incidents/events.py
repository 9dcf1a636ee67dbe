"""What incidents announce to other systems (through svtoolkit.core.events), and the payloads they carry.

Payloads name the incident (reference, types, categories, status, a link) and the codes of what changed;
never the people affected, nor anything a person typed (summaries, rationales, notes, action titles).
"""

from django.conf import settings
from django.urls import reverse

from svtoolkit.core import events
from svtoolkit.incidents.models import EscalationStep

STEP_CODES = {EscalationStep.OWNER: "owner", EscalationStep.SPOC: "spoc", EscalationStep.LEAD: "lead"}


def incident_payload(incident, *, categorisation=None) -> dict:
    if categorisation is None:
        categorisation = incident.categorisations.order_by("-decided_at", "-id").first()
    return {
        "id": incident.pk,
        "reference": incident.reference,
        "types": list(incident.incident_types),
        "categories": sorted(categorisation.categories) if categorisation else [],
        "status": incident.status,
        "is_exercise": incident.is_exercise,
        "url": settings.SITE_URL + reverse("incidents:incident", args=[incident.pk]),
    }


def publish_categorised(*, categorisation) -> None:
    incident = categorisation.incident
    events.publish(
        events.INCIDENT_CATEGORISED,
        partnership=incident.partnership,
        payload={
            "incident": incident_payload(incident, categorisation=categorisation),
            "categorisation": {
                "serious_violence": categorisation.serious_violence,
                "meeting_needed": categorisation.meeting_needed,
                "cross_borough": categorisation.cross_borough,
                "decided_at": categorisation.decided_at.isoformat(),
            },
        },
    )


def publish_escalated(*, action, step: int) -> None:
    incident = action.incident
    events.publish(
        events.ACTION_ESCALATED,
        partnership=incident.partnership,
        payload={
            "incident": incident_payload(incident),
            "action": {
                "id": action.pk,
                "status": action.status,
                "due_at": action.due_at.isoformat(),
                "owner_organisation": str(action.owner_organisation) if action.owner_organisation else None,
                "escalated_to": STEP_CODES[step],
                "url": settings.SITE_URL + reverse("incidents:action", args=[incident.pk, action.pk]),
            },
        },
    )
