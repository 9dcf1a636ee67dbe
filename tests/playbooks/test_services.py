import re
from datetime import date

import pytest

from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.partnerships.models import Contact
from svtoolkit.playbooks import selectors, services
from svtoolkit.playbooks.default import load_playbook_data
from svtoolkit.playbooks.models import Item, ReadinessStatus, VersionStatus
from tests.factories import OrganisationFactory
from tests.playbooks.builders import colleague_of, draft_ended, planned_exercise

# How many items the shipped default checklist has, counted from its data file.
DEFAULT_ITEMS = sum(len(area["items"]) for area in load_playbook_data()["areas"])

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(demo_users):
    return demo_users["coordinator"]


@pytest.fixture
def published(demo, coordinator):
    version = services.adopt_default_playbook(partnership=demo, by=coordinator)
    return services.publish_draft(
        version=version, by=coordinator, change_note="First version", expected_revision=version.revision
    )


def item_fields(item, **changes):
    fields = {name: getattr(item, name) for name in services.ITEM_FIELDS}
    fields.update(changes)
    return fields


def test_adopting_copies_every_area_and_item_of_the_default(demo, coordinator):
    version = services.adopt_default_playbook(partnership=demo, by=coordinator)
    assert version.status == VersionStatus.DRAFT
    assert version.areas.count() == 15
    assert version.items.count() == DEFAULT_ITEMS
    with pytest.raises(DomainError, match="already has a checklist"):
        services.adopt_default_playbook(partnership=demo, by=coordinator)


def test_a_published_version_never_changes(published, coordinator):
    item = published.items.first()
    with pytest.raises(DomainError, match="cannot be changed"):
        services.update_item(
            item=item, by=coordinator, expected_revision=item.revision, **item_fields(item, action="X")
        )
    with pytest.raises(DomainError):
        services.set_item_retired(item=item, retired=True, by=coordinator)
    with pytest.raises(DomainError):
        services.add_item(area=item.area, by=coordinator, **item_fields(item))
    assert Item.objects.get(pk=item.pk).action == item.action


def test_editing_makes_a_new_draft_and_the_differences_show(published, coordinator, demo):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    assert (draft.number, draft.items.count()) == (2, DEFAULT_ITEMS)
    assert services.start_draft(playbook=published.playbook, by=coordinator) == draft  # only one draft

    reworded, retired = draft.items.order_by("pk")[:2]
    services.update_item(
        item=reworded,
        by=coordinator,
        expected_revision=reworded.revision,
        **item_fields(reworded, action="Log who told us, how and when"),
    )
    services.set_item_retired(item=retired, retired=True, by=coordinator)
    added = services.add_item(
        area=reworded.area,
        by=coordinator,
        **item_fields(reworded, action="Check the council out-of-hours log"),
    )
    draft.refresh_from_db()  # as the publish page reads it
    services.publish_draft(
        version=draft, by=coordinator, change_note="Adapted for Northbridge", expected_revision=draft.revision
    )

    differences = {d.key: d for d in selectors.version_differences(published, draft)}
    assert set(differences) == {reworded.key, retired.key, added.key}
    assert differences[added.key].kind == "added"
    assert differences[reworded.key].changes == [
        ("Action", published.items.get(key=reworded.key).action, "Log who told us, how and when")
    ]
    assert differences[retired.key].changes == [("Retired", "No", "Yes")]
    assert selectors.published_version(demo) == draft
    assert published.items.get(key=reworded.key).action != "Log who told us, how and when"


def test_differences_name_organisations_types_and_timings_rather_than_ids_and_codes(
    published, coordinator, demo
):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    item = (
        draft.items.filter(default_organisation__isnull=True, incident_types=[])
        .exclude(area__phase="before")
        .first()
    )
    police = demo.organisations.get(name__startswith="Metropolitan Police")
    timing = next(code for code in draft.vocabularies["timings"] if code not in {item.timing, "preparation"})
    services.update_item(
        item=item,
        by=coordinator,
        expected_revision=item.revision,
        **item_fields(
            item,
            default_organisation=police,
            incident_types=["knife"],
            timing=timing,
            essential=not item.essential,
        ),
    )
    (difference,) = selectors.version_differences(published, draft)
    changes = {label: (before, after) for label, before, after in difference.changes}
    assert changes["Default organisation"] == (None, police.name)
    assert changes["Incident types"] == ("Any", draft.vocabularies["incident_types"]["knife"])
    assert changes["Timing"][1] == draft.vocabularies["timings"][timing]["label"]
    assert set(changes["Essential"]) == {"Yes", "No"}


