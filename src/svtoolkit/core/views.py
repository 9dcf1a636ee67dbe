"""The home page, the service's statements and error pages."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers

from svtoolkit import access
from svtoolkit.core import csrf, downloads, health, selectors
from svtoolkit.core.cache import OUTAGE_ERRORS

logger = logging.getLogger(__name__)


@access.signed_in
def home(request):
    sections = selectors.home_sections(user=request.user, partnership=request.partnership)
    return render(request, "core/home.html", {"sections": sections})


@access.public
def accessibility(request):
    return render(request, "core/accessibility.html")


@access.public
def privacy(request):
    return render(request, "core/privacy.html")


@access.public
def cookies(request):
    return render(request, "core/cookies.html")


@access.public
def healthz(request):
    """For load balancers: 200 when the database, cache and task queue all answer, else 503, naming each."""
    checks = health.dependencies()
    healthy = health.DOWN not in checks.values()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    # A refusal may carry a message for the person (a closed incident, say); plain refusals show the default.
    return render(request, "403.html", {"message": getattr(exception, "message", "")}, status=403)


def page_not_found(request, exception=None):
    # An API address that matches nothing (an id past any a database holds, a misspelt path) is answered as
    # the API answers a record it cannot find.
    if is_api(request):
        return api_error("Not found.", status=404)
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form refused by the security check: say why in plain words and give back what was typed (see
    core.csrf), with a fresh token so that sending it again works."""
    return csrf.form_not_sent(request, signed_out=False, give_back=csrf.only_the_token_was_stale(reason))


def server_error(request):
    """The page for an unexpected error, or for an outage of the database or Redis (503, "nothing was saved").

    Rendered with no request context: no context processor, session, database or cache is touched, so the page
    still shows when those are what failed. Django calls this inside its ``except`` block, so the error that
    brought us here is the one being handled.
    """
    failure = sys.exc_info()[1]
    outage = isinstance(failure, (OperationalError, InterfaceError, *OUTAGE_ERRORS))
    if outage:
        logger.error("A dependency is down: %s", failure)
    status, headers = (503, {"Retry-After": "30"}) if outage else (500, {})
    if is_api(request):
        detail = API_OUTAGE if outage else "Sorry, there is a problem with the service. Try again later."
        response = api_error(detail, status=status, headers=headers)
    else:
        page = loader.render_to_string("503.html" if outage else "500.html")
        response = HttpResponse(page, status=status, headers=headers)
    add_never_cache_headers(response)  # never kept, and decided without asking who is signed in
    return response


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_error(detail: str, *, status: int, headers=None) -> JsonResponse:
    """An error the API answers outside its views, as its views do (api.base.ApiView): ``{"detail": ...}``
    with the protective marking of the partnership's case details, which every API answer carries."""
    response = JsonResponse({"detail": detail}, status=status, headers=headers)
    response[downloads.HEADER] = downloads.case_marking()
    return response


API_OUTAGE = "The service is unavailable: nothing you sent was saved. Try again in a few minutes."
