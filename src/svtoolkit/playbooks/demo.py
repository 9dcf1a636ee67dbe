"""Demo data for the checklist: Northbridge's published checklist, two readiness assessments, an exercise."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from svtoolkit.playbooks import services
from svtoolkit.playbooks.models import Playbook, ReadinessStatus

# Which areas Northbridge has largely in place, and which it is still working on.
READY_AREAS = {"preparation", "incident-reporting", "leadership", "communications"}
PROGRESSING_AREAS = {"critical-incident-meeting", "health", "education"}


@transaction.atomic
def seed_demo_checklist(*, partnership, users) -> None:
    """Adopt and publish the default checklist, assess it twice and plan an exercise; skipped if set up."""
    if Playbook.objects.filter(partnership=partnership).exists():
        return
    coordinator = users["coordinator"]
    first = services.adopt_default_playbook(partnership=partnership, by=coordinator)
    services.publish_draft(
        version=first,
        by=coordinator,
        change_note="Adopted from svtoolkit's default checklist.",
        expected_revision=first.revision,
    )
    today = timezone.localdate()
    earlier = services.start_assessment(
        partnership=partnership, by=coordinator, assessed_on=today - timedelta(days=91)
    )
    _rate(earlier, coordinator, ready=READY_AREAS - {"communications"}, progressing=PROGRESSING_AREAS)
    latest = services.start_assessment(
        partnership=partnership, by=coordinator, assessed_on=today - timedelta(days=7)
    )
    _rate(latest, coordinator, ready=READY_AREAS, progressing=PROGRESSING_AREAS | {"safeguarding-support"})
    services.start_exercise(
        partnership=partnership,
        by=coordinator,
        title="Operation Lantern: stabbing near a secondary school",
        scenario=(
            "At 15:40 on a school day a 16-year-old is stabbed at the bus stop outside Northbridge Academy. "
            "Footage of the attack circulates on social media within the hour and rumours name a rival group."
        ),
        incident_types=["knife"],
        categories=["young_person", "critical_meeting"],
        planned_for=today + timedelta(days=21),
        organisations=partnership.organisations.filter(
            kind__in=["police", "council", "education", "health_hospital"]
        ),
    )


def _rate(assessment, coordinator, *, ready, progressing):
    for rating in assessment.ratings.select_related("item__area"):
        area = rating.item.area.key
        if area in ready:
            status, next_step = ReadinessStatus.READY, ""
        elif area in progressing:
            status, next_step = (
                ReadinessStatus.IN_PROGRESS,
                "Agree the process at the next partnership board.",
            )
        else:
            continue
        services.rate_item(
            rating=rating,
            by=coordinator,
            expected_revision=rating.revision,
            status=status,
            evidence="Recorded in the partnership's protocol." if status == ReadinessStatus.READY else "",
            next_step=next_step,
            owner=coordinator,
            target_date=None,
        )
