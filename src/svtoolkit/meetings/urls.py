from django.urls import path

from svtoolkit.meetings import views

app_name = "meetings"

urlpatterns = [
    path("incidents/<int:incident_id>/meetings/", views.meetings, name="list"),
    path("incidents/<int:incident_id>/meetings/new/", views.schedule, name="schedule"),
    path("incidents/<int:incident_id>/meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("incidents/<int:incident_id>/meetings/<int:meeting_id>/outcome/", views.outcome, name="outcome"),
    path("incidents/<int:incident_id>/meetings/<int:meeting_id>/pack/", views.pack, name="pack"),
    path("incidents/<int:incident_id>/meetings/<int:meeting_id>/cancel/", views.cancel, name="cancel"),
    path(
        "incidents/<int:incident_id>/meetings/<int:meeting_id>/invite.ics",
        views.calendar_file,
        name="calendar",
    ),
]
