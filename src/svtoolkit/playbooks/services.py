"""Changing checklists, readiness assessments and exercises. Each change is audited."""

from contextlib import contextmanager

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_created, record_deleted, record_updated
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import hold_row, save_if_unchanged, update_and_move_revision, update_if_unchanged
from svtoolkit.partnerships.services import take_turns_in
from svtoolkit.playbooks import selectors
from svtoolkit.playbooks.default import load_playbook_data, vocabularies_of
from svtoolkit.playbooks.models import (
    PREPARATION,
    Area,
    Exercise,
    ExerciseStatus,
    Item,
    Phase,
    Playbook,
    PlaybookVersion,
    ReadinessAssessment,
    ReadinessRating,
    VersionStatus,
    timing_suits_phase,
)

ITEM_FIELDS = [
    "action",
    "guidance",
    "owner_kind",
    "default_organisation",
    "default_contact",
    "timing",
    "incident_types",
    "categories",
    "essential",
]
# What a new draft copies of each area and item of the version it starts from; each then belongs to the draft.
AREA_COPIED = ["key", "phase", "position", "title", "summary"]
ITEM_COPIED = ["key", "position", "retired", "lesson_reference", "completed_by", *ITEM_FIELDS]


# --- The checklist ---------------------------------------------------------------------------------------


@transaction.atomic
def adopt_default_playbook(*, partnership, by, request=None) -> PlaybookVersion:
    """Copy svtoolkit's default checklist into a first draft that the partnership adapts, then publishes."""
    take_turns_in(partnership)  # two coordinators adopting at once: the second is told the first did
    if Playbook.objects.filter(partnership=partnership).exists():
        raise DomainError("This partnership already has a checklist.")
    data = load_playbook_data()
    playbook = Playbook.objects.create(
        partnership=partnership, name=f"{partnership.name} incident checklist", source_edition=data["edition"]
    )
    version = PlaybookVersion.objects.create(
        playbook=playbook, number=1, vocabularies=vocabularies_of(data), created_by=by
    )
    for area_position, area_data in enumerate(data["areas"], start=1):
        area = Area.objects.create(
            version=version,
            key=area_data["key"],
            phase=area_data["phase"],
            position=area_position,
            title=area_data["title"],
            summary=area_data.get("summary", ""),
        )
        Item.objects.bulk_create(
            Item(
                version=version,
                area=area,
                key=item["key"],
                position=position,
                action=item["action"],
                guidance=item.get("guidance", "").strip(),
                owner_kind=item["owner_kind"],
                timing=item["timing"],
                incident_types=item.get("incident_types", []),
                categories=item.get("categories", []),
                essential=item["essential"],
                completed_by=item.get("completed_by", ""),
            )
            for position, item in enumerate(area_data["items"], start=1)
        )
    record(
        action=AuditAction.CREATE,
        actor=by,
        target=playbook,
        detail={"from": data["edition"]},
        request=request,
    )
    return version


@transaction.atomic
def start_draft(*, playbook, by, request=None) -> PlaybookVersion:
    """A new draft copied from the newest published version (or the existing draft, if there is one).

    The playbook is held first, so of two starting a draft at once (a coordinator, a lesson being accepted)
    the second is handed the draft the first started."""
    hold_row(playbook)
    existing = playbook.versions.filter(status=VersionStatus.DRAFT).first()
    if existing:
        return existing
    source = selectors.published_version(playbook.partnership)
    number = (playbook.versions.aggregate(Max("number"))["number__max"] or 0) + 1
    draft = PlaybookVersion.objects.create(
        playbook=playbook,
        number=number,
        vocabularies=source.vocabularies,
        created_by=by,
        revision=_above_every_earlier_draft(playbook),
    )
    for area in source.areas.prefetch_related("items"):
        copied_area = Area.objects.create(version=draft, **_values_of(area, AREA_COPIED))
        Item.objects.bulk_create(
            Item(version=draft, area=copied_area, **_values_of(item, ITEM_COPIED))
            for item in area.items.all()
        )
    record_created(by=by, partnership=playbook.partnership, target=draft, request=request)
    return draft


def _above_every_earlier_draft(playbook) -> int:
    """A new draft's first revision: above every revision an earlier draft had, published or discarded, so a
    publish page opened on an earlier draft meets the edit conflict rather than publishing this one unseen."""
    kept = playbook.versions.aggregate(Max("revision"))["revision__max"] or 0
    discarded = Playbook.objects.values_list("discarded_draft_revision", flat=True).get(pk=playbook.pk)
    return max(kept, discarded) + 1


def _values_of(record, fields) -> dict:
    """``record``'s values of ``fields``, as keyword arguments for a copy of it."""
    return {field: getattr(record, field) for field in fields}


