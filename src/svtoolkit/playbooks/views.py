"""The checklist, its versions and drafts, readiness assessments and exercises. Thin: rules live elsewhere."""

from django.contrib import messages
from django.forms import Form
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.forms import errors_as_message, errors_shown_on, id_from, record_id_in, show_edit_conflict
from svtoolkit.core.pages import form_page, stored_again
from svtoolkit.playbooks import forms, selectors, services

# --- The checklist ---------------------------------------------------------------------------------------


@access.requires(access.is_member)
def playbook(request):
    version = selectors.published_version(request.partnership)
    return render(
        request,
        "playbooks/playbook.html",
        {
            "playbook": selectors.playbook_of(request.partnership),
            "version": version,
            "areas": selectors.areas_with_items(version) if version else [],
            "draft": selectors.draft_version(request.partnership),
            "can_edit": access.can_edit_playbook(request.user, request.partnership),
        },
    )


@access.requires(access.can_edit_playbook)
@require_POST
def adopt(request):
    with errors_as_message(request):
        services.adopt_default_playbook(partnership=request.partnership, by=request.user, request=request)
        messages.success(request, "The default checklist was copied into a draft. Adapt it, then publish it.")
        return redirect("playbooks:draft")
    return redirect("playbooks:playbook")


@access.requires(access.is_member)
def versions(request):
    shown = selectors.versions_seen_by(request.user, request.partnership)
    return render(request, "playbooks/versions.html", {"versions": shown})


@access.requires(access.is_member)
def version(request, number):
    shown = selectors.version_by_number(request.partnership, number, user=request.user)
    return render(
        request, "playbooks/version.html", {"version": shown, "areas": selectors.areas_with_items(shown)}
    )


@access.requires(access.is_member)
def compare(request, older, newer):
    older_version = selectors.version_by_number(request.partnership, older, user=request.user)
    newer_version = selectors.version_by_number(request.partnership, newer, user=request.user)
    return render(
        request,
        "playbooks/compare.html",
        {
            "older": older_version,
            "newer": newer_version,
            "differences": selectors.version_differences(older_version, newer_version),
        },
    )


# --- Adapting a draft ------------------------------------------------------------------------------------


@access.requires(access.can_see_draft_checklist)
def draft(request):
    version = selectors.draft_version(request.partnership)
    if version is None:
        return redirect("playbooks:playbook")
    return _about_draft(request, "playbooks/draft.html", version, areas=selectors.areas_with_items(version))


def _about_draft(request, template, version, **context):
    """``template`` about the draft ``version``, with the published version and what the draft changes."""
    published = selectors.published_version(request.partnership)
    return render(
        request,
        template,
        {
            "version": version,
            "published": published,
            "differences": selectors.version_differences(published, version) if published else None,
            **context,
        },
    )


@access.requires(access.can_edit_playbook)
@require_POST
def start_draft(request):
    playbook = selectors.playbook_of(request.partnership)
    if playbook is None:
        return redirect("playbooks:playbook")
    services.start_draft(playbook=playbook, by=request.user, request=request)
    return redirect("playbooks:draft")


def _item_changes(data):
    return {name: data[name] for name in services.ITEM_FIELDS}


def _draft_gone(request) -> str | None:
    """Sent from a page opened on a draft that a colleague has published or discarded since: what became of
    it, as the person is told (``selectors.draft_gone``). None otherwise."""
    if request.method != "POST":
        return None
    return selectors.draft_gone(request.partnership, record_id_in(request.POST.get("draft", "")))


def _draft_gone_page(request, template, form_for, **context):
    """Sent from a page opened on a draft that a colleague has published or discarded since: that page shown
    again as typed (``form_for()`` bound to what was sent), saying so, and nothing saved. None otherwise."""
    gone = _draft_gone(request)
    if gone is None:
        return None
    form = form_for()
    form.add_error(None, gone)
    return render(request, template, {"form": form, **context})


def _draft_gone_redirect(request):
    """Sent by a button on a draft's page after a colleague published or discarded that draft: back to the
    draft's page (the draft started since, or the checklist), saying what became of it. None otherwise."""
    gone = _draft_gone(request)
    if gone is None:
        return None
    messages.error(request, gone)
    return redirect("playbooks:draft")


