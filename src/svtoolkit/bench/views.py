from django.http import HttpResponse
from django.shortcuts import render

from svtoolkit import access


@access.public
def bare(request):
    """The cheapest page the same server can give: the yardstick the benchmark compares real pages with."""
    return HttpResponse("<!doctype html><title>Bare</title><p>Bare Django page.</p>")


@access.public
def layout(request):
    """The site's layout around nothing: how much of a page's time the layout itself takes."""
    return render(request, "bench/layout.html")
