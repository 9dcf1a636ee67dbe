"""The region's figures: the dashboard, its download, and the strategic needs assessment extract. Thin: every
figure comes from regions.figures, counted only from what each borough lets the region see; each read is
written to every borough's own audit log."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from svtoolkit import access
from svtoolkit.core import downloads
from svtoolkit.partnerships.tabular import FORMATS, write
from svtoolkit.regions import figures
from svtoolkit.regions.forms import FiguresPeriodForm


def _marking() -> str:
    """Figures and counts, with no one named in them: the deployment's marking of case details."""
    return downloads.marking_for(personal_data=False)


def _download(content: bytes, file_format: str, filename: str) -> HttpResponse:
    return downloads.download(
        content, filename=f"{filename}.{file_format}", content_type=FORMATS[file_format], marking=_marking()
    )


def _dashboard_page(request, region, form: FiguresPeriodForm) -> HttpResponse:
    """The dashboard of the period chosen; for a period not offered, the error summary and the choice again,
    with no figures counted, handed out or written to the boroughs' logs (status 400)."""
    if not form.is_valid():
        return render(request, "regions/figures/dashboard.html", {"region": region, "form": form}, status=400)
    shown = figures.dashboard(region, period=form.months())
    figures.regional_read(
        region=region, shares=shown["shares"], by=request.user, request=request, what="figures"
    )
    this_year = timezone.localdate().year
    return render(
        request,
        "regions/figures/dashboard.html",
        {**shown, "region": region, "form": form, "years": [this_year - 1, this_year]},
    )


@access.requires(access.is_regional_staff)
def dashboard(request, region_slug):
    region = access.get_region_for(request, region_slug)
    return _dashboard_page(request, region, FiguresPeriodForm(request.GET))


@access.requires(access.is_regional_staff)
def export(request, region_slug, file_format):
    region = access.get_region_for(request, region_slug)
    if file_format not in FORMATS:
        raise Http404("No such format")
    form = FiguresPeriodForm(request.GET)
    if not form.is_valid():
        # Figures of another period than asked for would mislead: the dashboard says what is wrong instead.
        return _dashboard_page(request, region, form)
    shown = figures.dashboard(region, period=form.months())
    figures.regional_read(
        region=region, shares=shown["shares"], by=request.user, request=request, what="figures download"
    )
    content, _ = write(
        file_format,
        figures.DASHBOARD_COLUMNS,
        figures.dashboard_rows(shown),
        title="Regional figures",
        marking=_marking(),
    )
    return _download(content, file_format, f"{region.slug}-figures-{timezone.localdate():%Y-%m-%d}")


@access.requires(access.is_regional_staff)
def needs_assessment(request, region_slug, year, file_format):
    region = access.get_region_for(request, region_slug)
    if file_format not in FORMATS or not 2000 <= year <= 2099:
        raise Http404("No such extract")
    rows = figures.needs_assessment(region, year=year)
    figures.regional_read(
        region=region,
        shares=figures.shares_of(region),
        by=request.user,
        request=request,
        what=f"needs assessment extract {year}",
    )
    content, _ = write(
        file_format,
        figures.NEEDS_ASSESSMENT_COLUMNS,
        rows,
        title=f"Needs assessment {year}",
        marking=_marking(),
    )
    return _download(content, file_format, f"{region.slug}-needs-assessment-{year}")
