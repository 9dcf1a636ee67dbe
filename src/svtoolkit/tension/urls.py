from django.urls import include, path

from svtoolkit.tension import views

app_name = "tension"

tension = [
    path("", views.overview, name="overview"),
    path("new/", views.record_reading, name="record"),
    path("suggestions/<int:index>/", views.add_suggested_action, name="add_action"),
]

urlpatterns = [path("incidents/<id:incident_id>/tension/", include(tension))]
