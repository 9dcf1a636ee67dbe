"""The home page, the service's statements and error pages."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from svtoolkit import access
from svtoolkit.core import selectors


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
    """For load balancers: the app is up and its database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    # A refusal may carry a message for the person (a closed incident, say); plain refusals show the default.
    return render(request, "403.html", {"message": getattr(exception, "message", "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
