from django.urls import path

from svtoolkit.tension import views

app_name = "tension"

urlpatterns = [
    path("incidents/<int:incident_id>/tension/", views.overview, name="overview"),
    path("incidents/<int:incident_id>/tension/new/", views.record_reading, name="record"),
    path(
        "incidents/<int:incident_id>/tension/suggestions/<int:index>/",
        views.add_suggested_action,
        name="add_action",
    ),
]
