"""Alert and rota pages. Thin: every rule is in svtoolkit.access, every change in services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.alerts import forms, selectors, services
from svtoolkit.core.forms import errors_as_message, errors_shown_on, revised
from svtoolkit.core.pages import form_page
from svtoolkit.incidents import selectors as incident_selectors
from svtoolkit.incidents.models import Incident


def _on_the_minute():
    return timezone.now().replace(second=0, microsecond=0)


# --- Raising and acknowledging -------------------------------------------------------------------------


@access.requires(access.can_raise_alert)
def raise_alert(request):
    form = forms.RaiseAlertForm(
        request.POST or None,
        initial={"occurred_at": _on_the_minute(), "callback_number": request.user.mobile_number},
        incident_types=incident_selectors.incident_types(request.partnership),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.raise_alert(
            partnership=request.partnership, by=request.user, request=request, **data
        ),
        success=_alert_raised,
        done=lambda alert: reverse("incidents:incident", args=[alert.incident_id]),
        template="alerts/raise.html",
        context={"button": "Raise the alert"},
    )


def _alert_raised(alert) -> str:
    alerted = alert.recipients.count()
    return (
        f"Alert raised as {alert.incident.reference}: {alerted} {'person' if alerted == 1 else 'people'} "
        "alerted by text message and email. It goes further up the duty rota until someone acknowledges it."
    )


@access.public
def acknowledge(request, token):
    """The page the link in an alert opens: one button, no sign-in needed (the link is the person's own)."""
    recipient = selectors.recipient_by_token(token)
    if recipient is None:
        return render(request, "alerts/acknowledge_invalid.html", status=404)
    alert = recipient.alert
    if request.method == "POST":
        services.acknowledge(alert=alert, by=recipient.user, recipient=recipient, via="link", request=request)
        recipient.refresh_from_db()
        alert.refresh_from_db()
    may_lead = (
        request.user.is_authenticated
        and request.user.pk == recipient.user_id
        and alert.lead_accepted_at is None
        and access.can_accept_lead(request.user, alert.partnership, alert)
        and getattr(request, "partnership", None) == alert.partnership
    )
    return render(
        request, "alerts/acknowledge.html", {"recipient": recipient, "alert": alert, "may_lead": may_lead}
    )


def _its_alert(incident):
    """The alert an incident was raised as (read once, then kept on the incident), or None."""
    return getattr(incident, "alert", None)


@access.requires(access.is_member)
@require_POST
def acknowledge_here(request, incident_id):
    incident = access.get_for(
        request, Incident, incident_id, rule=access.can_acknowledge_alert, about=_its_alert
    )
    alert = incident.alert
    if services.acknowledge(alert=alert, by=request.user, request=request):
        messages.success(request, "You acknowledged the alert: escalation has stopped.")
    else:
        alert.refresh_from_db()
        messages.success(request, f"{alert.acknowledged_by} had acknowledged the alert already.")
    return redirect("incidents:incident", incident_id=incident.pk)


@access.requires(access.can_manage_incident)
@require_POST
def accept_lead(request, incident_id):
    incident = access.get_for(request, Incident, incident_id, rule=access.can_accept_lead, about=_its_alert)
    alert = incident.alert
    with errors_as_message(request):
        services.accept_lead(
            alert=alert,
            by=request.user,
            organisation=access.lead_organisation_of(request.user, request.partnership),
            request=request,
        )
        messages.success(
            request,
            f"You lead the response to {incident.reference}. Categorise the incident now: the launch "
            "protocol then asks the partners its category calls for to take part, and tells them.",
        )
        return redirect("incidents:categorise", incident_id=incident.pk)
    return redirect("incidents:incident", incident_id=incident.pk)


# --- The rota ------------------------------------------------------------------------------------------


@access.requires(access.can_view_rota)
def rota(request):
    partnership = request.partnership
    return render(
        request,
        "alerts/rota.html",
        {
            "positions": selectors.rota_now_and_next(partnership),
            "shifts": selectors.shifts_ahead(partnership),
            "alert_list": selectors.alert_list(partnership),
            "steps": [
                {"label": services.DutyRole(step.duty_role).label, "after_minutes": step.after_minutes}
                for step in selectors.escalation_steps(partnership)
            ],
            "can_manage": access.can_manage_alerting(request.user, partnership),
        },
    )


def _rota_form_page(request, form, **page):
    return _alerting_form_page(
        request, form, success="The rota was changed.", done=reverse("alerts:rota"), **page
    )


def _alerting_form_page(request, form, *, heading, button, intro="", shift=None, **page):
    """A page of one form about the rota or the alerting (``alerts/form.html``): ``core.pages.form_page``."""
    return form_page(
        request,
        form,
        template="alerts/form.html",
        context={"heading": heading, "button": button, "intro": intro, "shift": shift},
        **page,
    )


@access.requires(access.can_manage_alerting)
def shift_add(request):
    return _rota_form_page(
        request,
        forms.ShiftForm(request.POST or None, partnership=request.partnership),
        heading="Add a shift",
        button="Add the shift",
        save=lambda data: services.add_shift(
            partnership=request.partnership, by=request.user, request=request, **data
        ),
    )


@access.requires(access.can_manage_alerting)
def shift_handover(request, shift_id):
    shift = selectors.shift_in(request.partnership, shift_id)
    return _rota_form_page(
        request,
        forms.HandoverForm(
            request.POST or None, partnership=request.partnership, initial={"revision": shift.revision}
        ),
        heading="Hand over a shift",
        button="Hand over",
        intro="The person taking over is on duty from now until the shift ends (or for all of it, if it has "
        "not started).",
        shift=shift,
        save=lambda data: services.hand_over_shift(
            shift=shift, by=request.user, request=request, **revised(data)
        ),
        thing="shift",
    )


@access.requires(access.can_manage_alerting)
def shift_cover(request, shift_id):
    shift = selectors.shift_in(request.partnership, shift_id)
    return _rota_form_page(
        request,
        forms.CoverForm(
            request.POST or None,
            partnership=request.partnership,
            initial={"starts_at": max(shift.starts_at, _on_the_minute()), "ends_at": shift.ends_at},
        ),
        heading="Cover part of a shift",
        button="Add the cover",
        intro="While the cover runs, the person covering is on duty instead.",
        shift=shift,
        save=lambda data: services.cover_shift(shift=shift, by=request.user, request=request, **data),
    )


# --- Alert list, escalation policy, launch protocol ----------------------------------------------------


@access.requires(access.can_manage_alerting)
def alert_list(request):
    return form_page(
        request,
        forms.AlertListForm(request.POST or None, partnership=request.partnership),
        save=lambda data: services.add_to_alert_list(
            partnership=request.partnership, user=data["user"], by=request.user, request=request
        ),
        success=lambda entry: f"{entry.user} now gets every alert.",
        done=reverse("alerts:alert_list"),
        template="alerts/alert_list.html",
        context=lambda: {"entries": selectors.alert_list(request.partnership)},
    )


@access.requires(access.can_manage_alerting)
@require_POST
def alert_list_remove(request, entry_id):
    entry = selectors.alert_list_entry(request.partnership, entry_id)
    services.remove_from_alert_list(entry=entry, by=request.user, request=request)
    messages.success(request, f"{entry.user} was taken off the alert list.")
    return redirect("alerts:alert_list")


@access.requires(access.can_manage_alerting)
def escalation(request):
    current = {step.duty_role: step.after_minutes for step in selectors.escalation_steps(request.partnership)}
    current["revision"] = selectors.escalation_policy_revision(request.partnership)
    return _alerting_form_page(
        request,
        forms.EscalationForm(request.POST or None, initial=current),
        heading="Escalation policy",
        button="Save the policy",
        intro="Until someone acknowledges an alert, it goes to each duty role on the rota this many "
        "minutes after it was raised. The alert list is alerted at once.",
        save=lambda data: services.set_escalation_policy(
            partnership=request.partnership,
            after_minutes={role: minutes for role, minutes in data.items() if role != "revision"},
            expected_revision=data["revision"],
            by=request.user,
            request=request,
        ),
        success="The escalation policy was saved.",
        done=reverse("alerts:rota"),
    )


@access.requires(access.can_view_rota, to_change=access.can_manage_alerting)
def protocol(request):
    can_manage = access.can_manage_alerting(request.user, request.partnership)
    form = forms.LaunchRuleForm(request.POST or None, partnership=request.partnership) if can_manage else None
    if form is not None and request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            services.add_launch_rule(
                partnership=request.partnership, by=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, "The rule was added to the launch protocol.")
            return redirect("alerts:protocol")
    return render(
        request,
        "alerts/protocol.html",
        {
            "form": form,
            "table": selectors.protocol_table(request.partnership),
            "rows": selectors.launch_protocol_rows(request.partnership),
            "category_labels": selectors.category_labels(),
            "can_manage": can_manage,
        },
    )


@access.requires(access.can_manage_alerting)
@require_POST
def protocol_remove(request, rule_id):
    rule = selectors.launch_rule_in(request.partnership, rule_id)
    services.remove_launch_rule(rule=rule, by=request.user, request=request)
    messages.success(request, "The rule was taken out of the launch protocol.")
    return redirect("alerts:protocol")
