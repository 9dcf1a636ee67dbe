"""Pages for the review, follow-ups, lessons, closing and re-opening."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.attachments.selectors import attachments_section
from svtoolkit.core.forms import errors_as_message, errors_shown_on, initial_from, revised
from svtoolkit.core.textdiff import word_difference
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_section
from svtoolkit.incidents.selectors import incident_for_request
from svtoolkit.playbooks.selectors import published_version
from svtoolkit.recovery.review import forms, selectors, services


@access.requires(access.is_member)
@incident_section("recovery/review.html")
def review(request, shown):
    can_close = access.can_close_incident(request.user, request.partnership, shown)
    debrief = selectors.debrief_of(shown)
    files = debrief and attachments_section(debrief, user=request.user, partnership=request.partnership)
    return {
        "debrief": debrief,
        "attachments_section": files,
        "follow_ups": selectors.follow_ups_of(shown),
        "lessons": selectors.lessons_of(shown),
        "can_open_lessons": access.can_open_lessons_of(request.user, request.partnership, shown),
        "can_record_lesson": access.can_record_lesson(request.user, request.partnership, shown)
        and not access.is_read_only(shown),
        # Follow-up actions carry on after closing (allowed_when_closed): offered on a closed incident too.
        "can_follow_up": access.can_manage_incident(request.user, request.partnership),
        "can_run_review": access.can_run_review(request.user, request.partnership, shown)
        and not access.is_read_only(shown),
        "can_contribute": access.can_contribute_to_review(request.user, request.partnership)
        and not access.is_read_only(shown),
        # Change is offered beside the parts this person may write: a partner's own organisation's only.
        "speaks_for": {
            organisation.pk
            for organisation in access.organisations_spoken_for(request.user, request.partnership)
        },
        "can_close": can_close,
        "blockers": selectors.closure_blockers(shown) if can_close else [],
    }


@access.requires(access.can_manage_incident)
@require_POST
def review_start(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_run_review)
    services.start_review(incident=shown, by=request.user, request=request)
    messages.success(request, "The review has started: each organisation can now add its part.")
    return redirect("recovery:review", incident_id=shown.pk)


def _not_started(request, incident):
    """Back to the review page, which offers to start it: its parts cannot be written before."""
    messages.error(request, "The review has not started yet.")
    return redirect("recovery:review", incident_id=incident.pk)


@access.requires(access.can_contribute_to_review)
def review_contribute(request, incident_id):
    shown = incident_for_request(request, incident_id)
    debrief = selectors.debrief_of(shown)
    if debrief is None:
        return _not_started(request, shown)
    organisations = access.organisations_spoken_for(request.user, request.partnership)
    # The part the page shows, whose revision it carries: the one asked for, or theirs if they speak for one;
    # never the part of an organisation they do not speak for, which their form would save as their own.
    spoken_for = [str(organisation.pk) for organisation in organisations]
    chosen = request.GET.get("organisation")
    if chosen not in spoken_for:
        chosen = spoken_for[0] if len(spoken_for) == 1 else None
    existing = next((c for c in debrief.contributions.all() if str(c.organisation_id) == str(chosen)), None)
    initial = (
        initial_from(
            existing,
            "went_well",
            "went_badly",
            "to_change",
            "revision",
            organisation=existing.organisation_id,
        )
        if existing
        else {"organisation": chosen}
    )
    return incident_form_page(
        request,
        shown,
        forms.ContributionForm(request.POST or None, organisations=organisations, initial=initial),
        heading="Your organisation's part of the review",
        button="Save",
        save=lambda data: services.contribute_to_review(
            debrief=debrief, by=request.user, request=request, **revised(_as_shown(data, existing))
        ),
        success=lambda contribution: f"{contribution.organisation}'s part of the review was saved.",
        done=_review(shown),
        thing="contribution",
        # The form is moved onto the stored record by then: the organisation is the one sent (and validated).
        on_conflict=lambda: _their_contribution(debrief, request.POST["organisation"]),
    )


def _as_shown(data: dict, shown) -> dict:
    """The form's revision is that of the part the page showed: saved as another organisation's part, it
    compares as a first save, so a part the person never saw is not replaced (the conflict shows it)."""
    if shown is None or data["organisation"].pk != shown.organisation_id:
        return {**data, "revision": None}
    return data


def _their_contribution(debrief, organisation_id) -> dict:
    """What a colleague saved meanwhile as the organisation's part (perhaps its first), shown beside the
    form."""
    current = debrief.contributions.filter(organisation_id=organisation_id).first()
    if current is None:
        return {}
    return {
        "theirs": [
            ("What went well", current.went_well),
            ("What did not go well", current.went_badly),
            ("What to change next time", current.to_change),
        ]
    }


@access.requires(access.can_manage_incident)
def review_complete(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_run_review)
    debrief = selectors.debrief_of(shown)
    if debrief is None:
        return _not_started(request, shown)
    return incident_form_page(
        request,
        shown,
        forms.CompleteReviewForm(request.POST or None),
        heading="Complete the review",
        button="Complete the review",
        save=lambda data: services.complete_review(debrief=debrief, by=request.user, request=request, **data),
        success="The review is complete.",
        done=_review(shown),
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
def follow_up_add(request, incident_id):
    shown = incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.FollowUpForm(request.POST or None, partnership=request.partnership),
        heading="Add a follow-up action",
        button="Add",
        save=lambda data: services.add_follow_up(incident=shown, by=request.user, request=request, **data),
        success="The follow-up action was added.",
        done=_review(shown),
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
@require_POST
def follow_up_done(request, incident_id, follow_up_id):
    shown = incident_for_request(request, incident_id)
    follow_up = selectors.follow_up_on(shown, follow_up_id)
    with errors_as_message(request):
        services.complete_follow_up(follow_up=follow_up, by=request.user, request=request)
        messages.success(request, f"Done: {follow_up}.")
    return redirect("recovery:review", incident_id=shown.pk)


@access.requires(access.can_manage_incident)
def lesson_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_lesson)
    version = published_version(request.partnership)
    items = version.items.filter(retired=False).select_related("area") if version else []
    return incident_form_page(
        request,
        shown,
        forms.LessonForm(request.POST or None, items=items),
        heading="Record a lesson",
        button="Record the lesson",
        save=lambda data: services.record_lesson(incident=shown, by=request.user, request=request, **data),
        success=lambda lesson: f"Lesson {lesson.number} was recorded.",
        done=_review(shown),
    )


@access.requires(access.is_member)
def lessons(request):
    return render(
        request,
        "recovery/lessons.html",
        {"lessons": selectors.lessons_visible_to(request.user, request.partnership)},
    )


def _guidance_difference(proposal, form):
    """The guidance as it would be (as proposed, or as just typed) against the item's guidance now."""
    if proposal is None:
        return []
    after = form.data.get("guidance", proposal.guidance) if form.is_bound else proposal.guidance
    return word_difference(proposal.item.guidance, after)


