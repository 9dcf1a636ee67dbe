"""Two coordinators working on one checklist draft at the same moment: a change or a publish begun as a
colleague publishes or discards the draft is refused, saying so, and changes nothing.

PostgreSQL only: SQLite takes one writer at a time."""

import pytest
from django.db import connection

from svtoolkit.playbooks import selectors, services
from svtoolkit.playbooks.models import Item
from tests.incidents.test_incident_locks import WAIT, Paused, in_thread
from tests.playbooks.builders import colleague_of, draft_ended

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


@pytest.fixture
def draft(demo, demo_users):
    coordinator = demo_users["coordinator"]
    first = services.adopt_default_playbook(partnership=demo, by=coordinator)
    services.publish_draft(
        version=first, by=coordinator, change_note="First", expected_revision=first.revision
    )
    return services.start_draft(playbook=first.playbook, by=coordinator)


@pytest.fixture
def colleague(demo):
    return colleague_of(demo)


@pytest.mark.parametrize("then", ["published", "discarded"])
@pytest.mark.parametrize("saving", ["an item", "the draft", "the discard"])
def test_a_change_begun_as_a_colleague_publishes_or_discards_the_draft_is_refused_saying_so(
    demo, demo_users, draft, colleague, monkeypatch, then, saving
):
    coordinator = demo_users["coordinator"]
    item = draft.items.select_related("version__playbook", "area").order_by("pk").first()
    fields = {name: getattr(item, name) for name in services.ITEM_FIELDS} | {"action": "Mine"}
    save = {
        "an item": lambda: services.update_item(
            item=item, by=coordinator, expected_revision=item.revision, **fields
        ),
        "the draft": lambda: services.publish_draft(
            version=draft, by=coordinator, change_note="Mine", expected_revision=draft.revision
        ),
        "the discard": lambda: services.discard_draft(version=draft, by=coordinator),
    }[saving]
    paused = Paused(services._require_draft)
    monkeypatch.setattr(services, "_require_draft", paused)
    saving_thread, saved = in_thread(save)
    try:
        assert paused.reached.wait(WAIT)  # the save has found the draft a draft, and goes on
        told = draft_ended(demo, colleague, then)
    finally:
        paused.go.set()
        saving_thread.join(WAIT)
    assert told in str(saved.get("error")), saved
    assert not Item.objects.filter(action="Mine").exists()
    assert selectors.draft_version(demo) is None
    if then == "published":
        assert selectors.published_version(demo).change_note == "Their note"