def _require_draft(version) -> None:
    """``version`` is a draft still, as stored now (what a page read of it may be older than a colleague's
    publish or discard); else a DomainError saying what became of it (``selectors.draft_gone``)."""
    if not _drafts().filter(pk=version.pk).exists():
        raise DomainError(selectors.draft_gone(version.playbook.partnership, version.pk))


def _drafts():
    """Every checklist's draft, as stored now."""
    return PlaybookVersion.objects.filter(status=VersionStatus.DRAFT)


@contextmanager
def _told_if_draft_gone(version):
    """An edit conflict met because a colleague published or discarded the draft meanwhile (a discard takes
    the draft's items with it) is told as that, not as someone else's edit."""
    try:
        yield
    except EditConflict:
        _require_draft(version)
        raise


def _draft_changed(version) -> None:
    """Move the draft's revision on after a change to its items: a publish page opened before the change then
    meets the conflict, rather than publishing what its coordinator never saw. The draft's row is taken after
    the item's (the order a discard takes them), so a publish or discard that came first refuses the change.
    """
    if not update_and_move_revision(_drafts().filter(pk=version.pk)):
        _require_draft(version)


@transaction.atomic
def update_item(*, item, by, expected_revision: int, request=None, **changes) -> Item:
    """Reword or re-assign an item of a draft; refused if someone else saved it since the form was opened."""
    _require_draft(item.version)
    check_timing(area=item.area, timing=changes["timing"])
    with _told_if_draft_gone(item.version):
        save_if_unchanged(
            Item,
            item.pk,
            expected_revision=expected_revision,
            conflict_message="Someone else changed this item while you were editing it.",
            **{field: changes[field] for field in ITEM_FIELDS},
        )
    _draft_changed(item.version)
    before = {field: _plain(getattr(item, field)) for field in ITEM_FIELDS}
    item.refresh_from_db()
    after = {field: _plain(getattr(item, field)) for field in ITEM_FIELDS}
    record(
        action=AuditAction.UPDATE,
        actor=by,
        partnership=item.version.playbook.partnership,
        target=item,
        detail={
            field: [before[field], after[field]] for field in ITEM_FIELDS if before[field] != after[field]
        },
        request=request,
    )
    return item


def check_timing(*, area, timing) -> None:
    """An item of ``area`` may be due at ``timing`` (``timing_suits_phase``)."""
    if timing_suits_phase(timing, area.phase):
        return
    before = area.version.vocabularies["timings"][PREPARATION]["label"]
    if area.phase == Phase.BEFORE:
        raise DomainError(f"An item done to prepare for an incident is due “{before}”.", field="timing")
    raise DomainError(
        f"“{before}” is only for the items done to prepare for one. Choose when this item is due after the "
        "partnership is told of an incident.",
        field="timing",
    )


@transaction.atomic
def mark_item_changed_by_lesson(*, item, reference: str) -> Item:
    """Note on a draft item the lesson that changed it; the note stays with the item in later versions."""
    _require_draft(item.version)
    _change_item(item, lesson_reference=reference[:300])
    return item


def _change_item(item, **changes) -> None:
    """Change a draft's item without comparing (no page showed it to whoever changes it): the item's revision
    moves on, so an edit form open on it meanwhile meets the conflict, and then the draft's. The item's row is
    taken before the draft's, as every change to an item takes them; an item gone with the draft a colleague
    discarded meanwhile is told as that."""
    if not update_and_move_revision(Item.objects.filter(pk=item.pk), **changes):
        _require_draft(item.version)
    _draft_changed(item.version)
    item.refresh_from_db(fields=[*changes, "revision"])


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def add_item(*, area, by, request=None, **fields) -> Item:
    """Add an item to a draft's area, with a key and position no other item of the draft has. The playbook
    is held before they are chosen, so of two adding at once (the same wording, to the same area) the second
    takes the next key and position, rather than breaking the key's uniqueness."""
    _require_draft(area.version)
    hold_row(area.version.playbook)
    check_timing(area=area, timing=fields["timing"])
    base_key = f"{area.key}-{slugify(fields['action'])[:40]}".strip("-")
    key, suffix = base_key, 1
    while Item.objects.filter(version=area.version, key=key).exists():
        suffix += 1
        key = f"{base_key}-{suffix}"
    position = (area.items.aggregate(Max("position"))["position__max"] or 0) + 1
    item = Item.objects.create(
        version=area.version, area=area, key=key, position=position, **{f: fields[f] for f in ITEM_FIELDS}
    )
    _draft_changed(area.version)
    record_created(by=by, partnership=area.version.playbook.partnership, target=item, request=request)
    return item