def _item_form_as_sent(request):
    # Every version of a checklist has the vocabularies of the one it was copied from.
    return forms.ItemForm(
        request.POST,
        version=selectors.published_version(request.partnership),
        partnership=request.partnership,
    )


@access.requires(access.can_edit_playbook)
def item_edit(request, item_id):
    heading = "Change an item"
    gone = _draft_gone_page(
        request, "playbooks/item_form.html", lambda: _item_form_as_sent(request), heading=heading
    )
    if gone:
        return gone
    item = selectors.draft_item(request.partnership, item_id)
    initial = {name: getattr(item, name) for name in services.ITEM_FIELDS} | {
        "revision": item.revision,
        "draft": item.version_id,
    }
    return form_page(
        request,
        forms.ItemForm(
            request.POST or None, initial=initial, version=item.version, partnership=request.partnership
        ),
        save=lambda data: services.update_item(
            item=item,
            by=request.user,
            expected_revision=data["revision"] or 0,
            request=request,
            **_item_changes(data),
        ),
        success="The item was saved in the draft.",
        done=f"{_draft_url()}#area-{item.area.key}",
        template="playbooks/item_form.html",
        context={"heading": heading},
        thing="item",
        on_conflict=stored_again(item),
    )


def _draft_url():
    return reverse("playbooks:draft")


@access.requires(access.can_edit_playbook)
def item_add(request, area_id):
    gone = _draft_gone_page(
        request, "playbooks/item_form.html", lambda: _item_form_as_sent(request), heading="Add an item"
    )
    if gone:
        return gone
    area = selectors.draft_area(request.partnership, area_id)
    return form_page(
        request,
        forms.ItemForm(
            request.POST or None,
            initial={"draft": area.version_id},
            version=area.version,
            partnership=request.partnership,
        ),
        save=lambda data: services.add_item(
            area=area, by=request.user, request=request, **_item_changes(data)
        ),
        success=f"The item was added to {area.title}.",
        done=f"{_draft_url()}#area-{area.key}",
        template="playbooks/item_form.html",
        context={"heading": f"Add an item to {area.title}"},
    )


@access.requires(access.can_edit_playbook)
@require_POST
def item_retire(request, item_id):
    gone = _draft_gone_redirect(request)
    if gone:
        return gone
    item = selectors.draft_item(request.partnership, item_id)
    retire = request.POST.get("retire") == "yes"
    with errors_as_message(request) as refused:
        services.set_item_retired(item=item, retired=retire, by=request.user, request=request)
        messages.success(request, f"“{item.action}” was {'retired' if retire else 'brought back'}.")
    if refused.error:
        return redirect("playbooks:draft")
    return redirect(f"{_draft_url()}#area-{item.area.key}")


@access.requires(access.can_edit_playbook)
def publish(request):
    version = selectors.draft_version(request.partnership)
    if version is None:
        gone = _draft_gone_page(
            request,
            "playbooks/publish.html",
            lambda: forms.PublishForm(request.POST),
            heading="Publish the draft",
            differences=None,
            button="Publish this version",
        )
        return gone or redirect("playbooks:playbook")
    published = selectors.published_version(request.partnership)
    return form_page(
        request,
        forms.PublishForm(request.POST or None, initial={"revision": version.revision, "draft": version.pk}),
        save=lambda data: services.publish_draft(
            version=version,
            by=request.user,
            change_note=data["change_note"],
            expected_revision=data["revision"] or 0,
            request=request,
        ),
        success=f"Version {version.number} is published.",
        done=reverse("playbooks:playbook"),
        template="playbooks/publish.html",
        context=lambda: {
            "heading": f"Publish version {version.number}",
            "differences": selectors.version_differences(published, version) if published else None,
            "button": "Publish this version",
        },
        thing="draft",
    )