def test_two_people_editing_one_item_do_not_overwrite_each_other(published, coordinator, demo_users):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    item = draft.items.first()
    opened_at = item.revision
    services.update_item(
        item=item, by=coordinator, expected_revision=opened_at, **item_fields(item, action="First")
    )
    with pytest.raises(EditConflict):
        services.update_item(
            item=item, by=coordinator, expected_revision=opened_at, **item_fields(item, action="Second")
        )
    assert Item.objects.get(pk=item.pk).action == "First"


def test_every_change_to_a_drafts_items_moves_the_drafts_revision(published, coordinator):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    item = draft.items.first()

    def revision_after(change):
        change()
        draft.refresh_from_db()
        return draft.revision

    revisions = [
        draft.revision,
        revision_after(
            lambda: services.update_item(
                item=item, by=coordinator, expected_revision=item.revision, **item_fields(item, action="X")
            )
        ),
        revision_after(lambda: services.add_item(area=item.area, by=coordinator, **item_fields(item))),
        revision_after(lambda: services.set_item_retired(item=item, retired=True, by=coordinator)),
        revision_after(lambda: services.mark_item_changed_by_lesson(item=item, reference="Lesson 1")),
    ]
    assert revisions == sorted(set(revisions))
    with pytest.raises(EditConflict):
        services.publish_draft(
            version=draft, by=coordinator, change_note="v2", expected_revision=revisions[-2]
        )
    assert (
        services.publish_draft(
            version=draft, by=coordinator, change_note="v2", expected_revision=revisions[-1]
        ).status
        == VersionStatus.PUBLISHED
    )


def test_nothing_is_published_without_the_revision_of_the_draft_that_was_reviewed(published, coordinator):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    with pytest.raises(TypeError, match="expected_revision"):
        services.publish_draft(version=draft, by=coordinator, change_note="v2")
    with pytest.raises(EditConflict):
        services.publish_draft(version=draft, by=coordinator, change_note="v2", expected_revision=None)
    draft.refresh_from_db()
    assert draft.is_draft


@pytest.mark.parametrize("then", ["published", "discarded"])
def test_a_draft_read_before_a_colleague_published_or_discarded_it_is_no_longer_changed_or_published(
    published, coordinator, demo, then
):
    """What a page read of the draft is older than a colleague's publish or discard made meanwhile (two
    requests at once): every change made from it is refused, saying what became of the draft, and the
    version the colleague published stays as they published it."""
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    item = draft.items.select_related("version__playbook", "area__version__playbook").order_by("pk").first()
    told = draft_ended(demo, colleague_of(demo), then)
    kept = list(Item.objects.values_list("pk", "action", "retired", "revision"))
    changes = [
        lambda: services.update_item(
            item=item, by=coordinator, expected_revision=item.revision, **item_fields(item, action="Mine")
        ),
        lambda: services.add_item(area=item.area, by=coordinator, **item_fields(item, action="Mine")),
        lambda: services.set_item_retired(item=item, retired=True, by=coordinator),
        lambda: services.mark_item_changed_by_lesson(item=item, reference="Lesson 1"),
        lambda: services.publish_draft(
            version=draft, by=coordinator, change_note="Mine", expected_revision=draft.revision
        ),
    ]
    for change in changes:
        with pytest.raises(DomainError, match=re.escape(told)):
            change()
    assert list(Item.objects.values_list("pk", "action", "retired", "revision")) == kept
    if then == "published":
        assert selectors.published_version(demo).change_note == "Their note"


def test_default_organisation_and_contact_for_an_item(published, coordinator, demo):
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    organisation = OrganisationFactory(partnership=demo)
    contact = Contact.objects.create(organisation=organisation, name="Jo Bloggs")
    item = draft.items.first()
    services.update_item(
        item=item,
        by=coordinator,
        expected_revision=item.revision,
        **item_fields(item, default_organisation=organisation, default_contact=contact),
    )
    item.refresh_from_db()
    assert (item.default_organisation, item.default_contact) == (organisation, contact)