@transaction.atomic
def set_item_retired(*, item, retired: bool, by, request=None) -> Item:
    """Retire an item (it stays in the record, out of new plans) or bring it back."""
    _require_draft(item.version)
    _change_item(item, retired=retired)
    record_updated(
        by=by, partnership=item.version.playbook.partnership, target=item, request=request, retired=retired
    )
    return item


@transaction.atomic
def publish_draft(
    *, version, by, change_note: str, expected_revision: int | None, request=None
) -> PlaybookVersion:
    """Make the draft the version new incidents and assessments use. From now on it never changes.

    ``expected_revision`` is the draft's revision as the publish page showed it (or as the caller that made
    the draft holds it): if anyone changed the draft since (or published it), nothing is published
    (EditConflict), so what is published is what was reviewed. Every caller gives one."""
    _require_draft(version)
    with _told_if_draft_gone(version):
        update_if_unchanged(
            version,
            expected_revision=expected_revision,
            conflict_message="Someone else changed this draft since you opened it to publish.",
            status=VersionStatus.PUBLISHED,
            published_by=by,
            published_at=timezone.now(),
            change_note=change_note.strip(),
        )
    # Checked once the draft's row is taken: one discarded meanwhile, its items gone with it, is told as that.
    if not version.items.filter(retired=False).exists():
        raise DomainError("A checklist needs at least one item that is not retired.")
    record_updated(
        by=by,
        partnership=version.playbook.partnership,
        target=version,
        request=request,
        published=version.number,
    )
    return version


@transaction.atomic
def discard_draft(*, version, by, request=None) -> None:
    _require_draft(version)
    if version.number == 1:
        raise DomainError("The first version cannot be discarded; publish it when it is ready.")
    # The draft's last revision, kept for the next draft to start above. Its items are locked before it, in
    # the order a change to an item takes them, so no change moves the revision once it is read; and the
    # playbook before them, in the order accepting a lesson (which may start the draft) takes them.
    hold_row(version.playbook)
    list(version.items.select_for_update().values_list("pk", flat=True))
    reached = _drafts().select_for_update().filter(pk=version.pk).values_list("revision", flat=True).first()
    if reached is None:  # a colleague published or discarded it first
        _require_draft(version)
    Playbook.objects.filter(pk=version.playbook_id).update(discarded_draft_revision=reached)
    record_deleted(by=by, partnership=version.playbook.partnership, target=version, request=request)
    version.delete()


# --- Readiness -------------------------------------------------------------------------------------------


class NewerAssessment(DomainError):
    """Refused because of a newer assessment than the one the page showed: ``assessment``, for the page to
    point to (or open)."""

    def __init__(self, message: str, *, assessment: ReadinessAssessment):
        super().__init__(message)
        self.assessment = assessment


def _require_current(assessment) -> None:
    """``assessment`` is the partnership's current one; else a NewerAssessment naming the one that superseded
    it. Starting an assessment takes the partnership's turn, so this holds until the transaction ends."""
    take_turns_in(assessment.partnership)
    newer = selectors.newer_assessment(assessment)
    if newer is not None:
        raise NewerAssessment(selectors.superseded(newer), assessment=newer)


@transaction.atomic
def start_assessment(
    *, partnership, by, assessed_on=None, latest_seen: int | None = None, request=None
) -> ReadinessAssessment:
    """A new dated assessment of the current checklist, starting from the last one's answers.

    ``latest_seen`` is the id of the current assessment the page showed (0 for none): if someone has
    started another since (two coordinators at once, or a second tab), none is started and a NewerAssessment
    names the one they started, for the page to open instead. Starts take turns in the partnership."""
    version = selectors.published_version(partnership)
    if version is None:
        raise DomainError("Publish the partnership's checklist before assessing readiness against it.")
    take_turns_in(partnership)
    previous = selectors.latest_assessment(partnership)
    if latest_seen is not None and previous is not None and previous.pk != latest_seen:
        started_by = f" by {previous.started_by.full_name}" if previous.started_by else ""
        raise NewerAssessment(
            f"An assessment was started{started_by} on {previous.assessed_on:%-d %B %Y} since you opened "
            "the readiness page, so no other was started. This is it: update each item.",
            assessment=previous,
        )
    earlier = {r.item.key: r for r in previous.ratings.select_related("item")} if previous else {}
    assessment = ReadinessAssessment.objects.create(
        partnership=partnership,
        version=version,
        assessed_on=assessed_on or timezone.localdate(),
        started_by=by,
    )
    ratings = []
    for item in version.items.filter(retired=False):
        carried = earlier.get(item.key)
        ratings.append(
            ReadinessRating(
                assessment=assessment,
                item=item,
                **(
                    {
                        "status": carried.status,
                        "evidence": carried.evidence,
                        "next_step": carried.next_step,
                        "owner_id": carried.owner_id,
                        "target_date": carried.target_date,
                    }
                    if carried
                    else {}
                ),
            )
        )
    ReadinessRating.objects.bulk_create(ratings)
    record_created(by=by, target=assessment, request=request)
    return assessment


