"""The project's URLs and the bare page, for the bench settings only."""

from django.urls import path

from svtoolkit.bench.views import bare, layout
from svtoolkit.urls import handler400, handler403, handler404, handler500
from svtoolkit.urls import urlpatterns as project_urls

urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/layout/", layout, name="bench_layout"),
    *project_urls,
]

__all__ = ["urlpatterns", "handler400", "handler403", "handler404", "handler500"]
