"""Report pages and documents. Thin: every figure comes from the selectors, over what the viewer may see."""

from collections import Counter

from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from svtoolkit import access
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_shown_on
from svtoolkit.core.pages import form_page
from svtoolkit.incidents.disclosures import holds_health_information, record_disclosure
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.people.selectors import read_people
from svtoolkit.incidents.selectors import incident_for, incident_page
from svtoolkit.meetings.selectors import meeting_in
from svtoolkit.playbooks.selectors import assessment_in, readiness_summary
from svtoolkit.reports import exports, forms, selectors, services
from svtoolkit.reports.boundaries import boundary_of
from svtoolkit.reports.pdf import pdf_response


def _filters(request):
    types = selectors.incident_types(request.partnership)
    form = forms.ReportFilterForm(request.GET, types=types)
    return form, form.filters(), types


def _dashboard_page(request, form, filters, *, status=200):
    figures = selectors.dashboard(request.user, request.partnership, filters)
    return render(
        request,
        "reports/dashboard.html",
        {**figures, "form": form, "query": request.GET.urlencode(), "uses_charts": True},
        status=status,
    )


@access.requires(access.can_view_reports)
def dashboard(request):
    form, filters, _ = _filters(request)
    return _dashboard_page(request, form, filters)


@access.requires(access.can_view_reports)
def incident_map(request):
    form, filters, _ = _filters(request)
    boundary = boundary_of(request.partnership)
    points, more = selectors.map_points(request.user, request.partnership, filters, boundary)
    measures = selectors.map_measures(request.user, request.partnership, filters, boundary)
    map_data = {
        "boundary": boundary.geojson if boundary else None,
        "points": [
            {**point.as_json(), "url": reverse("incidents:incident", args=[point.incident_id])}
            for point in points
            if point.latitude is not None
        ],
        "measures": [
            {**measure.as_json(), "url": reverse("incidents:incident", args=[measure.incident_id])}
            for measure in measures
            if measure.latitude is not None
        ],
    }
    return render(
        request,
        "reports/map.html",
        {
            "form": form,
            "points": points,
            "measures": measures,
            "more": more,
            "limit": selectors.MAP_LIMIT,
            "map_data": map_data,
            "boundary": boundary,
            "exact": access.sees_exact_scenes(request.user, request.partnership),
            "can_manage_boundary": access.can_manage_boundary(request.user, request.partnership),
        },
    )


NO_WARDS = {"type": "FeatureCollection", "features": []}


@access.requires(access.can_view_reports)
def ward_outlines(request):
    """The partnership's wards as GeoJSON, drawn under the map that places a scene (assets/picker.js), so
    that a person can see where to click. Outlines only: no incident, scene or person is in them."""
    boundary = boundary_of(request.partnership)
    return JsonResponse(boundary.geojson if boundary and boundary.geojson else NO_WARDS)


@access.requires(access.can_manage_boundary)
def boundary(request):
    form = forms.BoundaryForm(
        request.POST or None,
        request.FILES or None,
        initial={"revision": selectors.boundary_revision(request.partnership)},
    )
    return form_page(
        request,
        form,
        save=lambda data: services.set_boundary(
            partnership=request.partnership,
            by=request.user,
            boundary=form.boundary,
            file_name=data["file"].name,
            expected_revision=data["revision"],
            request=request,
        ),
        success=lambda _: f"The map now shows {len(form.boundary.wards)} wards from your file.",
        done=reverse("reports:map"),
        template="reports/boundary.html",
        context=lambda: {"current": boundary_of(request.partnership)},
        thing=None,
    )


@never_cache
@access.requires(access.can_view_reports)
def export(request, dataset, file_format):
    if dataset not in exports.DATASETS or file_format not in exports.FORMATS:
        raise Http404("No such export")
    form, filters, types = _filters(request)
    if form.errors:
        # A download of other incidents than asked for would mislead: the dashboard says what is wrong
        # instead, and nothing is handed out or written to the audit log.
        return _dashboard_page(request, form, filters, status=400)
    incidents = selectors.reportable_incidents(request.user, request.partnership, filters)
    rows_of = Counter()  # by the partnership whose incidents they are: those shared with us are another's
    if dataset == "incidents":
        columns = exports.INCIDENT_COLUMNS
        rows = exports.incident_rows(incidents, types, now=timezone.now(), rows_of=rows_of)
    else:
        columns, rows = exports.ACTION_COLUMNS, exports.action_rows(incidents, rows_of=rows_of)
    # Incidents and actions are the partnership's case details: no personal data about people affected.
    marking = downloads.marking_for(personal_data=False)
    content, count = exports.write(file_format, columns, rows, title=dataset.capitalize(), marking=marking)
    services.record_export(
        partnership=request.partnership,
        by=request.user,
        what=f"{dataset} export",
        file_format=file_format,
        rows=count,
        rows_of=rows_of,
        request=request,
    )
    return downloads.download(
        content,
        filename=f"{request.partnership.slug}-{dataset}-{timezone.localdate():%Y-%m-%d}.{file_format}",
        content_type=exports.FORMATS[file_format],
        marking=marking,
    )


