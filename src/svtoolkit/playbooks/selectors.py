"""Reading checklists, their versions and differences, readiness scores and exercises."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from svtoolkit.accounts.selectors import member_users
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.selectors import entries_about
from svtoolkit.playbooks import conditions
from svtoolkit.playbooks.models import (
    Area,
    Exercise,
    Item,
    Playbook,
    PlaybookVersion,
    ReadinessAssessment,
    ReadinessRating,
    ReadinessStatus,
    VersionStatus,
)

COMPARED_FIELDS = {
    "action": "Action",
    "guidance": "Guidance",
    "owner_kind": "Usual owner",
    "default_organisation": "Default organisation",
    "default_contact": "Default contact",
    "timing": "Timing",
    "incident_types": "Incident types",
    "categories": "Categories",
    "essential": "Essential",
    "retired": "Retired",
}


def _shown(item: Item, name: str, vocabularies: dict) -> str | None:
    """An item's field as a person reads it: names, not ids, codes or True/False."""
    value = getattr(item, name)
    if name == "owner_kind":
        return item.get_owner_kind_display()
    if name == "timing":
        return vocabularies["timings"].get(value, {}).get("label", value)
    if name in ("incident_types", "categories"):
        return ", ".join(vocabularies[name].get(code, code) for code in value) or "Any"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return None if value is None else str(value)


def playbook_of(partnership) -> Playbook | None:
    return Playbook.objects.filter(partnership=partnership).first()


def published_version(partnership) -> PlaybookVersion | None:
    """The newest published version: what new incidents, assessments and exercises use."""
    return (
        PlaybookVersion.objects.filter(playbook__partnership=partnership, status=VersionStatus.PUBLISHED)
        .select_related("playbook", "published_by")
        .order_by("-number")
        .first()
    )


def draft_version(partnership) -> PlaybookVersion | None:
    return PlaybookVersion.objects.filter(
        playbook__partnership=partnership, status=VersionStatus.DRAFT
    ).first()


def versions_of(partnership) -> QuerySet[PlaybookVersion]:
    return PlaybookVersion.objects.filter(playbook__partnership=partnership).select_related(
        "created_by", "published_by"
    )


def versions_seen_by(user, partnership) -> QuerySet[PlaybookVersion]:
    """The versions of the checklist ``user`` may see (``access.checklist_versions_seen_by``)."""
    from svtoolkit import access

    return access.checklist_versions_seen_by(user, partnership, versions_of(partnership))


def version_by_number(partnership, number, *, user) -> PlaybookVersion:
    """One version ``user`` may see by its number; the draft, for someone who may not see it, is not found."""
    return get_object_or_404(versions_seen_by(user, partnership).select_related("playbook"), number=number)


def areas_with_items(version) -> list[Area]:
    """The version's areas in order, each with its items and their default organisation and contact."""
    items = Item.objects.select_related("default_organisation", "default_contact").order_by("position")
    return list(version.areas.prefetch_related(Prefetch("items", queryset=items)))


def draft_item(partnership, item_id) -> Item:
    return get_object_or_404(
        Item.objects.select_related("version__playbook", "area"),
        pk=item_id,
        version__playbook__partnership=partnership,
        version__status=VersionStatus.DRAFT,
    )


def draft_area(partnership, area_id) -> Area:
    return get_object_or_404(
        Area.objects.select_related("version__playbook"),
        pk=area_id,
        version__playbook__partnership=partnership,
        version__status=VersionStatus.DRAFT,
    )


def draft_gone(partnership, draft_id) -> str | None:
    """Why a page opened on the partnership's draft ``draft_id`` (which its form carries back) can change or
    publish it no longer, as the person is told: a colleague published it (as which version, by whom) or
    discarded it (by whom) since. None while it is a draft still, or if it never was one of the partnership's.
    """
    if draft_id is None:
        return None
    version = versions_of(partnership).filter(pk=draft_id).first()
    if version is not None and version.is_draft:
        return None
    if version is not None:
        gone = (
            f"This draft was published as version {version.number} by {version.published_by}. "
            "A published version cannot be changed"
        )
    else:
        # A discarded draft's row went with its items: the audit log's entry for its deletion says who.
        discarded = (
            entries_about(PlaybookVersion(pk=draft_id))
            .filter(partnership=partnership, action=AuditAction.DELETE)
            .last()
        )
        if discarded is None:
            return None
        gone = f"This draft was discarded by {discarded.actor_name or discarded.actor_label}"
    if draft_version(partnership) is not None:
        return f"{gone}. Make your change in the draft started since."
    return f"{gone}. Start a new draft to make your change."


