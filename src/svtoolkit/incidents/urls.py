from django.urls import path

from svtoolkit.incidents import views
from svtoolkit.incidents.links import views as links_views
from svtoolkit.incidents.measures import views as measures_views
from svtoolkit.incidents.people import views as people_views
from svtoolkit.incidents.strands import views as strands_views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incidents, name="list"),
    path("incidents/new/", views.record, name="record"),
    path("incidents/acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/record/", views.edit_record, name="edit_record"),
    path("incidents/<int:incident_id>/links/add/", links_views.link_add, name="link_add"),
    path("incidents/<int:incident_id>/scenes/add/", views.scene_add, name="scene_add"),
    path("incidents/<int:incident_id>/measures/add/", measures_views.measure_add, name="measure_add"),
    path(
        "incidents/<int:incident_id>/measures/<int:measure_id>/lift/",
        measures_views.measure_lift,
        name="measure_lift",
    ),
    path("incidents/<int:incident_id>/categorise/", views.categorise, name="categorise"),
    path("incidents/<int:incident_id>/lead/", views.lead, name="lead"),
    path("incidents/<int:incident_id>/police/", views.police_declaration, name="police_declaration"),
    path("incidents/<int:incident_id>/partners/", views.partners, name="partners"),
    path("incidents/<int:incident_id>/partners/inform/", views.inform, name="inform"),
    path(
        "incidents/<int:incident_id>/partners/<int:participation_id>/send-again/",
        views.send_notice_again,
        name="send_notice_again",
    ),
    path("incidents/<int:incident_id>/acknowledge/", views.acknowledge_here, name="acknowledge_here"),
    path("incidents/<int:incident_id>/plan/", views.plan, name="plan"),
    path("incidents/<int:incident_id>/plan/draw/", views.draw_plan, name="draw_plan"),
    path("incidents/<int:incident_id>/plan/add/", views.action_add, name="action_add"),
    path("incidents/<int:incident_id>/plan/review/", views.plan_review, name="plan_review"),
    path("incidents/<int:incident_id>/plan/first-hours/", views.first_hours, name="first_hours"),
    path("incidents/<int:incident_id>/plan/update/", views.plan_update, name="plan_update"),
    path("incidents/<int:incident_id>/plan/<int:action_id>/", views.action, name="action"),
    path("incidents/<int:incident_id>/timeline/", views.timeline, name="timeline"),
    path("incidents/<int:incident_id>/timeline/add/", views.update, name="update"),
    path("incidents/<int:incident_id>/decisions/", views.decisions, name="decisions"),
    path("incidents/<int:incident_id>/decisions/add/", views.decision_add, name="decision_add"),
    path("incidents/<int:incident_id>/status/", views.status, name="status"),
    path("incidents/<int:incident_id>/messages/", views.incident_messages, name="messages"),
    path("incidents/<int:incident_id>/people/", people_views.people, name="people"),
    path("incidents/<int:incident_id>/people/add/", people_views.person_add, name="person_add"),
    path("incidents/<int:incident_id>/people/<int:person_id>/", people_views.person, name="person"),
    path(
        "incidents/<int:incident_id>/people/<int:person_id>/correct/",
        people_views.person_edit,
        name="person_edit",
    ),
    path(
        "incidents/<int:incident_id>/people/<int:person_id>/need-to-know/",
        people_views.person_need_to_know,
        name="person_need_to_know",
    ),
    path("incidents/<int:incident_id>/need-to-know/", people_views.need_to_know, name="need_to_know"),
    path(
        "incidents/<int:incident_id>/need-to-know/recover/",
        people_views.need_to_know_recover,
        name="need_to_know_recover",
    ),
    path(
        "incidents/<int:incident_id>/need-to-know/<int:entry_id>/remove/",
        people_views.need_to_know_remove,
        name="need_to_know_remove",
    ),
    path("incidents/<int:incident_id>/strands/", strands_views.strands, name="strands"),
    path("incidents/<int:incident_id>/strands/schools/add/", strands_views.school_add, name="school_add"),
    path(
        "incidents/<int:incident_id>/strands/schools/<int:school_id>/",
        strands_views.school_edit,
        name="school_edit",
    ),
    path(
        "incidents/<int:incident_id>/strands/hospital/add/", strands_views.hospital_add, name="hospital_add"
    ),
    path(
        "incidents/<int:incident_id>/strands/hospital/<int:stay_id>/",
        strands_views.hospital_edit,
        name="hospital_edit",
    ),
    path(
        "incidents/<int:incident_id>/strands/referrals/add/", strands_views.referral_add, name="referral_add"
    ),
    path(
        "incidents/<int:incident_id>/strands/referrals/<int:referral_id>/",
        strands_views.referral_outcome,
        name="referral_outcome",
    ),
    path(
        "incidents/<int:incident_id>/strands/at-risk/add/",
        strands_views.person_at_risk_add,
        name="person_at_risk_add",
    ),
    path("incidents/<int:incident_id>/share/", views.share, name="share"),
    path("settings/overdue-actions/", views.escalation_settings, name="escalation_settings"),
]
