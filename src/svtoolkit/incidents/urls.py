from django.urls import include, path

from svtoolkit.incidents import views
from svtoolkit.incidents.links import views as links_views
from svtoolkit.incidents.measures import views as measures_views
from svtoolkit.incidents.people import views as people_views
from svtoolkit.incidents.strands import views as strands_views

app_name = "incidents"

plan = [
    path("", views.plan, name="plan"),
    path("draw/", views.draw_plan, name="draw_plan"),
    path("add/", views.action_add, name="action_add"),
    path("review/", views.plan_review, name="plan_review"),
    path("first-hours/", views.first_hours, name="first_hours"),
    path("update/", views.plan_update, name="plan_update"),
    path("<id:action_id>/", views.action, name="action"),
]

people = [
    path("", people_views.people, name="people"),
    path("add/", people_views.person_add, name="person_add"),
    path("<id:person_id>/", people_views.person, name="person"),
    path("<id:person_id>/correct/", people_views.person_edit, name="person_edit"),
    path("<id:person_id>/need-to-know/", people_views.person_need_to_know, name="person_need_to_know"),
]

need_to_know = [
    path("", people_views.need_to_know, name="need_to_know"),
    path("recover/", people_views.need_to_know_recover, name="need_to_know_recover"),
    path("<id:entry_id>/remove/", people_views.need_to_know_remove, name="need_to_know_remove"),
]

strands = [
    path("", strands_views.strands, name="strands"),
    path("schools/add/", strands_views.school_add, name="school_add"),
    path("schools/<id:school_id>/", strands_views.school_edit, name="school_edit"),
    path("hospital/add/", strands_views.hospital_add, name="hospital_add"),
    path("hospital/<id:stay_id>/", strands_views.hospital_edit, name="hospital_edit"),
    path("referrals/add/", strands_views.referral_add, name="referral_add"),
    path("referrals/<id:referral_id>/", strands_views.referral_outcome, name="referral_outcome"),
    path("at-risk/add/", strands_views.person_at_risk_add, name="person_at_risk_add"),
]

# Everything under one incident: incidents/<id>/...
incident = [
    path("", views.incident, name="incident"),
    path("record/", views.edit_record, name="edit_record"),
    path("links/add/", links_views.link_add, name="link_add"),
    path("scenes/add/", views.scene_add, name="scene_add"),
    path("measures/add/", measures_views.measure_add, name="measure_add"),
    path("measures/<id:measure_id>/lift/", measures_views.measure_lift, name="measure_lift"),
    path("categorise/", views.categorise, name="categorise"),
    path("lead/", views.lead, name="lead"),
    path("police/", views.police_declaration, name="police_declaration"),
    path("partners/", views.partners, name="partners"),
    path("partners/inform/", views.inform, name="inform"),
    path("partners/<id:participation_id>/send-again/", views.send_notice_again, name="send_notice_again"),
    path("partners/<id:participation_id>/stop/", views.stop_taking_part, name="stop_taking_part"),
    path("acknowledge/", views.acknowledge_here, name="acknowledge_here"),
    path("plan/", include(plan)),
    path("timeline/", views.timeline, name="timeline"),
    path("timeline/add/", views.update, name="update"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/add/", views.decision_add, name="decision_add"),
    path("status/", views.status, name="status"),
    path("messages/", views.incident_messages, name="messages"),
    path("people/", include(people)),
    path("need-to-know/", include(need_to_know)),
    path("strands/", include(strands)),
    path("share/", views.share, name="share"),
]

urlpatterns = [
    path("incidents/", views.incidents, name="list"),
    path("incidents/new/", views.record, name="record"),
    path("incidents/acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
    path("incidents/<id:incident_id>/", include(incident)),
    path("settings/overdue-actions/", views.escalation_settings, name="escalation_settings"),
]
