"""Communications pages. Thin: incidents are found through the access rules; changes go through services."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.communications import forms, selectors, services
from svtoolkit.communications.models import MessageStatus
from svtoolkit.core.forms import errors_as_message, errors_shown_on, initial_from, revised
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_section, their_version
from svtoolkit.incidents.selectors import incident_for_request


@access.requires(access.is_member)
@incident_section("communications/overview.html")
def communications(request, shown):
    plan = selectors.plan_of(shown)
    return {
        "plan": plan,
        "owner_reminded": plan is not None and selectors.updates_owner_reminded(plan, shown),
        "messages_planned": selectors.messages_with_titles(shown, request.user, request.partnership, request),
        "notes": selectors.monitoring_notes(shown),
        "can_work": access.can_work_incident_now(request.user, request.partnership, shown),
    }


@access.requires(access.can_manage_incident)
def plan(request, incident_id):
    shown = incident_for_request(request, incident_id)
    current = selectors.plan_of(shown)
    initial = (
        initial_from(
            current, "lead_organisation", "main_channel", "update_every_days", "updates_owner", "revision"
        )
        if current
        else {"revision": 1}
    )
    return incident_form_page(
        request,
        shown,
        forms.PlanForm(request.POST or None, initial=initial, partnership=request.partnership),
        heading="Communications plan",
        button="Save the plan",
        save=lambda data: services.set_plan(
            incident=shown, by=request.user, request=request, **revised(data)
        ),
        success="The communications plan was saved.",
        done=_overview(shown),
    )


@access.requires(access.can_manage_incident)
def message_add(request, incident_id):
    shown = incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.MessageForm(request.POST or None, incident=shown),
        heading="Draft a message",
        button="Save the draft",
        save=lambda data: services.draft_message(incident=shown, by=request.user, request=request, **data),
        success="The message was drafted. Send it for sign-off when it is ready.",
        done=lambda drafted: reverse("communications:message", args=[shown.pk, drafted.pk]),
    )


@access.requires(access.can_manage_incident)
def message_edit(request, incident_id, message_id):
    shown = access.get_for(request, Incident, incident_id)
    found = access.get_for(request, selectors.messages_in(shown), message_id, rule=access.can_read_message)
    # Opened on a message that is no longer a draft: back to the message, saying what became of it. A save
    # sent from a page opened before is refused on the page, which keeps what was typed.
    if request.method == "GET" and found.status != MessageStatus.DRAFT:
        flash.error(request, services.no_longer_a_draft(found))
        return redirect("communications:message", incident_id=shown.pk, message_id=found.pk)
    selectors.read_message(
        found,
        incident=shown,
        user=request.user,
        partnership=request.partnership,
        request=request,
        what="message naming someone affected, opened to change it",
    )
    initial = initial_from(
        found,
        "kind",
        "title",
        "body",
        "audience",
        "channel",
        "names_or_images",
        "revision",
        planned_for=timezone.localtime(found.planned_for),
        approvers=[sign_off.organisation_id for sign_off in found.sign_offs.all()],
    )
    return incident_form_page(
        request,
        shown,
        forms.DraftForm(request.POST or None, incident=shown, initial=initial),
        heading="Change the draft",
        button="Save the draft",
        save=lambda data: services.revise_draft(
            message=found, by=request.user, request=request, **revised(data)
        ),
        success="The draft was changed.",
        done=reverse("communications:message", args=[shown.pk, found.pk]),
        thing="draft",
        on_conflict=their_version(
            found, lambda draft: [("Title", draft.title), ("Text", draft.body), ("Audience", draft.audience)]
        ),
    )


@access.requires(access.is_member)
def message(request, incident_id, message_id):
    shown = incident_for_request(request, incident_id)
    return _message_page(request, shown, selectors.message_in(shown, message_id))


def _message_page(request, shown, found, *, sign_off_form=None, family_form=None):
    """The message's page; after a sign-off or the family's agreement was refused for what was typed, with
    that form as it was sent, its errors summarised, and nothing changed."""
    # A closed incident takes no sign-off (refuse_changes_to_closed): none is offered.
    signable = (
        [] if access.is_read_only(shown) else selectors.signable_by(found, request.user, request.partnership)
    )
    can_read = selectors.read_message(
        found, incident=shown, user=request.user, partnership=request.partnership, request=request
    )
    sign_off_form = sign_off_form or forms.SignOffForm()
    family_form = family_form or forms.FamilyAgreementForm(initial={"revision": found.revision})
    return render(
        request,
        "communications/message.html",
        {
            "incident": shown,
            "message": found,
            "title": selectors.title_shown(found, readable=can_read),
            "signable": signable,
            "can_read": can_read,
            "can_read_notes": selectors.read_message_notes(
                found, incident=shown, user=request.user, partnership=request.partnership, request=request
            ),
            "sign_off_form": sign_off_form,
            "family_form": family_form,
            "forms": [sign_off_form, family_form],
            "can_manage": access.can_manage_incident_now(request.user, request.partnership, shown),
            "publish_refused": services.publish_refused_because(found),
        },
    )


def _message_action(request, incident_id, message_id, act, success):
    """Move a message on (submit, publish, withdraw, record the family's agreement): only someone who may read
    it, so no one sends on, or publishes, a message naming someone that they have not been allowed to see."""
    shown = incident_for_request(request, incident_id)
    found = access.get_for(request, selectors.messages_in(shown), message_id, rule=access.can_read_message)
    with errors_as_message(request):
        act(found)
        flash.success(request, success)
    return redirect("communications:message", incident_id=shown.pk, message_id=found.pk)


def _message_step(service, success):
    """A button that moves a message on through one service: see ``_message_action``."""

    @access.requires(access.can_manage_incident)
    @require_POST
    def step(request, incident_id, message_id):
        return _message_action(
            request,
            incident_id,
            message_id,
            lambda found: service(message=found, by=request.user, request=request),
            success,
        )

    return step


submit = _message_step(services.submit_for_sign_off, "The message was sent for sign-off.")
publish = _message_step(services.publish, "The message is marked as published.")
withdraw = _message_step(services.withdraw, "The message was withdrawn.")


@access.requires(access.can_manage_incident)
@require_POST
def family_agreement(request, incident_id, message_id):
    """Refused for what was typed, or for a message changed since the page was read to the family: the page
    again, with the text as it is now, what was typed, and the refusal summarised. Its form carries the
    revision sent, or, once told the text changed, the revision of the text the page shows."""
    shown = incident_for_request(request, incident_id)
    found = access.get_for(request, selectors.messages_in(shown), message_id, rule=access.can_read_message)
    form = forms.FamilyAgreementForm(request.POST)
    typed_well = form.is_valid()
    with errors_shown_on(form, thing=None):
        services.refuse_if_changed_since_read(
            message=found, expected_revision=form.cleaned_data.get("revision")
        )
        if typed_well:
            services.record_family_agreement(
                message=found,
                by=request.user,
                note=form.cleaned_data["note"],
                expected_revision=form.cleaned_data["revision"],
                request=request,
            )
            flash.success(request, "The family's agreement was recorded.")
            return redirect("communications:message", incident_id=shown.pk, message_id=found.pk)
    return _message_page(request, shown, found, family_form=form)


@access.requires(access.can_work_incident)
@require_POST
def sign(request, incident_id, message_id, sign_off_id):
    shown = access.get_for(request, Incident, incident_id)
    found = selectors.message_in(shown, message_id)
    pending = access.get_for(request, selectors.sign_offs_of(found), sign_off_id, rule=access.can_sign_off)
    form = forms.SignOffForm(request.POST)
    if form.is_valid():
        with errors_shown_on(form, thing=None):
            services.sign_off(
                sign_off=pending, by=request.user, comment=form.cleaned_data["comment"], request=request
            )
            flash.success(request, f"You signed it off for {pending.organisation}.")
            return redirect("communications:message", incident_id=shown.pk, message_id=found.pk)
    return _message_page(request, shown, found, sign_off_form=form)


@access.requires(access.can_work_incident)
def note_add(request, incident_id):
    shown = incident_for_request(request, incident_id)
    return incident_form_page(
        request,
        shown,
        forms.MonitoringNoteForm(request.POST or None),
        heading="Add a monitoring note or rumour",
        button="Add the note",
        save=lambda data: services.add_monitoring_note(
            incident=shown, by=request.user, request=request, **data
        ),
        success="The note was added.",
        done=_overview(shown),
    )


def _overview(incident):
    return reverse("communications:overview", args=[incident.pk])
