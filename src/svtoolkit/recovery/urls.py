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
    path("incidents/<int:incident_id>/support/", views.support, name="support"),
    path(
        "incidents/<int:incident_id>/support/people/<int:person_id>/add/",
        views.support_add,
        name="support_add",
    ),
    path("incidents/<int:incident_id>/support/<int:offer_id>/", views.support_update, name="support_update"),
    path(
        "incidents/<int:incident_id>/people/<int:person_id>/subject-access/",
        views.subject_access,
        name="subject_access",
    ),
    path("incidents/<int:incident_id>/review/", views.review, name="review"),
    path("incidents/<int:incident_id>/review/start/", views.review_start, name="review_start"),
    path("incidents/<int:incident_id>/review/contribute/", views.review_contribute, name="review_contribute"),
    path("incidents/<int:incident_id>/review/complete/", views.review_complete, name="review_complete"),
    path("incidents/<int:incident_id>/review/follow-ups/add/", views.follow_up_add, name="follow_up_add"),
    path(
        "incidents/<int:incident_id>/review/follow-ups/<int:follow_up_id>/done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    path("incidents/<int:incident_id>/review/lessons/add/", views.lesson_add, name="lesson_add"),
    path("incidents/<int:incident_id>/close/", views.close, name="close"),
    path("incidents/<int:incident_id>/reopen/", views.reopen, name="reopen"),
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/<int:lesson_id>/", views.lesson, name="lesson"),
    path("retention/", views.retention, name="retention"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/link/", views.feed_issue, name="feed_issue"),
    path("calendar/link/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
]
