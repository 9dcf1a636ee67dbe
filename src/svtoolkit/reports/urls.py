from django.urls import include, path

from svtoolkit.reports import views

app_name = "reports"

reports = [
    path("", views.dashboard, name="dashboard"),
    path("map/", views.incident_map, name="map"),
    path("map/wards/", views.boundary, name="boundary"),
    path("map/wards.geojson", views.ward_outlines, name="ward_outlines"),
    path("export/<slug:dataset>.<slug:file_format>", views.export, name="export"),
    path("readiness/<id:assessment_id>.pdf", views.readiness_pdf, name="readiness_pdf"),
]

urlpatterns = [
    path("reports/", include(reports)),
    path("incidents/<id:incident_id>/reports/", views.incident_reports, name="incident_reports"),
    path("incidents/<id:incident_id>/reports/sitrep.pdf", views.incident_sitrep, name="incident_sitrep"),
    path(
        "incidents/<id:incident_id>/meetings/<id:meeting_id>/pack.pdf",
        views.meeting_pack_pdf,
        name="meeting_pack_pdf",
    ),
]
