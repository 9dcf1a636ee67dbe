from django.urls import path

from svtoolkit.playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("checklist/", views.playbook, name="playbook"),
    path("checklist/adopt/", views.adopt, name="adopt"),
    path("checklist/versions/", views.versions, name="versions"),
    path("checklist/versions/<int:number>/", views.version, name="version"),
    path("checklist/versions/<int:older>/compare/<int:newer>/", views.compare, name="compare"),
    path("checklist/draft/", views.draft, name="draft"),
    path("checklist/draft/start/", views.start_draft, name="start_draft"),
    path("checklist/draft/publish/", views.publish, name="publish"),
    path("checklist/draft/discard/", views.discard_draft, name="discard_draft"),
    path("checklist/draft/areas/<id:area_id>/add/", views.item_add, name="item_add"),
    path("checklist/draft/items/<id:item_id>/", views.item_edit, name="item_edit"),
    path("checklist/draft/items/<id:item_id>/retire/", views.item_retire, name="item_retire"),
    path("readiness/", views.readiness, name="readiness"),
    path("readiness/start/", views.assessment_start, name="assessment_start"),
    path("readiness/<id:assessment_id>/", views.assessment, name="assessment"),
    path("readiness/<id:assessment_id>/report/", views.assessment_report, name="assessment_report"),
    path("readiness/<id:assessment_id>/items/<id:rating_id>/", views.rating_edit, name="rating_edit"),
    path("readiness/<id:assessment_id>/areas/<id:area_id>/", views.assessment_area, name="assessment_area"),
    path("exercises/", views.exercises, name="exercises"),
    path("exercises/new/", views.exercise_start, name="exercise_start"),
    path("exercises/<id:exercise_id>/", views.exercise, name="exercise"),
    path("exercises/<id:exercise_id>/cancel/", views.exercise_cancel, name="exercise_cancel"),
]
