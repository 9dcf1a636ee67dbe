"""Two coordinators working on one checklist draft at the same moment: a change or a publish begun as a
colleague publishes or discards the draft is refused, saying so, and changes nothing; of two starting a draft
(or adopting the checklist) at once, the second is handed what the first made, even when one of them is
accepting a lesson. Of two starting a readiness assessment at once, the second is given the first's; an answer
saved on an assessment as a colleague starts a newer one is refused.

PostgreSQL only: SQLite takes one writer at a time."""

import pytest
from django.db import connection

from svtoolkit.playbooks import selectors, services
from svtoolkit.playbooks.models import Item, Playbook
from svtoolkit.recovery.review import services as review_services
from tests.concurrency import _wait_for_lock_waiters
from tests.incidents.builders import demo_incident
from tests.incidents.test_incident_locks import WAIT, Paused, in_thread
from tests.playbooks.builders import colleague_of, draft_ended

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


@pytest.fixture
def published(demo, demo_users):
    coordinator = demo_users["coordinator"]
    first = services.adopt_default_playbook(partnership=demo, by=coordinator)
    return services.publish_draft(
        version=first, by=coordinator, change_note="First", expected_revision=first.revision
    )


@pytest.fixture
def draft(published, demo_users):
    return services.start_draft(playbook=published.playbook, by=demo_users["coordinator"])


@pytest.fixture
def colleague(demo):
    return colleague_of(demo)


def _saving(what: str, draft, *, by):
    """``by``'s change to ``draft`` (to its first item, or "Mine" where there is something to type), ready to
    run: "an item" changed, "an added item", "a retired item", "the draft" published or "the discard"."""
    item = draft.items.select_related("version__playbook", "area").order_by("pk").first()
    fields = {name: getattr(item, name) for name in services.ITEM_FIELDS} | {"action": "Mine"}
    return {
        "an item": lambda: services.update_item(item=item, by=by, expected_revision=item.revision, **fields),
        "an added item": lambda: services.add_item(area=item.area, by=by, **fields),
        "a retired item": lambda: services.set_item_retired(item=item, retired=True, by=by),
        "the draft": lambda: services.publish_draft(
            version=draft, by=by, change_note="Mine", expected_revision=draft.revision
        ),
        "the discard": lambda: services.discard_draft(version=draft, by=by),
    }[what]


@pytest.mark.parametrize("then", ["published", "discarded"])
@pytest.mark.parametrize("saving", ["an item", "an added item", "a retired item", "the draft", "the discard"])
def test_a_change_begun_as_a_colleague_publishes_or_discards_the_draft_is_refused_saying_so(
    demo, demo_users, draft, colleague, monkeypatch, then, saving
):
    save = _saving(saving, draft, by=demo_users["coordinator"])
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


def _both_at_once(first, second, *, paused):
    """``first`` run until ``paused`` (a step it takes, wrapped in ``Paused``) holds it inside its
    transaction, then ``second`` until it waits on a row or index ``first`` holds, then both to their end.
    Returns what each came to, as ``in_thread`` gives it."""
    first_thread, first_outcome = in_thread(first)
    second_thread = None
    try:
        assert paused.reached.wait(WAIT)
        second_thread, second_outcome = in_thread(second)
        _wait_for_lock_waiters(1)
    finally:
        paused.go.set()
        first_thread.join(WAIT)
        if second_thread is not None:
            second_thread.join(WAIT)
    return first_outcome, second_outcome


def test_two_coordinators_starting_a_draft_at_once_are_both_given_the_one_draft(
    demo, demo_users, published, colleague, monkeypatch
):
    paused = Paused(services.record_created)  # the first has made its draft, not yet committed it
    monkeypatch.setattr(services, "record_created", paused)
    first, second = _both_at_once(
        lambda: services.start_draft(playbook=published.playbook, by=demo_users["coordinator"]),
        lambda: services.start_draft(playbook=published.playbook, by=colleague),
        paused=paused,
    )
    assert "error" not in first and "error" not in second, (first, second)
    assert first["result"] == second["result"] == selectors.draft_version(demo)


def test_two_coordinators_adding_the_same_item_at_once_both_add_it(
    demo, demo_users, draft, colleague, monkeypatch
):
    """The defect: adding an item found its key free, then inserted it, holding nothing: a colleague adding
    the same wording to the same area in between made the insert break the key's uniqueness, a server error.
    Now the checklist is held first, so the second takes its turn and its item is given the next key."""
    area = draft.areas.exclude(phase="before").order_by("position").first()
    fields = {name: getattr(area.items.first(), name) for name in services.ITEM_FIELDS}
    fields["action"] = "Tell the council"
    paused = Paused(services.record_created)  # the first has added its item, not yet committed it
    monkeypatch.setattr(services, "record_created", paused)

    first, second = _both_at_once(
        lambda: services.add_item(area=area, by=demo_users["coordinator"], **fields),
        lambda: services.add_item(area=area, by=colleague, **fields),
        paused=paused,
    )

    assert "error" not in first and "error" not in second, (first, second)
    added = Item.objects.filter(version=draft, action="Tell the council")
    assert len({item.key for item in added}) == len({item.position for item in added}) == 2


def _lesson_changing(item, demo, demo_users):
    """A lesson of the demo incident proposing to reword ``item``, awaiting a coordinator's decision."""
    incident, _ = demo_incident(demo, demo_users)
    return review_services.record_lesson(
        incident=incident, by=demo_users["responder"], title="Tell schools sooner", detail="…",
        item_key=item.key, proposed_action="Tell the school before the end of the day",
    )  # fmt: skip


