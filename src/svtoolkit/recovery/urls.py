from django.urls import path

from svtoolkit.recovery import views

app_name = "recovery"

urlpatterns = [
    path("incidents/<int:incident_id>/recovery/", views.incident_calendar, name="incident"),
    path("incidents/<int:incident_id>/recovery/add/", views.milestone_add, name="milestone_add"),
    path(
        "incidents/<int:incident_id>/recovery/anniversaries/<int:index>/",
        views.confirm_anniversary,
        name="confirm_anniversary",
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/link/", views.feed_issue, name="feed_issue"),
    path("calendar/link/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
]