@access.requires(access.can_edit_playbook)
def discard_draft(request):
    """Asks first, naming the draft and what would be lost; the answer carries the draft it was asked of, so
    one sent after a colleague published or discarded that draft (and started the next) discards nothing and
    says what became of it."""
    gone = _draft_gone_redirect(request)
    if gone:
        return gone
    version = selectors.draft_version(request.partnership)
    if version is None:
        return redirect("playbooks:playbook")
    if request.method == "POST" and request.POST.get("draft") == str(version.pk):
        with errors_as_message(request) as refused:
            services.discard_draft(version=version, by=request.user, request=request)
            messages.success(request, f"Draft version {version.number} was discarded.")
        if refused.error:
            return redirect("playbooks:draft")
        return redirect("playbooks:playbook")
    return _about_draft(request, "playbooks/discard.html", version)


# --- Readiness -------------------------------------------------------------------------------------------


@access.requires(access.is_member)
def readiness(request):
    latest = selectors.latest_assessment(request.partnership)
    return render(
        request,
        "playbooks/readiness.html",
        {
            "summary": selectors.readiness_summary(latest) if latest else None,
            "latest_seen": latest.pk if latest else 0,
            "assessments": selectors.assessments_of(request.partnership),
            "has_checklist": selectors.published_version(request.partnership) is not None,
            "can_assess": access.can_assess_readiness(request.user, request.partnership),
        },
    )


@access.requires(access.can_assess_readiness)
@require_POST
def assessment_start(request):
    seen = request.POST.get("latest_seen")  # absent from a page opened before the readiness page sent it
    with errors_as_message(request) as refused:
        assessment = services.start_assessment(
            partnership=request.partnership,
            by=request.user,
            latest_seen=None if seen is None else (id_from(seen) if seen else 0),
            request=request,
        )
        messages.success(
            request, "A new assessment has started from the last one's answers. Update each item."
        )
        return redirect("playbooks:assessment", assessment_id=assessment.pk)
    if isinstance(refused.error, services.NewerAssessment):
        return redirect("playbooks:assessment", assessment_id=refused.error.assessment.pk)
    return redirect("playbooks:readiness")


@access.requires(access.is_member)
def assessment(request, assessment_id):
    shown = selectors.assessment_in(request.partnership, assessment_id)
    newer = selectors.newer_assessment(shown)
    return render(
        request,
        "playbooks/assessment.html",
        {
            "summary": selectors.readiness_summary(shown),
            "newer": newer,
            "can_assess": newer is None and access.can_assess_readiness(request.user, request.partnership),
        },
    )


def _superseded(request, assessment):
    """An older assessment's answers are not changed: its change pages say so on the assessment's page,
    which points to the newer one. (The service refuses too, should one be started while a page is open.)"""
    newer = selectors.newer_assessment(assessment)
    if newer is None:
        return None
    messages.error(request, selectors.superseded(newer))
    return redirect(_assessment_url(assessment))


@access.requires(access.is_member)
def assessment_report(request, assessment_id):
    shown = selectors.assessment_in(request.partnership, assessment_id)
    return render(
        request, "playbooks/assessment_report.html", {"summary": selectors.readiness_summary(shown)}
    )


RATING_FIELDS = ["status", "evidence", "next_step", "owner", "target_date"]


def _rating_form(request, rating, *, prefix=None, bound=True):
    initial = {name: getattr(rating, name) for name in RATING_FIELDS} | {"revision": rating.revision}
    data = (request.POST or None) if bound else None
    return forms.RatingForm(data, initial=initial, partnership=request.partnership, prefix=prefix)


@access.requires(access.can_assess_readiness)
def rating_edit(request, assessment_id, rating_id):
    shown = selectors.assessment_in(request.partnership, assessment_id)
    rating = selectors.rating_in(shown, rating_id)
    if refused := _superseded(request, shown):
        return refused
    form = _rating_form(request, rating)
    conflict = None
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RATING_FIELDS}
        with errors_shown_on(form, thing="rating") as refused:
            services.rate_item(
                rating=rating,
                by=request.user,
                expected_revision=form.cleaned_data["revision"],
                request=request,
                **fields,
            )
            messages.success(request, "Saved.")
            return redirect(f"{_assessment_url(shown)}#rating-{rating.pk}")
        if isinstance(refused.error, services.NewerAssessment):
            return _superseded(request, shown)
        if refused.conflict:
            rating.refresh_from_db()
            conflict = rating
    return render(
        request,
        "playbooks/rating_form.html",
        {"form": form, "rating": rating, "assessment": shown, "conflict": conflict},
    )


