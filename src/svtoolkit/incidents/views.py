"""Incident pages. Thin: incidents are found through the access rules; every change goes through services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core import filtering
from svtoolkit.core.cached_parts import answer_refresh
from svtoolkit.core.forms import errors_as_message, errors_shown_on, id_from, initial_from, revised
from svtoolkit.core.pages import form_page, stored_again
from svtoolkit.incidents import escalation, forms, page_cache, selectors, services
from svtoolkit.incidents.categorisation import declared_labels, factor_choices, suggest
from svtoolkit.incidents.conditions import police_facts
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Incident, IncidentStatus, TimelineKind
from svtoolkit.incidents.pages import (
    incident_form_page,
    incident_section,
    incident_url,
    left_out_of_share,
    share_carries_records,
    shared_message,
    their_version,
    with_page_urls,
)
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.playbooks.selectors import exercise_in


def to_incident(incident, anchor=""):
    return redirect(incident_url(incident, anchor))


INCIDENT_STATUS_FILTER = filtering.Filter(name="status", heading="Status", choices=IncidentStatus.choices)


@access.requires(access.is_member)
def incidents(request):
    shown = filtering.filtered(request, INCIDENT_STATUS_FILTER)
    page = selectors.incident_list(
        request.user,
        request.partnership,
        statuses=shown.of("status"),
        older_than=request.GET.get("older_than", ""),
        newer_than=request.GET.get("newer_than", ""),
    )
    with_page_urls(page.items)
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "query": shown.query,
            "filters": [INCIDENT_STATUS_FILTER],
            "filtered": shown,
            "can_record": access.can_record_incident(request.user, request.partnership),
            "can_raise_alert": access.can_raise_alert(request.user, request.partnership),
        },
    )


@access.requires(access.can_report_incident)
def record(request):
    if not access.can_record_incident(request.user, request.partnership):
        # A partner who may report (the police) raises an incident alert, the short form for the duty officer.
        return redirect("alerts:raise")
    exercise_id = request.POST.get("exercise") or request.GET.get("exercise")
    exercise = exercise_in(request.partnership, id_from(exercise_id)) if exercise_id else None
    initial = (
        {"title": exercise.title, "incident_types": exercise.incident_types, "is_exercise": True}
        if exercise
        else {}
    )
    form = forms.IncidentForm(
        request.POST or None, initial=initial, incident_types=selectors.incident_types(request.partnership)
    )
    return form_page(
        request,
        form,
        save=lambda data: services.record_incident(
            partnership=request.partnership,
            by=request.user,
            exercise=exercise,
            request=request,
            **services.as_recorded(data),
        ),
        success=lambda incident: f"Incident {incident.reference} recorded. Categorise it next.",
        done=incident_url,
        template="incidents/record.html",
        context={"exercise": exercise},
    )


@access.requires(access.is_member)
def incident(request, incident_id):
    # Each reads its incident's version before anything it shows (incidents.page_cache).
    if request.htmx:  # the live part alone, asked for again every 30 seconds
        return answer_refresh(request, *page_cache.live_part(request, incident_id))
    page = page_cache.incident_page(request, incident_id)
    failed = messaging_selectors.failed_count(incident_id) if page["can_view_messages"] else None
    context = {
        "incident_id": incident_id,
        "failed_messages": failed,
        "can_resend": bool(failed) and access.can_resend_messages(request.user, request.partnership),
    }
    context.update({name: mark_safe(page[name]) for name in ("header", "body")})  # noqa: S308 (our templates')
    return render(
        request,
        "incidents/incident.html",
        {**context, "title": page["title"], "show_exercise_banner": page["is_exercise"]},
    )


@access.requires(access.can_manage_incident)
def incident_messages(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_view_incident_messages)
    context = {
        "incident": shown,
        "deliveries": messaging_selectors.incident_deliveries(shown),
        "can_resend": access.can_resend_messages(request.user, request.partnership),
    }
    return render(request, "incidents/messages.html", context)


@access.requires(access.can_manage_incident)
def categorise(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    deciding = request.POST.get("step") == "decide"
    current = selectors.current_categorisation(shown)
    initial = {"factors": [code for code, present in current.factors.items() if present]} if current else {}
    initial["revision"] = current.pk if current else 0
    form = forms.CategorisationForm(request.POST or None, initial=initial, deciding=deciding)
    suggestion = None
    declared = police_facts(shown)
    if request.method == "POST" and form.is_valid():
        suggestion = suggest(set(form.cleaned_data["factors"]), declared=declared)
        if deciding:
            data = form.cleaned_data
            # The service's conflict message names who categorised it meanwhile, and as what.
            with errors_shown_on(form, thing=None):
                services.categorise(
                    incident=shown,
                    by=request.user,
                    factors=data["factors"],
                    other_factors=data["other_factors"],
                    serious_violence=data["serious_violence"] == "yes",
                    meeting_needed=data["meeting_needed"] == "yes",
                    cross_borough=data["cross_borough"] == "yes",
                    rationale=data["rationale"],
                    categorisation_seen=data["revision"] or 0,
                    request=request,
                )
                messages.success(request, "The categorisation was recorded.")
                return to_incident(shown, "categorisation")
    elif request.method == "POST":
        suggestion = suggest(set(request.POST.getlist("factors")), declared=declared)
    return render(
        request,
        "incidents/categorise.html",
        {
            "incident": shown,
            "form": form,
            "suggestion": suggestion,
            "showing_suggestion": suggestion is not None and not deciding,
            "factor_hints": {code: hint for code, _, hint in factor_choices()},
            "declared": declared_labels(declared),
            "history": shown.categorisations.select_related("decided_by"),
        },
    )


@access.requires(access.can_manage_incident)
def lead(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_name_lead)
    lead_now = selectors.current_lead(shown)
    return form_page(
        request,
        forms.LeadForm(
            request.POST or None,
            initial={"revision": lead_now.pk if lead_now else 0},
            partnership=request.partnership,
        ),
        save=lambda data: services.assign_lead(incident=shown, by=request.user, request=request, **data),
        success="The lead was recorded.",
        done=incident_url(shown, "lead"),
        template="incidents/lead.html",
        context={
            "incident": shown,
            "history": shown.leads.select_related("organisation", "officer", "assigned_by"),
        },
        thing=None,  # the service's conflict message names the lead now
    )


@access.requires(access.can_manage_incident)
def partners(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    return form_page(
        request,
        forms.ParticipantForm(request.POST or None, partnership=request.partnership, incident=shown),
        save=lambda data: services.add_participant(incident=shown, by=request.user, request=request, **data),
        success=lambda participation: (
            f"{participation.organisation} is taking part"
            + (f", through {participation.contact.name}." if participation.contact else ".")
        ),
        done=reverse("incidents:partners", args=[shown.pk]),
        template="incidents/partners.html",
        context=lambda: {"incident": shown, "partners": selectors.partners_and_notices(shown)},
        thing=None,  # the service's conflict message names the partner and their contact now
    )


@access.requires(access.can_manage_incident)
@require_POST
def inform(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    with errors_as_message(request) as refused:
        informed = services.inform_partners(incident=shown, by=request.user, request=request)
    if refused.error:
        return redirect("incidents:partners", incident_id=shown.pk)
    waiting = shown.participations.filter(informed_at__isnull=True).select_related("organisation")
    if informed:
        messages.success(
            request, f"Emails are on their way to {len(informed)} partner{'s' if len(informed) != 1 else ''}."
        )
    elif not shown.participations.exists():
        messages.error(request, "No partner is taking part yet, so nobody was informed. Add a partner first.")
    elif not waiting:
        messages.info(request, "Every partner taking part has already been informed: nobody new to tell.")
    for participation in waiting:
        messages.error(
            request,
            f"{participation.organisation} has no current contact with an email address: choose one to "
            "inform them.",
        )
    return redirect("incidents:partners", incident_id=shown.pk)


@access.requires(access.can_manage_incident)
@require_POST
def send_notice_again(request, incident_id, participation_id):
    shown = selectors.incident_for_request(request, incident_id)
    participation = selectors.participation_in(shown, participation_id)
    with errors_as_message(request):
        services.send_notice_again(participation=participation, by=request.user, request=request)
        messages.success(request, f"The notice to {participation.organisation} is on its way again.")
    return redirect("incidents:partners", incident_id=shown.pk)


@access.requires(access.can_manage_incident)
def stop_taking_part(request, incident_id, participation_id):
    shown = selectors.incident_for_request(request, incident_id)
    participation = selectors.participation_in(shown, participation_id)
    return incident_form_page(
        request,
        shown,
        forms.StopTakingPartForm(request.POST if request.method == "POST" else None),  # nothing to type
        heading=f"Stop {participation.organisation} taking part?",
        intro=(
            f"Its members will no longer see {shown.reference} nor be told about it, and a link it was sent "
            "to acknowledge will no longer work. The timeline and the audit log keep the record."
        ),
        button="Stop taking part",
        save=lambda data: services.stop_taking_part(
            participation=participation, by=request.user, request=request
        ),
        success=f"{participation.organisation} no longer takes part.",
        done=reverse("incidents:partners", args=[shown.pk]),
    )


@access.public
def acknowledge(request, token):
    participation = selectors.participation_by_token(token)
    if participation is None:
        return render(request, "incidents/acknowledge_invalid.html", status=404)
    if request.method == "POST":
        label = (
            request.user.email
            if request.user.is_authenticated
            else (participation.contact.email if participation.contact else "email link")
        )
        services.acknowledge(
            participation=participation,
            by_label=label,
            by=request.user if request.user.is_authenticated else None,
            request=request,
        )
    return render(request, "incidents/acknowledge.html", {"participation": participation})


@access.requires(access.can_work_incident)
@require_POST
def acknowledge_here(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_acknowledge_for_organisation)
    participation = selectors.participation_of(
        shown, access.partner_organisation_id(request.user, request.partnership)
    )
    services.acknowledge(
        participation=participation, by_label=request.user.email, by=request.user, request=request
    )
    messages.success(request, f"You acknowledged for {participation.organisation}.")
    return to_incident(shown)


@access.requires(access.can_manage_incident)
@require_POST
def draw_plan(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    with errors_as_message(request):
        added = services.draw_plan(incident=shown, by=request.user, request=request)
        messages.success(request, f"{added} action{'s' if added != 1 else ''} added to the plan.")
        return redirect("incidents:plan", incident_id=shown.pk)
    return to_incident(shown)


@access.requires(access.is_member)
@incident_section("incidents/plan.html")
def plan(request, shown):
    organisation_id = access.partner_organisation_id(request.user, request.partnership)
    mine_only = request.GET.get("mine") == "1" and organisation_id is not None
    grouped = [
        (area, selectors.mark_updatable(actions, request.user, request.partnership))
        for area, actions in selectors.plan(shown, organisation_id=organisation_id if mine_only else None)
    ]
    may_work = access.can_work_incident_now(request.user, request.partnership, shown)
    return {
        "plan": grouped,
        "mine_only": mine_only,
        "is_partner": organisation_id is not None,
        "bulk_form": _bulk_form(request, shown) if may_work else None,
        "reviews": shown.plan_reviews.select_related("reviewed_by")[:5],
        "deadlines": selectors.deadlines_of(shown),
        "now": timezone.now(),
    }


def _bulk_form(request, incident, data=None) -> forms.BulkActionForm:
    """The bulk update over the open actions this person may update."""
    open_actions = selectors.actions_of(incident).filter(status__in=OPEN_ACTION_STATUSES)
    updatable = selectors.mark_updatable(open_actions, request.user, request.partnership)
    return forms.BulkActionForm(
        data,
        actions=open_actions.filter(pk__in=[action.pk for action in updatable if action.may_update]),
        partnership=request.partnership,
        can_reassign=access.can_reassign_action(request.user, request.partnership),
    )


@access.requires(access.is_member)
@incident_section("incidents/first_hours.html")
def first_hours(request, shown):
    """The actions due in the first hours, by owner. The record that completed an action is linked only for
    those who may open it: those who change it (the section's ``can_manage``)."""
    now = timezone.now()
    owners = selectors.first_hours(shown, now=now)
    for group in owners:
        selectors.mark_updatable(group.actions, request.user, request.partnership)
    return {
        "owners": owners,
        "hours": int(selectors.FIRST_HOURS.total_seconds() // 3600),
        "now": now,
        "may_work": access.can_work_incident_now(request.user, request.partnership, shown),
    }


@access.requires(access.can_work_incident)
def plan_update(request, incident_id):
    """Complete or reassign several actions at once (also the first hours view's one-step completion)."""
    shown = selectors.incident_for_request(request, incident_id)
    back = "incidents:first_hours" if request.POST.get("from") == "first_hours" else "incidents:plan"
    form = _bulk_form(request, shown, request.POST or None)
    return incident_form_page(
        request,
        shown,
        form,
        heading="Update several actions",
        button="Update the actions",
        save=lambda data: services.update_actions(
            incident=shown,
            actions=data["actions"],
            by=request.user,
            expected_revisions=data["expected_revisions"],
            status=data["status"],
            owner_organisation=data.get("owner_organisation"),
            owner=data.get("owner"),
            note=data["note"],
            request=request,
        ),
        success=lambda count: f"{count} action{'s were' if count != 1 else ' was'} updated.",
        done=reverse(back, args=[shown.pk]),
        thing=None,  # the service's conflict message names the actions changed
        on_conflict=lambda: {"theirs": selectors.as_stored(form.cleaned_data["actions"])},
    )


@access.requires(access.can_work_incident)
def action(request, incident_id, action_id):
    planned = access.get_for(
        request,
        selectors.actions_of_visible_incident(incident_id),
        action_id,
        rule=access.can_update_action,
    )
    shown = planned.incident
    access.refuse_changes_to_closed(request, shown)
    # The owners by id, as the form shows and compares them: their records are not read for the page.
    initial = initial_from(
        planned,
        "status",
        "not_needed_reason",
        "revision",
        owner_organisation=planned.owner_organisation_id,
        owner=planned.owner_id,
    )
    form = forms.ActionUpdateForm(
        request.POST or None,
        initial=initial,
        partnership=request.partnership,
        can_reassign=access.can_reassign_action(request.user, request.partnership),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.update_action(
            action=planned,
            by=request.user,
            expected_revision=data["revision"],
            status=data["status"],
            owner_organisation=data["owner_organisation"],
            owner=data["owner"],
            not_needed_reason=data["not_needed_reason"],
            note=data["note"],
            request=request,
        ),
        success="The action was updated.",
        done=reverse("incidents:plan", args=[shown.pk]) + f"#action-{planned.pk}",
        template="incidents/action.html",
        context=lambda: {
            "incident": shown,
            "action": planned,
            "entries": selectors.action_updates(planned.pk),
        },
        thing="action",
        on_conflict=stored_again(planned),
    )


@access.requires(access.can_manage_incident)
def action_add(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.NewActionForm(request.POST or None, partnership=request.partnership),
        heading="Add an action",
        button="Add to the plan",
        save=lambda data: services.add_action(incident=shown, by=request.user, request=request, **data),
        success="The action was added to the plan.",
        done=reverse("incidents:plan", args=[shown.pk]),
    )


@access.requires(access.can_manage_incident)
def plan_review(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.PlanReviewForm(request.POST or None),
        heading="Record a plan review",
        button="Record the review",
        save=lambda data: services.review_plan(
            incident=shown, by=request.user, changes=data["changes"], request=request
        ),
        success="The plan review was recorded.",
        done=reverse("incidents:plan", args=[shown.pk]),
    )


@access.requires(access.is_member)
@incident_section("incidents/timeline.html")
def timeline(request, shown):
    kind = request.GET.get("kind", "")
    if kind not in TimelineKind.values:
        kind = ""
    page = selectors.timeline_page(
        shown,
        kind=kind,
        older_than=request.GET.get("older_than", ""),
        newer_than=request.GET.get("newer_than", ""),
    )
    return {
        "page": page,
        "query": urlencode({"kind": kind}) if kind else "",
        "kind": kind,
        "kinds": TimelineKind.choices,
    }


@access.requires(access.can_work_incident)
def update(request, incident_id):
    shown = selectors.incident_to_add_to(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.UpdateForm(request.POST or None),
        heading="Add an update",
        button="Add the update",
        save=lambda data: services.add_update(
            incident=shown, by=request.user, text=data["text"], request=request
        ),
        success="Your update was added to the timeline.",
        done=incident_url(shown, "timeline"),
    )


@access.requires(access.is_member)
@incident_section("incidents/decisions.html")
def decisions(request, shown):
    return {"decisions": selectors.decisions(shown)}


@access.requires(access.can_manage_incident)
def decision_add(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    superseded_id = request.POST.get("supersedes") or request.GET.get("supersedes")
    superseded = selectors.decision_in(shown, id_from(superseded_id)) if superseded_id else None
    return form_page(
        request,
        forms.DecisionForm(request.POST or None, initial={"who_decided": request.user.full_name}),
        save=lambda data: services.record_decision(
            incident=shown, by=request.user, supersedes=superseded, request=request, **data
        ),
        success="The decision was logged.",
        done=reverse("incidents:decisions", args=[shown.pk]),
        template="incidents/decision_form.html",
        context={"incident": shown, "superseded": superseded},
    )


@access.requires(access.can_manage_incident)
def status(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.StatusForm(request.POST or None, initial=initial_from(shown, "status", revision=shown.status)),
        heading="Change the status",
        button="Change status",
        save=lambda data: services.change_status(
            incident=shown,
            by=request.user,
            status=data["status"],
            status_seen=data["revision"],
            request=request,
        ),
        success="The status was changed.",
        thing=None,  # the service's conflict message names the status now
        on_conflict=their_version(shown, lambda stored: [("Status", stored.get_status_display())]),
    )


@access.requires(access.can_manage_incident)
def share(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_share_incident)
    form = forms.ShareForm(
        request.POST or None,
        exclude=request.partnership,
        carries_records=share_carries_records(request, shown),
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading="Share with another partnership",
        button="Share",
        save=lambda data: services.share_incident(
            incident=shown, partnership=data["partnership"], by=request.user, request=request, **form.basis()
        ),
        success=lambda share: shared_message(share, f"The incident is shared with {share.partnership}."),
        intro=left_out_of_share(request, shown),
    )


@access.requires(access.can_manage_incident)
def edit_record(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    initial = initial_from(
        shown,
        "title",
        "incident_types",
        "summary",
        "revision",
        occurred_at=timezone.localtime(shown.occurred_at),
        notified_at=timezone.localtime(shown.notified_at),
    )
    form = forms.EditRecordForm(
        request.POST or None,
        initial=initial,
        incident_types=selectors.incident_types(request.partnership, shown),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.edit_record(
            incident=shown, by=request.user, request=request, **revised(data)
        ),
        success="The record was corrected.",
        done=incident_url(shown),
        template="incidents/edit_record.html",
        context={"incident": shown},
        thing="incident",
        on_conflict=stored_again(shown),
    )


@access.requires(access.can_manage_incident)
def scene_add(request, incident_id):
    shown = selectors.incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.SceneForm(request.POST or None),
        heading="Add a scene",
        button="Add the scene",
        save=lambda data: services.add_scene(incident=shown, by=request.user, request=request, **data),
        success="The scene was added.",
        point_picker=True,
    )


@access.requires(access.can_work_incident)
def police_declaration(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_police_declaration)
    return incident_form_page(
        request,
        shown,
        forms.PoliceDeclarationForm(request.POST or None),
        heading="Record the police declaration",
        intro="What the police have declared about this incident. A later declaration replaces it.",
        button="Record the declaration",
        save=lambda data: services.record_police_declaration(
            incident=shown,
            by=request.user,
            critical_incident=data["critical_incident"] == "yes",
            tier=data["tier"],
            declared_by=data["declared_by"],
            declared_at=data["declared_at"],
            request=request,
        ),
        success="The police declaration was recorded.",
    )


@access.requires(access.can_manage_partnership_settings)
def escalation_settings(request):
    timetable = escalation.timetable_for(request.partnership)
    form = forms.EscalationTimetableForm(
        request.POST or None,
        initial=initial_from(
            timetable, "owner_after_hours", "spoc_after_hours", "lead_after_hours", "revision"
        ),
    )
    return form_page(
        request,
        form,
        save=lambda data: escalation.set_timetable(
            partnership=request.partnership, by=request.user, request=request, **revised(data)
        ),
        success="The escalation timetable was saved.",
        done=reverse("incidents:escalation_settings"),
        template="incidents/escalation_settings.html",
        context={"button": "Save timetable"},
    )
