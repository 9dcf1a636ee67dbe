"""The region's figures: the dashboard, its download, the strategic needs assessment extract."""

from django.urls import path

from svtoolkit.regions import figures_views as views

app_name = "figures"
FIGURES = "regions/<slug:region_slug>/figures/"

urlpatterns = [
    path(FIGURES, views.dashboard, name="dashboard"),
    path(f"{FIGURES}export.<str:file_format>", views.export, name="export"),
    path(
        f"{FIGURES}needs-assessment-<int:year>.<str:file_format>",
        views.needs_assessment,
        name="needs_assessment",
    ),
]
