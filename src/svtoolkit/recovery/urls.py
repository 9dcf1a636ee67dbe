from django.urls import include, path

from svtoolkit.recovery import views
from svtoolkit.recovery.retention import views as retention_views
from svtoolkit.recovery.review import views as review_views
from svtoolkit.recovery.support import views as support_views

app_name = "recovery"

review = [
    path("", review_views.review, name="review"),
    path("start/", review_views.review_start, name="review_start"),
    path("contribute/", review_views.review_contribute, name="review_contribute"),
    path("complete/", review_views.review_complete, name="review_complete"),
    path("follow-ups/add/", review_views.follow_up_add, name="follow_up_add"),
    path("follow-ups/<id:follow_up_id>/done/", review_views.follow_up_done, name="follow_up_done"),
    path("lessons/add/", review_views.lesson_add, name="lesson_add"),
]

# Everything under one incident: incidents/<id>/...
incident = [
    path("recovery/", views.incident_calendar, name="incident"),
    path("recovery/add/", views.milestone_add, name="milestone_add"),
    path("recovery/<id:milestone_id>/change/", views.milestone_change, name="milestone_change"),
    path("recovery/<id:milestone_id>/remove/", views.milestone_remove, name="milestone_remove"),
    path("recovery/anniversaries/<int:index>/", views.confirm_anniversary, name="confirm_anniversary"),
    path("support/", support_views.support, name="support"),
    path("support/people/<id:person_id>/add/", support_views.support_add, name="support_add"),
    path("support/<id:offer_id>/", support_views.support_update, name="support_update"),
    path("people/<id:person_id>/subject-access/", retention_views.subject_access, name="subject_access"),
    path("review/", include(review)),
    path("close/", review_views.close, name="close"),
    path("reopen/", review_views.reopen, name="reopen"),
]

urlpatterns = [
    path("incidents/<id:incident_id>/", include(incident)),
    path("lessons/", review_views.lessons, name="lessons"),
    path("lessons/<id:lesson_id>/", review_views.lesson, name="lesson"),
    path("retention/", retention_views.retention, name="retention"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/link/", views.feed_issue, name="feed_issue"),
    path("calendar/link/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.feed, name="feed"),
]
