from django.urls import path

from svtoolkit.recovery import views
from svtoolkit.recovery.retention import views as retention_views
from svtoolkit.recovery.review import views as review_views
from svtoolkit.recovery.support import views as support_views

app_name = "recovery"

urlpatterns = [
    path("incidents/<int:incident_id>/recovery/", views.incident_calendar, name="incident"),
    path("incidents/<int:incident_id>/recovery/add/", views.milestone_add, name="milestone_add"),
    path(
        "incidents/<int:incident_id>/recovery/anniversaries/<int:index>/",
        views.confirm_anniversary,
        name="confirm_anniversary",
    ),
    path("incidents/<int:incident_id>/support/", support_views.support, name="support"),
    path(
        "incidents/<int:incident_id>/support/people/<int:person_id>/add/",
        support_views.support_add,
        name="support_add",
    ),
    path(
        "incidents/<int:incident_id>/support/<int:offer_id>/",
        support_views.support_update,
        name="support_update",
    ),
    path(
        "incidents/<int:incident_id>/people/<int:person_id>/subject-access/",
        retention_views.subject_access,
        name="subject_access",
    ),
    path("incidents/<int:incident_id>/review/", review_views.review, name="review"),
    path("incidents/<int:incident_id>/review/start/", review_views.review_start, name="review_start"),
    path(
        "incidents/<int:incident_id>/review/contribute/",
        review_views.review_contribute,
        name="review_contribute",
    ),
    path(
        "incidents/<int:incident_id>/review/complete/", review_views.review_complete, name="review_complete"
    ),
    path(
        "incidents/<int:incident_id>/review/follow-ups/add/", review_views.follow_up_add, name="follow_up_add"
    ),
    path(
        "incidents/<int:incident_id>/review/follow-ups/<int:follow_up_id>/done/",
        review_views.follow_up_done,
        name="follow_up_done",
    ),
    path("incidents/<int:incident_id>/review/lessons/add/", review_views.lesson_add, name="lesson_add"),
    path("incidents/<int:incident_id>/close/", review_views.close, name="close"),
    path("incidents/<int:incident_id>/reopen/", review_views.reopen, name="reopen"),
    path("lessons/", review_views.lessons, name="lessons"),
    path("lessons/<int:lesson_id>/", review_views.lesson, name="lesson"),
    path("retention/", retention_views.retention, name="retention"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/link/", views.feed_issue, name="feed_issue"),
    path("calendar/link/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
]
