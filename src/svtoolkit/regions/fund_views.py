"""The critical-incident fund's pages. Thin: the borough's pages find the incident or application through the
access rules, the region's through get_region_for; every change goes through fund_services."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import localtime

from svtoolkit import access
from svtoolkit.core.forms import initial_from, revised
from svtoolkit.core.pages import address_page, form_page
from svtoolkit.incidents.models import Incident
from svtoolkit.regions import fund_forms as forms
from svtoolkit.regions import fund_selectors as selectors
from svtoolkit.regions import fund_services as services
from svtoolkit.regions.fund_models import FundStatus

# --- The borough's pages ----------------------------------------------------------------------------------


@access.requires(access.can_manage_incident)
def apply(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_apply_to_fund)
    access.refuse_form_of_closed(request, shown)
    return form_page(
        request,
        forms.ApplicationForm(request.POST or None),
        save=lambda data: services.apply(
            incident=shown, partnership=request.partnership, by=request.user, request=request, **data
        ),
        success=lambda application: f"Your application was sent to {application.region}.",
        done=lambda application: reverse("fund:application", args=[application.pk]),
        template="regions/fund/apply.html",
        context=lambda: {"incident": shown, "rules": services.rules_of(request.partnership.region)},
    )


def _borough_application(request, application_id, *, rule=None):
    return access.get_for(
        request, selectors.applications_of_partnership(request.partnership), application_id, rule=rule
    )


@access.requires(access.can_manage_incident)
def application(request, application_id):
    shown = _borough_application(request, application_id)
    can_record = shown.status in (
        FundStatus.APPROVED,
        FundStatus.PART_APPROVED,
    ) and access.can_record_fund_spend(request.user, request.partnership, shown)
    return render(
        request, "regions/fund/application.html", {"application": shown, "can_record_spend": can_record}
    )


@access.requires(access.can_manage_incident)
def spend(request, application_id):
    shown = _borough_application(request, application_id, rule=access.can_record_fund_spend)
    return form_page(
        request,
        forms.SpendForm(request.POST or None, initial={"revision": shown.revision}),
        save=lambda data: services.record_spend(
            application=shown, by=request.user, request=request, **revised(data)
        ),
        success="The spending and what came of it were recorded.",
        done=reverse("fund:application", args=[shown.pk]),
        template="regions/fund/spend.html",
        context={"application": shown},
        thing="application",
    )


# --- The region's pages -----------------------------------------------------------------------------------


@access.requires(access.is_regional_staff)
def queue(request, region_slug):
    region = access.get_region_for(request, region_slug)
    return address_page(
        request,
        forms.QueueForm(request.GET),
        template="regions/fund/queue.html",
        context={
            "region": region,
            "rules": services.rules_of(region),
            "can_coordinate": access.may_coordinate_region(request.user, region),
        },
        shown=lambda chosen: {
            "applications": selectors.applications_of_region(region, status=chosen["status"])[:200]
        },
    )


@access.requires(access.is_regional_staff)
def decide(request, region_slug, application_id):
    deciding = request.method == "POST"
    rule = access.may_coordinate_region if deciding else access.may_view_region
    region = access.get_region_for(request, region_slug, rule=rule)
    moved = deciding and selectors.moved_away_from(region, application_id)
    if moved:
        return _moved_away(request, region, moved)
    shown = access.get_for(request, selectors.applications_of_region(region), application_id)
    if not deciding:
        selectors.regional_read(application=shown, by=request.user, request=request)
    can_decide = access.may_coordinate_region(request.user, region) and shown.status == FundStatus.APPLIED
    return form_page(
        request,
        forms.DecisionForm(request.POST or None, initial={"revision": shown.revision}),
        save=lambda data: services.decide(
            application=shown, by=request.user, request=request, **revised(data)
        ),
        success="Your decision was recorded and the borough's coordinators told.",
        done=reverse("fund:queue", args=[region.slug]),
        template="regions/fund/decide.html",
        context={"region": region, "application": shown, "can_decide": can_decide},
        thing="application",
    )


def _moved_away(request, region, application):
    """A decision sent from a page opened before the borough moved region: refused, saying why, with what
    was typed shown (the region it went to is not named: that is the borough's to say)."""
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    form.add_error(
        None,
        f"This application is no longer in {region}'s fund: {application.partnership} moved to another"
        f" region on {localtime(application.moved_at):%-d %B %Y}, and its applications waiting for a decision"
        " went with it. Your decision was not recorded.",
    )
    return render(
        request,
        "regions/fund/moved.html",
        {"region": region, "form": form, "typed": request.POST.get("reasons", "")},
        status=409,
    )


@access.requires(access.is_regional_staff)
def rules(request, region_slug):
    region = access.get_region_for(request, region_slug, rule=access.may_coordinate_region)
    current = services.rules_of(region)
    form = forms.RulesForm(
        request.POST or None,
        initial=initial_from(
            current,
            "limit_per_incident",
            "is_open",
            "guidance",
            revision=current.revision if current.pk else None,
        ),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.set_rules(
            region=region, by=request.user, request=request, **revised(data)
        ),
        success="The fund's rules were saved.",
        done=reverse("fund:queue", args=[region.slug]),
        template="regions/fund/rules.html",
        context={"region": region},
        thing="fund rules",
    )


@access.requires(access.is_regional_staff)
def report(request, region_slug):
    region = access.get_region_for(request, region_slug)
    return address_page(
        request,
        forms.ReportYearForm(request.GET),
        template="regions/fund/report.html",
        context={"region": region},
        shown=lambda chosen: {"year": chosen["year"], **selectors.fund_report(region, year=chosen["year"])},
    )
