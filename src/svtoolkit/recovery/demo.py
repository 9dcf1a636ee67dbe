"""Demo after-care for Northbridge: the Eastgate shooting, in recovery, with its review under way."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from svtoolkit.incidents.models import Incident
from svtoolkit.playbooks.selectors import published_version
from svtoolkit.recovery import services
from svtoolkit.recovery.models import Debrief
from svtoolkit.recovery.review import services as review_services


@transaction.atomic
def seed_demo_recovery(*, partnership, users) -> None:
    """Skipped once the shooting has a review, so seeding twice changes nothing."""
    incident = Incident.objects.filter(partnership=partnership, title__startswith="Shots fired").first()
    if incident is None or Debrief.objects.filter(incident=incident).exists():
        return
    responder = users["responder"]
    organisations = {org.kind: org for org in partnership.organisations.all()}
    services.confirm_anniversary(incident=incident, by=responder, index=0)
    services.add_milestone(
        incident=incident,
        by=responder,
        kind="court",
        title="Plea hearing at Northbridge Crown Court",
        date=timezone.localdate() + timedelta(days=5),
    )
    debrief = review_services.start_review(incident=incident, by=responder)
    review_services.contribute_to_review(
        debrief=debrief,
        organisation=organisations["council"],
        by=responder,
        went_well="Estate patrols and the residents' meeting were arranged within a day.",
        went_badly="The housing team heard about the shooting from residents, not from us.",
        to_change="Add the housing provider to the first round of partners informed.",
    )
    review_services.contribute_to_review(
        debrief=debrief,
        organisation=organisations["police"],
        by=users["police"],
        went_well="Arrests within 48 hours; the dispersal order was agreed quickly.",
        went_badly="Youth workers were not briefed before the dispersal order began.",
        to_change="Brief detached youth workers before any dispersal order starts.",
    )
    version = published_version(partnership)
    item = version.items.filter(retired=False, action__icontains="inform").first() if version else None
    review_services.record_lesson(
        incident=incident,
        by=responder,
        title="Tell the housing provider straight away",
        detail="Residents told the housing team before partners did, and trust suffered on the estate.",
        item_key=item.key if item else "",
        proposed_guidance=(
            "Include the housing provider of the estate where it happened in the first partners informed."
            if item
            else ""
        ),
    )
    review_services.add_follow_up(
        incident=incident,
        by=responder,
        title="Agree a youth-work briefing step for dispersal orders",
        owner_organisation=organisations["police"],
        due_on=timezone.localdate() + timedelta(days=30),
    )
