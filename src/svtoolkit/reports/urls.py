from django.urls import path

from svtoolkit.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/map/", views.incident_map, name="map"),
    path("reports/map/wards/", views.boundary, name="boundary"),
    path("reports/export/<slug:dataset>.<slug:file_format>", views.export, name="export"),
    path("reports/readiness/<int:assessment_id>.pdf", views.readiness_pdf, name="readiness_pdf"),
    path("incidents/<int:incident_id>/reports/", views.incident_reports, name="incident_reports"),
    path("incidents/<int:incident_id>/reports/sitrep.pdf", views.incident_sitrep, name="incident_sitrep"),
    path(
        "incidents/<int:incident_id>/meetings/<int:meeting_id>/pack.pdf",
        views.meeting_pack_pdf,
        name="meeting_pack_pdf",
    ),
]
