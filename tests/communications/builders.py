"""Test data for communications: a press statement drafted on the demo incident."""

from datetime import timedelta

from django.utils import timezone

from svtoolkit.communications import services
from tests.incidents.builders import demo_incident


def demo_message(demo, demo_users, incident=None, *, approvers=None, names_or_images=False):
    """A press statement by the responder, for the police to sign off unless ``approvers`` says (marked as
    naming someone affected with ``names_or_images``)."""
    incident = incident or demo_incident(demo, demo_users)[0]
    return services.draft_message(
        incident=incident,
        by=demo_users["responder"],
        kind="press",
        title="Statement on the stabbing near Northbridge Academy",
        body="Partners are working together to support the school community.",
        audience="Press and public",
        channel="Council website",
        planned_for=timezone.now() + timedelta(hours=1),
        names_or_images=names_or_images,
        approvers=approvers if approvers is not None else [demo.organisations.get(kind="police")],
    )