def test_before_an_incident_is_the_timing_of_the_items_done_to_prepare_and_of_no_other(
    published, coordinator
):
    """The defect: a response item could be set to "Before an incident", and was then due the moment the
    partnership was told."""
    draft = services.start_draft(playbook=published.playbook, by=coordinator)
    during = draft.items.filter(area__phase="during").order_by("pk").first()
    preparing = draft.items.filter(area__phase="before").order_by("pk").first()
    for item, timing in [(during, "preparation"), (preparing, "within_24_hours")]:
        with pytest.raises(DomainError) as refused:
            services.update_item(
                item=item,
                by=coordinator,
                expected_revision=item.revision,
                **item_fields(item, action="Changed", timing=timing),
            )
        assert refused.value.field == "timing"
        assert Item.objects.get(pk=item.pk).action == item.action
        with pytest.raises(DomainError) as refused:
            services.add_item(
                area=item.area, by=coordinator, **item_fields(item, action="New", timing=timing)
            )
        assert refused.value.field == "timing"
    assert not draft.items.filter(action="New").exists()


def test_items_apply_by_type_and_category(published):
    items = {i.key: i for i in published.items.all()}
    corrosive_only = next(i for i in items.values() if i.incident_types == ["corrosive"])
    assert corrosive_only.applies_to(incident_types={"corrosive", "knife"}, categories=set())
    assert not corrosive_only.applies_to(incident_types={"knife"}, categories=set())
    meeting_only = next(i for i in items.values() if i.categories == ["critical_meeting"])
    assert not meeting_only.applies_to(incident_types={"knife"}, categories=set())
    assert meeting_only.applies_to(incident_types={"knife"}, categories={"critical_meeting"})


def test_readiness_scores_gaps_and_change_since_last_time(published, coordinator, demo):
    first = services.start_assessment(partnership=demo, by=coordinator, assessed_on=date(2026, 6, 1))
    ratings = list(first.ratings.select_related("item").order_by("item__area__position", "item__position"))
    preparation = [r for r in ratings if r.item.area.key == "preparation"]
    for rating in preparation[:4]:
        services.rate_item(
            rating=rating,
            by=coordinator,
            expected_revision=rating.revision,
            status=ReadinessStatus.READY,
            evidence="Agreed at the board",
            next_step="",
            owner=coordinator,
            target_date=None,
        )
    summary = selectors.readiness_summary(first)
    preparation_score = next(a for a in summary.areas if a.area.key == "preparation")
    assert preparation_score.score == round(100 * 4 / len(preparation))
    assert summary.score == round(100 * 4 / DEFAULT_ITEMS)
    assert summary.previous is None and summary.change is None
    assert [r.item.essential for r in summary.gaps] == sorted(
        (r.item.essential for r in summary.gaps), reverse=True
    )

    second = services.start_assessment(partnership=demo, by=coordinator, assessed_on=date(2026, 9, 1))
    carried = second.ratings.filter(status=ReadinessStatus.READY)
    assert carried.count() == 4 and carried.first().evidence == "Agreed at the board"
    rating = second.ratings.exclude(status=ReadinessStatus.READY).first()
    services.rate_item(
        rating=rating,
        by=coordinator,
        expected_revision=rating.revision,
        status=ReadinessStatus.IN_PROGRESS,
        evidence="",
        next_step="Agree at the next board",
        owner=None,
        target_date=date(2026, 12, 1),
    )
    summary = selectors.readiness_summary(second)
    assert summary.previous == first
    assert summary.score == round(100 * 4.5 / DEFAULT_ITEMS)
    assert summary.change == summary.score - round(100 * 4 / DEFAULT_ITEMS)
    assert selectors.readiness_summary(first).previous is None  # history is kept as it was


def _rate(rating, *, by, status=ReadinessStatus.READY):
    return services.rate_item(
        rating=rating,
        by=by,
        expected_revision=rating.revision,
        status=status,
        evidence="Agreed at the board",
        next_step="",
        owner=None,
        target_date=None,
    )