@pytest.mark.parametrize("first_to_start", ["the colleague", "the lesson"])
def test_a_lesson_accepted_as_a_colleague_starts_the_draft_goes_into_the_draft_they_share(
    demo, demo_users, published, colleague, monkeypatch, first_to_start
):
    item = published.items.order_by("pk").first()
    lesson = _lesson_changing(item, demo, demo_users)
    accepting = lambda: review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"])  # noqa: E731
    starting = lambda: services.start_draft(playbook=published.playbook, by=colleague)  # noqa: E731
    paused = Paused(services.record_created)
    monkeypatch.setattr(services, "record_created", paused)
    order = (starting, accepting) if first_to_start == "the colleague" else (accepting, starting)
    outcomes = _both_at_once(*order, paused=paused)
    assert all("error" not in outcome for outcome in outcomes), outcomes
    draft = selectors.draft_version(demo)
    assert draft.items.get(key=item.key).action == "Tell the school before the end of the day"
    lesson.refresh_from_db()
    assert lesson.accepted_into == draft


def test_a_lesson_accepted_as_a_colleague_discards_the_draft_waits_for_its_turn(
    demo, demo_users, draft, colleague, monkeypatch
):
    """Accepting a lesson holds the playbook, then the draft's item; a discard takes them in that order too,
    so neither waits for the other in a circle (PostgreSQL would fail one of them)."""
    lesson = _lesson_changing(draft.items.order_by("pk").first(), demo, demo_users)
    paused = Paused(services.start_draft)  # the lesson's change has the draft, not yet its item
    monkeypatch.setattr(services, "start_draft", paused)
    outcomes = _both_at_once(
        lambda: review_services.accept_lesson(lesson=lesson, by=demo_users["coordinator"]),
        lambda: services.discard_draft(version=draft, by=colleague),
        paused=paused,
    )
    assert all("error" not in outcome for outcome in outcomes), outcomes
    assert selectors.draft_version(demo) is None
    assert Playbook.objects.get(partnership=demo).discarded_draft_revision > draft.revision


def test_two_coordinators_adopting_the_checklist_at_once_adopt_it_once(
    demo, demo_users, colleague, monkeypatch
):
    paused = Paused(services.record)  # the first has copied the checklist, not yet committed it
    monkeypatch.setattr(services, "record", paused)
    first, second = _both_at_once(
        lambda: services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"]),
        lambda: services.adopt_default_playbook(partnership=demo, by=colleague),
        paused=paused,
    )
    assert "error" not in first, first
    assert str(second.get("error")) == "This partnership already has a checklist."
    assert Playbook.objects.filter(partnership=demo).count() == 1


@pytest.mark.parametrize("saving", ["an item", "an added item", "a retired item"])
def test_a_change_sent_while_a_colleague_is_discarding_the_draft_is_refused_saying_so(
    demo, demo_users, draft, colleague, monkeypatch, saving
):
    save = _saving(saving, draft, by=demo_users["coordinator"])
    paused = Paused(services.record_deleted)  # the discard holds the draft and its items, not yet deleted
    monkeypatch.setattr(services, "record_deleted", paused)
    discarded, saved = _both_at_once(
        lambda: services.discard_draft(version=draft, by=colleague), save, paused=paused
    )
    assert "error" not in discarded, discarded
    told = f"This draft was discarded by {colleague}. Start a new draft to make your change."
    assert told in str(saved.get("error")), saved
    assert not Item.objects.filter(action="Mine").exists()
    assert selectors.draft_version(demo) is None


def test_two_coordinators_starting_an_assessment_at_once_start_one_and_the_second_is_given_it(
    demo, demo_users, published, colleague, monkeypatch
):
    paused = Paused(services.record_created)  # the first has made its assessment, not yet committed it
    monkeypatch.setattr(services, "record_created", paused)
    first, second = _both_at_once(
        lambda: services.start_assessment(partnership=demo, by=demo_users["coordinator"], latest_seen=0),
        lambda: services.start_assessment(partnership=demo, by=colleague, latest_seen=0),
        paused=paused,
    )
    assert "error" not in first, first
    assert isinstance(second.get("error"), services.NewerAssessment), second
    assert second["error"].assessment == first["result"]
    assert list(selectors.assessments_of(demo)) == [first["result"]]


def test_an_answer_saved_as_a_colleague_starts_a_newer_assessment_is_refused_and_changes_nothing(
    demo, demo_users, published, colleague, monkeypatch
):
    older = services.start_assessment(partnership=demo, by=colleague)
    rating = older.ratings.select_related("assessment__partnership", "item").first()
    paused = Paused(services.record_created)
    monkeypatch.setattr(services, "record_created", paused)
    starting, saving = _both_at_once(
        lambda: services.start_assessment(
            partnership=demo, by=demo_users["coordinator"], latest_seen=older.pk
        ),
        lambda: services.rate_item(
            rating=rating, by=colleague, expected_revision=rating.revision, status="ready", evidence="Agreed",
            next_step="", owner=None, target_date=None,
        ),
        paused=paused,
    )  # fmt: skip
    assert "error" not in starting, starting
    assert isinstance(saving.get("error"), services.NewerAssessment), saving
    rating.refresh_from_db()
    assert rating.status == "not_started"
    # The newer assessment carried the older one's answers as they stayed.
    assert starting["result"].ratings.get(item=rating.item).status == "not_started"