@access.requires(access.can_assess_readiness)
def assessment_area(request, assessment_id, area_id):
    """All of one area's items answered on one page and saved together when the person continues."""
    shown = selectors.assessment_in(request.partnership, assessment_id)
    area, ratings, next_area = selectors.area_ratings(shown, area_id)
    if refused := _superseded(request, shown):
        return refused
    page = Form(request.POST or None)  # the area's own errors: someone else's change to an answer
    rated = []
    for rating in ratings:
        form = _rating_form(request, rating, prefix=f"rating-{rating.pk}")
        if form.is_bound and not form.has_edits():
            # Only the answers changed on this page are checked, reported and saved: one left as the page
            # showed it is shown as stored now (with any colleague's change since), and stays as it is.
            form = _rating_form(request, rating, prefix=f"rating-{rating.pk}", bound=False)
        form.anchor = f"rating-{rating.pk}"
        rated.append((rating, form))
    changed = [(rating, form) for rating, form in rated if form.is_bound]
    if request.method == "POST" and all([form.is_valid() for _, form in changed]):
        answers = [
            (rating, form.cleaned_data["revision"], {name: form.cleaned_data[name] for name in RATING_FIELDS})
            for rating, form in changed
        ]
        with errors_shown_on(page, thing="area") as refused:
            services.rate_area(answers=answers, by=request.user, request=request)
            messages.success(request, f"Your answers on {area.title} were saved.")
            if next_area is not None and "save_and_return" not in request.POST:
                return redirect("playbooks:assessment_area", assessment_id=shown.pk, area_id=next_area.pk)
            return redirect(f"{_assessment_url(shown)}#area-{area.key}")
        if isinstance(refused.error, services.NewerAssessment):
            return _superseded(request, shown)
        for _, form in rated:
            if refused.error and refused.error.field == form.anchor:
                show_edit_conflict(form, thing="answer", current_revision=None)
    return render(
        request,
        "playbooks/assessment_area.html",
        {
            "assessment": shown,
            "area": area,
            "rated": rated,
            "next_area": next_area,
            "page": page,
            "forms": [page] + [form for _, form in rated],
        },
    )


def _assessment_url(assessment):
    return reverse("playbooks:assessment", kwargs={"assessment_id": assessment.pk})


# --- Exercises -------------------------------------------------------------------------------------------


@access.requires(access.is_member)
def exercises(request):
    return render(
        request,
        "playbooks/exercises.html",
        {
            "exercises": selectors.exercises_of(request.partnership),
            "can_start": access.can_assess_readiness(request.user, request.partnership),
            "has_checklist": selectors.published_version(request.partnership) is not None,
        },
    )


@access.requires(access.can_assess_readiness)
def exercise_start(request):
    with errors_as_message(request) as refused:
        version = services.checklist_to_exercise(request.partnership)
    if refused.error:
        return redirect("playbooks:exercises")
    return form_page(
        request,
        forms.ExerciseForm(request.POST or None, version=version, partnership=request.partnership),
        save=lambda data: services.start_exercise(
            partnership=request.partnership, by=request.user, request=request, **data
        ),
        success="The exercise is planned. Its run sheet is below.",
        done=lambda exercise: reverse("playbooks:exercise", args=[exercise.pk]),
        template="playbooks/exercise_form.html",
    )


@access.requires(access.is_member)
def exercise(request, exercise_id):
    shown = selectors.exercise_in(request.partnership, exercise_id)
    return render(
        request,
        "playbooks/exercise.html",
        {
            "exercise": shown,
            "run_sheet": selectors.exercise_run_sheet(shown),
            "show_exercise_banner": True,
            "can_cancel": access.can_assess_readiness(request.user, request.partnership),
        },
    )


@access.requires(access.can_assess_readiness)
@require_POST
def exercise_cancel(request, exercise_id):
    called_off = selectors.exercise_in(request.partnership, exercise_id)
    with errors_as_message(request):
        services.cancel_exercise(exercise=called_off, by=request.user, request=request)
        messages.success(request, f"“{called_off.title}” was cancelled.")
    return redirect("playbooks:exercise", called_off.pk)
