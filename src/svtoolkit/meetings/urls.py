from django.urls import include, path

from svtoolkit.meetings import views

app_name = "meetings"

meeting = [
    path("", views.meeting, name="meeting"),
    path("outcome/", views.outcome, name="outcome"),
    path("pack/", views.pack, name="pack"),
    path("cancel/", views.cancel, name="cancel"),
    path("invite.ics", views.calendar_file, name="calendar"),
]

urlpatterns = [
    path("incidents/<id:incident_id>/meetings/", views.meetings, name="list"),
    path("incidents/<id:incident_id>/meetings/new/", views.schedule, name="schedule"),
    path("incidents/<id:incident_id>/meetings/<id:meeting_id>/", include(meeting)),
]