@transaction.atomic
def rate_item(
    *, rating, by, expected_revision: int, status, evidence, next_step, owner, target_date, request=None
) -> ReadinessRating:
    """Change one answer of the current assessment; an older one's are kept as they were (NewerAssessment)."""
    _require_current(rating.assessment)
    return _rate(
        rating=rating,
        by=by,
        expected_revision=expected_revision,
        status=status,
        evidence=evidence,
        next_step=next_step,
        owner=owner,
        target_date=target_date,
        request=request,
    )


def _rate(*, rating, by, expected_revision: int, status, evidence, next_step, owner, target_date, request):
    update_if_unchanged(
        rating,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this rating while you were editing it.",
        status=status,
        evidence=evidence,
        next_step=next_step,
        owner=owner,
        target_date=target_date,
    )
    record_updated(
        by=by, partnership=rating.assessment.partnership, target=rating, request=request, status=status
    )
    return rating


@transaction.atomic
def rate_area(*, answers, by, request=None) -> list[ReadinessRating]:
    """Save the answers given on one area's page together: all of them, or none if any broke a rule or was
    changed by someone else meanwhile. ``answers`` is a list of (rating, revision the page showed, fields).

    Someone else's change is a DomainError on that rating (``field`` is ``rating-<id>``), so the page can
    show which answer it was."""
    if answers:  # one area's answers are of one assessment: checked current once
        _require_current(answers[0][0].assessment)
    saved = []
    for rating, expected_revision, fields in answers:
        try:
            saved.append(
                _rate(rating=rating, by=by, expected_revision=expected_revision, request=request, **fields)
            )
        except EditConflict:
            raise DomainError(
                f"Someone else changed the answer to “{rating.item.action}” while you were editing this "
                "area. Nothing in this area was saved yet: check that answer, then save again.",
                field=f"rating-{rating.pk}",
            ) from None
    return saved


# --- Exercises -------------------------------------------------------------------------------------------


def checklist_to_exercise(partnership) -> PlaybookVersion:
    """The published checklist an exercise is planned from; a DomainError while there is none, so the
    planning page can say so before the form is filled in."""
    version = selectors.published_version(partnership)
    if version is None:
        raise DomainError("Publish the partnership's checklist before planning an exercise from it.")
    return version


@transaction.atomic
def start_exercise(
    *, partnership, by, title, scenario, incident_types, categories, planned_for, organisations, request=None
) -> Exercise:
    """Plan a rehearsal of the response against the current published checklist."""
    version = checklist_to_exercise(partnership)
    exercise = Exercise.objects.create(
        partnership=partnership,
        version=version,
        title=title.strip(),
        scenario=scenario.strip(),
        incident_types=list(incident_types),
        categories=list(categories),
        planned_for=planned_for,
        created_by=by,
    )
    exercise.organisations.set(organisations)
    record_created(by=by, target=exercise, request=request)
    return exercise


def _status_held(exercise) -> str:
    """The exercise's status as it stands, its row held until the transaction ends."""
    hold_row(exercise)
    return Exercise.objects.values_list("status", flat=True).get(pk=exercise.pk)


def _set_status(exercise, status, *, by, request) -> None:
    exercise.status = status
    exercise.save(update_fields=["status"])
    record_updated(by=by, target=exercise, request=request, status=status)


@transaction.atomic
def exercise_held(*, exercise, by, request=None) -> None:
    """Mark the exercise held as its incident is recorded (a second incident of it changes nothing); refused
    once it was cancelled, as a rehearsal called off is not run."""
    status = _status_held(exercise)
    if status == ExerciseStatus.CANCELLED:
        raise DomainError("This exercise was cancelled. Plan a new exercise to rehearse the response.")
    if status == ExerciseStatus.PLANNED:
        _set_status(exercise, ExerciseStatus.HELD, by=by, request=request)


@transaction.atomic
def cancel_exercise(*, exercise, by, request=None) -> None:
    """Call off a planned exercise; refused once it was held (its incident recorded) or cancelled."""
    status = _status_held(exercise)
    if status == ExerciseStatus.HELD:
        raise DomainError("This exercise was held (its incident was recorded), so it cannot be cancelled.")
    if status == ExerciseStatus.CANCELLED:
        raise DomainError("This exercise was cancelled already.")
    _set_status(exercise, ExerciseStatus.CANCELLED, by=by, request=request)
