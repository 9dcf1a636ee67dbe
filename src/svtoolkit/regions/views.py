from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.cached_parts import SHOWN_MARK, answer_refresh, saying_what_it_shows
from svtoolkit.core.forms import errors_as_message, revised
from svtoolkit.core.pages import form_page
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import (
    incident_form_page,
    left_out_of_share,
    share_carries_records,
    shared_message,
)
from svtoolkit.regions import forms, selectors, services
from svtoolkit.regions.models import ProposalStatus

# --- The region's pages (regional staff) ----------------------------------------------------------------


@access.requires(access.is_regional_staff)
def board(request, region_slug):
    """The live board: without JavaScript a plain page with a refresh link; with htmx the board alone is
    fetched again every 30 seconds, and answered 204 (nothing swapped) when it would show the same."""
    region = access.get_region_for(request, region_slug)
    context = {
        **selectors.board(region, user=request.user, request=request),
        "region": region,
        "can_coordinate": access.may_coordinate_region(request.user, region),
    }
    part, shown = _board_part(request, context)
    if request.htmx:
        return answer_refresh(request, part, shown)
    return render(request, "regions/board.html", {**context, "board": part})


# Where the board says when it was drawn: left out of what it shows, which would otherwise change every time.
UPDATED_MARK = "\x00svt-updated\x00"


def _board_part(request, context) -> tuple[str, str]:
    """The board (``_board.html``) and what it shows, the time it was drawn left out: swapped in every 30
    seconds for that time alone, it moved a keyboard user's focus and a screen reader's place."""
    marked = {"shown": mark_safe(SHOWN_MARK), "updated": mark_safe(UPDATED_MARK)}  # noqa: S308 (our own marks)
    drawn = render_to_string("regions/_board.html", {**context, **marked}, request)
    updated = render_to_string("regions/_board_updated.html", context, request)
    board, shown = saying_what_it_shows(drawn, drawn_at={UPDATED_MARK: updated.strip()})
    return mark_safe(board), shown  # noqa: S308 (drawn by our templates)


@access.requires(access.is_regional_staff)
def incident(request, region_slug, incident_id):
    region = access.get_region_for(request, region_slug)
    shown, found = selectors.regional_incident(region, incident_id, user=request.user, request=request)
    return render(
        request,
        "regions/incident.html",
        {
            "region": region,
            "incident": shown,
            "proposals": selectors.proposals_for(found, region=region),
            "can_propose": access.may_coordinate_region(request.user, region)
            and selectors.other_partnerships(region, found).exists(),
        },
    )


@access.requires(access.is_regional_staff)
def propose_share(request, region_slug, incident_id):
    region = access.get_region_for(request, region_slug, rule=access.may_coordinate_region)
    found = selectors.incident_of_region(region, incident_id)
    return form_page(
        request,
        forms.ProposeShareForm(
            request.POST or None, partnerships=selectors.other_partnerships(region, found)
        ),
        save=lambda data: services.propose_share(
            region=region, incident=found, by=request.user, request=request, **data
        ),
        success=lambda proposal: f"You proposed sharing {found.reference} with {proposal.partnership}.",
        done=reverse("regions:incident", args=[region.slug, found.pk]),
        template="regions/propose_share.html",
        context={
            "region": region,
            "incident_id": found.pk,
            "heading": f"Propose sharing {found.reference}",
            "button": "Propose",
        },
    )


# --- The partnership's side ------------------------------------------------------------------------------


@access.requires(access.can_choose_regional_sharing)
def sharing(request):
    partnership = request.partnership
    stored = selectors.regional_sharing_of(partnership)
    form = forms.RegionalSharingForm(
        request.POST or None,
        initial={"categories": list(access.regional_categories_of(partnership)), "revision": stored.revision},
    )
    return form_page(
        request,
        form,
        save=lambda data: services.choose_regional_sharing(
            partnership=partnership, by=request.user, request=request, **revised(data)
        ),
        success=f"Saved what {partnership.region} sees.",
        done=reverse("regions:sharing"),
        template="regions/sharing.html",
        context={"region": partnership.region, "heading": "What the region sees", "button": "Save"},
        thing="choice",
    )


@access.requires(access.can_manage_incident)
@require_POST
def share_with_region(request, incident_id):
    found = access.get_for(request, Incident, incident_id, rule=access.can_share_with_region)
    with errors_as_message(request):
        services.share_with_region(incident=found, by=request.user, request=request)
        messages.success(request, f"{found.reference} is shared with the region.")
    return redirect("incidents:incident", incident_id=found.pk)


@access.requires(access.can_manage_incident)
@access.allowed_when_closed  # taking the free text back from the region never waits for a re-open
@require_POST
def stop_sharing_with_region(request, incident_id):
    found = access.get_for(request, Incident, incident_id, rule=access.can_share_with_region)
    services.stop_sharing_with_region(incident=found, by=request.user, request=request)
    messages.success(request, f"{found.reference} is no longer shared with the region.")
    return redirect("incidents:incident", incident_id=found.pk)


@access.requires(access.can_manage_incident)
@access.allowed_when_closed  # declining shares nothing; accepting a closed incident is refused by the service
def decide_proposal(request, incident_id, proposal_id):
    found = access.get_for(request, Incident, incident_id, rule=access.can_share_incident)
    # Any proposal of the incident: one a colleague decided meanwhile is refused on the page, which keeps
    # what was typed, rather than not found.
    proposal = access.get_for(
        request, selectors.proposals_for(found), proposal_id, rule=access.can_decide_share_proposal
    )
    if request.method == "GET" and proposal.status != ProposalStatus.PROPOSED:
        messages.error(request, services.decided_already(proposal))
        return redirect("incidents:incident", incident_id=found.pk)
    if request.POST.get("decision") != "decline":
        return _accept_proposal(request, found, proposal)
    # Declined from the incident's page; refused (no reason, too long, decided meanwhile), the decline is
    # shown on a page of its own that keeps the reason typed.
    return incident_form_page(
        request,
        found,
        forms.DeclineProposalForm(request.POST),
        heading=f"Decline sharing with {proposal.partnership}",
        button="Decline",
        save=lambda data: services.decide_proposal(
            proposal=proposal, accept=False, reason=data["reason"], by=request.user, request=request
        ),
        success=f"You declined sharing {found.reference} with {proposal.partnership}.",
    )


def _accept_proposal(request, incident, proposal):
    """Accepting shares the incident, a disclosure of its people affected: the why and the lawful basis are
    asked on a page of their own, which keeps what was typed when something is missing."""
    form = forms.AcceptProposalForm(
        request.POST or None,
        partnership=incident.partnership,
        initial={"purpose": proposal.reason},
        carries_records=share_carries_records(request, incident),
    )
    return incident_form_page(
        request,
        incident,
        form,
        heading=f"Share with {proposal.partnership}",
        button="Share the incident",
        save=lambda data: services.decide_proposal(
            proposal=proposal, accept=True, basis=form.basis(), by=request.user, request=request
        ),
        success=lambda decided: shared_message(
            decided.share, f"{incident.reference} is shared with {proposal.partnership}."
        ),
        intro=left_out_of_share(request, incident),
    )