@access.requires(access.is_member, to_change=access.can_decide_lessons)
def lesson(request, lesson_id):
    shown = selectors.lesson_for(request.user, request.partnership, lesson_id)
    may_decide = access.can_decide_lessons(request.user, request.partnership)
    open_to_decide = may_decide and selectors.awaiting_decision(shown)
    proposal = selectors.lesson_proposal(shown) if open_to_decide else None
    # A retired item goes into no plan: accepting a change to it is refused, so it is not offered.
    accepting_refused = services.RETIRED_ITEM if proposal is not None and proposal.item.retired else ""
    if accepting_refused:
        proposal = None
    # A decision sent after a colleague's is refused by the service and shown on the page with what was
    # typed, the wording and guidance too when the page had them.
    deciding = open_to_decide or (request.method == "POST" and may_decide)
    form = (
        forms.LessonDecisionForm(
            request.POST or None,
            proposes_change=proposal is not None or "action" in request.POST,
            accepting_refused=accepting_refused,
            initial=(
                {
                    "action": proposal.action,
                    "guidance": proposal.guidance,
                    "revision": selectors.item_as_shown(proposal.item),
                }
                if proposal
                else {}
            ),
        )
        if deciding
        else None
    )
    if request.method == "POST":
        if form.is_valid():
            with errors_shown_on(form, thing="checklist item"):
                if form.cleaned_data["decision"] == "accept":
                    services.accept_lesson(
                        lesson=shown,
                        by=request.user,
                        note=form.cleaned_data["note"],
                        # As edited; a field not sent means the change as the lesson proposes it.
                        action=form.cleaned_data["action"] if "action" in request.POST else None,
                        guidance=form.cleaned_data["guidance"] if "guidance" in request.POST else None,
                        item_as_shown=form.cleaned_data.get("revision"),
                        request=request,
                    )
                    messages.success(request, "The change is in the checklist's draft, ready to publish.")
                else:
                    services.decline_lesson(
                        lesson=shown, by=request.user, note=form.cleaned_data["note"], request=request
                    )
                    messages.success(request, "The change was declined.")
                return redirect("recovery:lesson", lesson_id=shown.pk)
    return render(
        request,
        "recovery/lesson.html",
        {
            "lesson": shown,
            "item": selectors.lesson_item(shown),
            "readiness": selectors.lesson_readiness(shown),
            "form": form,
            "proposal": proposal,
            "accepting_refused": accepting_refused,
            "guidance_difference": _guidance_difference(proposal, form),
        },
    )


@access.requires(access.can_manage_incident)
def close(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_close_incident)
    setting_aside = request.method == "POST" and request.POST.get("step") == "set_aside"
    form = forms.SetAsideActionsForm(
        request.POST if setting_aside else None, open_actions=selectors.open_actions_of(shown)
    )
    if setting_aside and form.is_valid():
        with errors_shown_on(form):
            count = services.set_aside_open_actions(
                incident=shown, by=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, f"{count} open action{pluralize(count)} set aside.")
            return redirect("recovery:close", incident_id=shown.pk)
    if request.method == "POST" and not setting_aside:
        with errors_as_message(request):
            services.close_incident(incident=shown, by=request.user, request=request)
            messages.success(
                request, f"{shown.reference} is closed. Its follow-up actions stay open to track."
            )
            return redirect("incidents:incident", incident_id=shown.pk)
    return render(
        request,
        "recovery/close.html",
        {
            "incident": shown,
            "blockers": selectors.closure_blockers(shown),
            "open_actions": selectors.open_actions_of(shown),
            "form": form,
        },
    )


@access.requires(access.can_manage_incident)
@access.allowed_when_closed
def reopen(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_close_incident)
    return incident_form_page(
        request,
        shown,
        forms.ReopenForm(request.POST or None),
        heading="Re-open the incident",
        button="Re-open",
        save=lambda data: services.reopen_incident(
            incident=shown, by=request.user, reason=data["reason"], request=request
        ),
        success=f"{shown.reference} is open again, in recovery.",
    )


def _review(incident):
    return reverse("recovery:review", args=[incident.pk])