@dataclass
class ItemDifference:
    kind: str  # added, removed or changed
    key: str
    area: str
    action: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def version_differences(older: PlaybookVersion, newer: PlaybookVersion) -> list[ItemDifference]:
    """What changed between two versions, item by item (matched by their stable keys), in checklist order."""
    related = ("area", "default_organisation", "default_contact")
    old_items = {i.key: i for i in older.items.select_related(*related)}
    differences = []
    for item in newer.items.select_related(*related).order_by("area__position", "position"):
        before = old_items.pop(item.key, None)
        if before is None:
            differences.append(ItemDifference("added", item.key, item.area.title, item.action))
            continue
        changes = [
            (label, _shown(before, name, older.vocabularies), _shown(item, name, newer.vocabularies))
            for name, label in COMPARED_FIELDS.items()
            if getattr(before, name) != getattr(item, name)
        ]
        if changes:
            differences.append(ItemDifference("changed", item.key, item.area.title, item.action, changes))
    for item in old_items.values():
        differences.append(ItemDifference("removed", item.key, item.area.title, item.action))
    return differences


# --- Readiness -------------------------------------------------------------------------------------------


def assessments_of(partnership) -> QuerySet[ReadinessAssessment]:
    return ReadinessAssessment.objects.filter(partnership=partnership).select_related("version", "started_by")


def latest_assessment(partnership) -> ReadinessAssessment | None:
    return assessments_of(partnership).first()


def newer_assessment(assessment) -> ReadinessAssessment | None:
    """The partnership's current assessment, if it is a newer one than ``assessment``: an assessment so
    superseded is kept as it was, a dated record of how ready the partnership was (and the readiness trend's
    point), and is not changed any more."""
    latest = ReadinessAssessment.objects.filter(partnership_id=assessment.partnership_id).first()
    return latest if latest is not None and latest.pk != assessment.pk else None


def superseded(newer: ReadinessAssessment) -> str:
    """Why an assessment superseded by ``newer`` cannot be changed, as the person is told."""
    return (
        f"A newer assessment was started on {newer.assessed_on:%-d %B %Y}, so this one is kept as it was. "
        "Make your changes in the newer assessment."
    )


def assessment_in(partnership, assessment_id) -> ReadinessAssessment:
    return get_object_or_404(assessments_of(partnership), pk=assessment_id)


def rating_in(assessment, rating_id) -> ReadinessRating:
    return get_object_or_404(
        ReadinessRating.objects.select_related("item__area", "owner", "assessment__version"),
        pk=rating_id,
        assessment=assessment,
    )


def area_ratings(assessment, area_id) -> tuple[Area, list[ReadinessRating], Area | None]:
    """One area of an assessment's checklist, its ratings in order, and the area after it (None if last).
    Only the areas with something to assess count: one whose items were all retired has no ratings, so it is
    on no task list, and is neither continued to nor found (404)."""
    areas = list(
        Area.objects.filter(version_id=assessment.version_id, items__ratings__assessment=assessment)
        .distinct()
        .order_by("position")
    )
    area = next((area for area in areas if area.pk == area_id), None)
    if area is None:
        raise Http404("No such area in this assessment")
    ratings = list(
        assessment.ratings.filter(item__area=area)
        .select_related("item__area", "item__default_organisation", "item__default_contact", "owner")
        .order_by("item__position")
    )
    later = [other for other in areas if other.position > area.position]
    return area, ratings, (later[0] if later else None)


def readiness_score(statuses: list[str]) -> int | None:
    """Per cent ready, an item in progress counting as half ready; None when there is nothing to score."""
    return score_from_counts(
        ready=statuses.count(ReadinessStatus.READY),
        in_progress=statuses.count(ReadinessStatus.IN_PROGRESS),
        total=len(statuses),
    )


def score_from_counts(*, ready: int, in_progress: int, total: int) -> int | None:
    """The same score from counts, for figures counted in the database (the reports' trend)."""
    if not total:
        return None
    return round(100 * (ready + 0.5 * in_progress) / total)


def rating_counts() -> dict:
    """The counts ``score_from_counts`` takes, as the annotations of an assessment's row, for figures counted
    in the database over many assessments (the reports' trend, the regional board)."""
    return {
        "total": Count("ratings"),
        "ready": Count("ratings", filter=Q(ratings__status=ReadinessStatus.READY)),
        "in_progress": Count("ratings", filter=Q(ratings__status=ReadinessStatus.IN_PROGRESS)),
    }