@access.requires(access.is_member)
def incident_reports(request, incident_id):
    shown = incident_for(request.user, request.partnership, incident_id)
    return render(
        request,
        "reports/incident_reports.html",
        {
            "incident": shown,
            "form": forms.SitrepPeopleForm(partnership=shown.partnership),
            "can_read_people": access.can_read_any_person(request.user, request.partnership, shown),
        },
    )


@never_cache
@access.requires(access.is_member)
@access.allowed_when_closed  # asking for the people in it reads them; it changes nothing
@require_http_methods(["GET", "POST"])
def incident_sitrep(request, incident_id):
    """The situation report as a PDF. People affected only by a POST from the need-to-know list, with a
    reason; each record then read is audited, as when it is opened on its page."""
    asks_for_people = request.method == "POST"
    shown = access.get_for(
        request, Incident, incident_id, rule=access.can_read_any_person if asks_for_people else None
    )
    people = None
    if asks_for_people:
        # The records are the lead partnership's, and so is the agreement their disclosure relies on, from
        # whichever partnership the incident is shared with the report is asked.
        form = forms.SitrepPeopleForm(request.POST, partnership=shown.partnership)
        with errors_shown_on(form) as refused:
            if form.is_valid():
                # One transaction: a disclosure refused leaves no record read for a report not given.
                with transaction.atomic():
                    people = read_people(
                        user=request.user,
                        incident=shown,
                        reason=form.cleaned_data["reason"],
                        purpose="situation report",
                        request=request,
                    )
                    record_disclosure(
                        incident=shown,
                        people=people,
                        what="Situation report with the records of people affected",
                        recipient=form.cleaned_data["recipient"],
                        # The report prints their support needs, hospital stays and referral outcomes.
                        special_category=holds_health_information(people),
                        by=request.user,
                        request=request,
                        **form.basis(),
                    )
        if people is None or refused.error:
            return render(
                request,
                "reports/incident_reports.html",
                {"incident": shown, "form": form, "can_read_people": True},
            )
    context = selectors.situation_report(
        shown,
        user=request.user,
        partnership=request.partnership,
        people=people,
        reason=form.cleaned_data["reason"] if asks_for_people else "",
        request=request,
    )
    response = pdf_response(
        request,
        "reports/pdf/sitrep.html",
        context,
        filename=f"{shown.reference}-sitrep-{timezone.localtime():%Y-%m-%d-%H%M}.pdf",
        exercise=shown.is_exercise,
        # With the people affected in it, the sitrep holds personal data: never less than OFFICIAL-SENSITIVE.
        marking=downloads.marking_for(personal_data=people is not None),
    )
    if people is None:  # with them, it is in the disclosure log, and each record read in the audit log
        services.record_document(
            incident=shown,
            partnership=request.partnership,
            by=request.user,
            what="situation report",
            request=request,
        )
    return response


@never_cache
@access.requires(access.is_member)
def readiness_pdf(request, assessment_id):
    shown = assessment_in(request.partnership, assessment_id)
    return pdf_response(
        request,
        "reports/pdf/readiness.html",
        {"summary": readiness_summary(shown)},
        filename=f"{request.partnership.slug}-readiness-{shown.assessed_on:%Y-%m-%d}.pdf",
        marking=downloads.marking_for(personal_data=False),
    )


@never_cache
@access.requires(access.is_member)
def meeting_pack_pdf(request, incident_id, meeting_id):
    shown = incident_for(request.user, request.partnership, incident_id)
    found = meeting_in(shown, meeting_id)
    context = incident_page(shown, user=request.user, partnership=request.partnership)
    response = pdf_response(
        request,
        "reports/pdf/meeting_pack.html",
        {**context, "meeting": found},
        filename=f"{shown.reference}-meeting-pack-{timezone.localtime(found.starts_at):%Y-%m-%d}.pdf",
        exercise=shown.is_exercise,
        marking=downloads.marking_for(personal_data=False),
    )
    services.record_document(
        incident=shown, partnership=request.partnership, by=request.user, what="meeting pack", request=request
    )
    return response
