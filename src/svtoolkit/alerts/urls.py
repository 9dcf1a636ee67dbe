from django.urls import path

from svtoolkit.alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/raise/", views.raise_alert, name="raise"),
    path("alerts/acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
    path("incidents/<id:incident_id>/alert/acknowledge/", views.acknowledge_here, name="acknowledge_here"),
    path("incidents/<id:incident_id>/alert/lead/", views.accept_lead, name="accept_lead"),
    path("rota/", views.rota, name="rota"),
    path("rota/shifts/add/", views.shift_add, name="shift_add"),
    path("rota/shifts/<id:shift_id>/hand-over/", views.shift_handover, name="shift_handover"),
    path("rota/shifts/<id:shift_id>/cover/", views.shift_cover, name="shift_cover"),
    path("rota/alert-list/", views.alert_list, name="alert_list"),
    path("rota/alert-list/<id:entry_id>/remove/", views.alert_list_remove, name="alert_list_remove"),
    path("rota/escalation/", views.escalation, name="escalation"),
    path("rota/launch-protocol/", views.protocol, name="protocol"),
    path("rota/launch-protocol/<id:rule_id>/remove/", views.protocol_remove, name="protocol_remove"),
]
