"""Test data for the checklist: a published first version with a draft of the second, an assessment and an
exercise."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse

from svtoolkit.playbooks import selectors, services
from svtoolkit.playbooks.models import ReadinessStatus
from tests.factories import MembershipFactory


@dataclass
class Checklist:
    draft: object
    assessment: object
    exercise: object


def demo_checklist(demo, coordinator) -> Checklist:
    """Version 1 published, version 2 drafted, an assessment started and Operation Lantern planned."""
    first = services.adopt_default_playbook(partnership=demo, by=coordinator)
    services.publish_draft(
        version=first, by=coordinator, change_note="First version", expected_revision=first.revision
    )
    draft = services.start_draft(playbook=first.playbook, by=coordinator)
    assessment = services.start_assessment(partnership=demo, by=coordinator)
    return Checklist(draft, assessment, planned_exercise(demo, coordinator))


def planned_exercise(demo, coordinator, **changes):
    """Operation Lantern, a stabbing outside a school rehearsed on 4 February 2027 with no organisation named,
    but for the ``changes``."""
    return services.start_exercise(
        **{
            "partnership": demo,
            "by": coordinator,
            "title": "Operation Lantern",
            "scenario": "A stabbing outside a secondary school at home time.",
            "incident_types": ["knife"],
            "categories": ["young_person"],
            "planned_for": date(2027, 2, 4),
            "organisations": [],
            **changes,
        }
    )


def rated(rating, by, **answer):
    """``rating`` answered by ``by`` with ``answer`` (not started, with nothing else, unless it says)."""
    blank = {
        "status": ReadinessStatus.NOT_STARTED,
        "evidence": "",
        "next_step": "",
        "owner": None,
        "target_date": None,
    }
    return services.rate_item(rating=rating, by=by, expected_revision=rating.revision, **(blank | answer))


def colleague_of(partnership):
    """A second coordinator, Priya Shah: she publishes or discards the draft while the first is at work."""
    return MembershipFactory(partnership=partnership, role="coordinator", user__full_name="Priya Shah").user


def draft_ended(partnership, by, then: str) -> str:
    """``by`` publishes the partnership's draft (``then`` "published") or discards it ("discarded"), and
    starts the next one when ``then`` ends "next started"; what a page opened on the draft is told since."""
    draft = selectors.draft_version(partnership)
    if then.startswith("discarded"):
        services.discard_draft(version=draft, by=by)
        told = f"This draft was discarded by {by}."
    else:
        services.publish_draft(
            version=draft, by=by, change_note="Their note", expected_revision=draft.revision
        )
        told = f"This draft was published as version {draft.number} by {by}. "
        told += "A published version cannot be changed."
    if then.endswith("next started"):
        services.start_draft(playbook=draft.playbook, by=by)
        return f"{told} Make your change in the draft started since."
    return f"{told} Start a new draft to make your change."


def first_item_of_a_new_draft(client, partnership):
    """``client`` starts a draft of ``partnership``'s checklist from the page; the draft's first item and the
    address of the page that changes it, as a coordinator opens it to edit."""
    client.post(reverse("playbooks:start_draft"))
    item = selectors.draft_version(partnership).items.order_by("pk").first()
    return item, reverse("playbooks:item_edit", args=[item.pk])