def test_an_assessment_superseded_by_a_newer_one_is_kept_as_it_was(published, coordinator, demo):
    """The defect: an older assessment's answers could still be changed, rewriting the dated record and the
    readiness trend while the current assessment kept its own answers."""
    first = services.start_assessment(partnership=demo, by=coordinator, assessed_on=date(2026, 6, 1))
    second = services.start_assessment(partnership=demo, by=coordinator, assessed_on=date(2026, 9, 1))
    rating = first.ratings.select_related("assessment__partnership", "item").first()

    with pytest.raises(DomainError) as refused:
        _rate(rating, by=coordinator)
    assert refused.value.message == (
        "A newer assessment was started on 1 September 2026, so this one is kept as it was. "
        "Make your changes in the newer assessment."
    )
    assert refused.value.assessment == second
    with pytest.raises(DomainError, match="A newer assessment was started on 1 September 2026"):
        services.rate_area(
            answers=[
                (
                    rating,
                    rating.revision,
                    {
                        "status": ReadinessStatus.READY,
                        "evidence": "",
                        "next_step": "",
                        "owner": None,
                        "target_date": None,
                    },
                )
            ],
            by=coordinator,
        )

    rating.refresh_from_db()
    assert rating.status == ReadinessStatus.NOT_STARTED and rating.evidence == ""
    assert selectors.readiness_summary(second).change == 0
    # The current assessment is still answered.
    current = second.ratings.select_related("assessment__partnership", "item").first()
    assert _rate(current, by=coordinator).status == ReadinessStatus.READY


def test_an_assessment_started_since_the_page_was_opened_is_opened_and_no_second_is_started(
    published, coordinator, demo
):
    """The defect: two coordinators starting an assessment at once (or one in two tabs) made two of the same
    day, the first then superseded with whatever was already answered on it."""
    first = services.start_assessment(partnership=demo, by=coordinator, latest_seen=0)

    with pytest.raises(services.NewerAssessment) as refused:
        services.start_assessment(partnership=demo, by=coordinator, latest_seen=0)

    assert refused.value.assessment == first
    assert f"started by {coordinator.full_name} on " in refused.value.message
    assert list(selectors.assessments_of(demo)) == [first]
    # Started from the page that showed the current one, a new assessment is started as ever.
    second = services.start_assessment(partnership=demo, by=coordinator, latest_seen=first.pk)
    assert list(selectors.assessments_of(demo)) == [second, first]


def test_a_child_harmed_exercises_run_sheet_has_the_items_its_incidents_plan_has(
    published, coordinator, demo
):
    """The defect: a ticked category that holds only of a child (a child seriously harmed or killed) did not
    bring in what holds whenever a child victim is recorded (a child victim, a young person involved), so the
    run sheet left out the MASH referral and the schools' items the exercise incident's plan has."""
    from svtoolkit.incidents import services as incident_services
    from tests.incidents.builders import categorise, demo_person, recorded_incident

    exercise = planned_exercise(demo, coordinator, categories=["serious_violence", "child_harmed"])
    incident = recorded_incident(demo, coordinator, types=["knife"], exercise=exercise)
    categorise(incident, coordinator, serious_violence=True)
    demo_person(incident, coordinator, age_band="10_15", role="victim")
    incident_services.draw_plan(incident=incident, by=coordinator)
    planned = set(incident.actions.exclude(item=None).values_list("item__key", flat=True))
    assert "safeguarding-mash-referral" in planned
    assert {item.key for _, items in selectors.exercise_run_sheet(exercise) for item in items} == planned


def test_assessment_needs_a_published_checklist(demo, coordinator):
    with pytest.raises(DomainError, match="Publish"):
        services.start_assessment(partnership=demo, by=coordinator)


def test_exercise_run_sheet_lists_what_the_incident_would_call_for(published, coordinator, demo):
    exercise = planned_exercise(
        demo,
        coordinator,
        scenario="A corrosive substance thrown at a bus stop.",
        incident_types=["corrosive"],
        categories=[],
        organisations=demo.organisations.all()[:3],
    )
    sheet_items = [item for _, items in selectors.exercise_run_sheet(exercise) for item in items]
    assert any(item.incident_types == ["corrosive"] for item in sheet_items)
    assert not any(item.categories for item in sheet_items)  # no categorisation chosen
    assert not any(item.area.phase == "before" for item in sheet_items)
    assert exercise.organisations.count() == 3