@dataclass
class AreaReadiness:
    area: Area
    ratings: list[ReadinessRating]
    score: int | None
    previous_score: int | None

    @property
    def change(self) -> int | None:
        return None if self.score is None or self.previous_score is None else self.score - self.previous_score

    def _count(self, status) -> int:
        return sum(1 for rating in self.ratings if rating.status == status)

    @property
    def ready(self) -> int:
        return self._count(ReadinessStatus.READY)

    @property
    def in_progress(self) -> int:
        return self._count(ReadinessStatus.IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return self._count(ReadinessStatus.NOT_STARTED)


@dataclass
class ReadinessSummary:
    assessment: ReadinessAssessment
    previous: ReadinessAssessment | None
    areas: list[AreaReadiness]
    score: int | None
    previous_score: int | None
    gaps: list[ReadinessRating]

    @property
    def change(self) -> int | None:
        return None if self.score is None or self.previous_score is None else self.score - self.previous_score


def _ratings(assessment) -> list[ReadinessRating]:
    """The assessment's answers in checklist order, each knowing whether its owner is still an active member
    (``owner_left``): a gap owned by someone who has gone needs a new owner, not chasing."""
    still_member = Exists(member_users(assessment.partnership_id).filter(pk=OuterRef("owner_id")))
    return list(
        assessment.ratings.select_related("item__area", "owner")
        .annotate(owner_left=Q(owner__isnull=False) & ~still_member)
        .order_by("item__area__position", "item__position")
    )


def readiness_summary(assessment: ReadinessAssessment) -> ReadinessSummary:
    """Scores by area and overall, the change since the one before, and the gaps, most essential first."""
    ratings = _ratings(assessment)
    previous = (
        ReadinessAssessment.objects.filter(partnership_id=assessment.partnership_id)
        .filter(assessed_on__lte=assessment.assessed_on)
        .exclude(pk=assessment.pk)
        .exclude(assessed_on=assessment.assessed_on, pk__gt=assessment.pk)
        .order_by("-assessed_on", "-pk")
        .first()
    )
    previous_ratings = _ratings(previous) if previous else []
    previous_by_area: dict[str, list[str]] = {}
    for rating in previous_ratings:
        previous_by_area.setdefault(rating.item.area.key, []).append(rating.status)
    by_area: dict[int, AreaReadiness] = {}
    for rating in ratings:
        area = rating.item.area
        if area.pk not in by_area:
            previous_statuses = previous_by_area.get(area.key, [])
            by_area[area.pk] = AreaReadiness(area, [], None, readiness_score(previous_statuses))
        by_area[area.pk].ratings.append(rating)
    for area_readiness in by_area.values():
        area_readiness.score = readiness_score([r.status for r in area_readiness.ratings])
    status_order = {ReadinessStatus.NOT_STARTED: 0, ReadinessStatus.IN_PROGRESS: 1}
    gaps = sorted(
        (r for r in ratings if r.status != ReadinessStatus.READY),
        key=lambda r: (not r.item.essential, status_order[r.status], r.item.area.position, r.item.position),
    )
    return ReadinessSummary(
        assessment=assessment,
        previous=previous,
        areas=list(by_area.values()),
        score=readiness_score([r.status for r in ratings]),
        previous_score=readiness_score([r.status for r in previous_ratings]) if previous else None,
        gaps=gaps,
    )


# --- Exercises -------------------------------------------------------------------------------------------


def exercises_of(partnership) -> QuerySet[Exercise]:
    return Exercise.objects.filter(partnership=partnership).select_related("version", "created_by")


def exercise_in(partnership, exercise_id) -> Exercise:
    return get_object_or_404(exercises_of(partnership).prefetch_related("organisations"), pk=exercise_id)


def exercise_run_sheet(exercise) -> list[tuple[Area, list[Item]]]:
    """The checklist items that would go into the plan of the exercise's incident, area by area: the items of
    the version it was planned on, under the conditions the plan uses (a homicide means someone died), as if
    what was ticked were the incident's facts (``conditions.ticked_facts``: a child harmed is a child
    victim)."""
    categories = conditions.met(
        conditions.type_facts(exercise.incident_types) | conditions.ticked_facts(exercise.categories)
    )
    types = conditions.types_in(categories)
    sheet = []
    for area in areas_with_items(exercise.version):
        if area.phase == "before":
            continue
        items = [i for i in area.items.all() if i.applies_to(incident_types=types, categories=categories)]
        if items:
            sheet.append((area, items))
    return sheet


def readiness_home_section(*, user, partnership) -> dict | None:
    """Home-page section for those who plan: the checklist's state, the latest score and essential gaps."""
    from svtoolkit import access

    if not access.can_assess_readiness(user, partnership):
        return None
    latest = latest_assessment(partnership)
    summary = readiness_summary(latest) if latest else None
    return {
        "published": published_version(partnership),
        "draft": draft_version(partnership),
        "summary": summary,
        "essential_gaps": [gap for gap in summary.gaps if gap.item.essential] if summary else [],
    }
