from django.http import HttpResponse

from svtoolkit import access


@access.public
def bare(request):
    """The cheapest page the same server can give: the yardstick the benchmark compares real pages with."""
    return HttpResponse("<!doctype html><title>Bare</title><p>Bare Django page.</p>")
