"""The critical-incident fund's pages: the borough's (from an incident) and the region's (its queue)."""

from django.urls import path

from svtoolkit.regions import fund_views as views

app_name = "fund"

urlpatterns = [
    path("incidents/<id:incident_id>/fund/apply/", views.apply, name="apply"),
    path("fund/applications/<id:application_id>/", views.application, name="application"),
    path("fund/applications/<id:application_id>/spend/", views.spend, name="spend"),
    path("regions/<slug:region_slug>/fund/", views.queue, name="queue"),
    path("regions/<slug:region_slug>/fund/rules/", views.rules, name="rules"),
    path("regions/<slug:region_slug>/fund/report/", views.report, name="report"),
    path("regions/<slug:region_slug>/fund/<id:application_id>/", views.decide, name="decide"),
]
