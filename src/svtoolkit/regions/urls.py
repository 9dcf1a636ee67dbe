from django.urls import include, path

from svtoolkit.regions import views

app_name = "regions"

region = [
    path("", views.board, name="board"),
    path("incidents/<id:incident_id>/", views.incident, name="incident"),
    path("incidents/<id:incident_id>/propose/", views.propose_share, name="propose_share"),
]

urlpatterns = [
    path("regions/<slug:region_slug>/", include(region)),
    path("partnership/region/", views.sharing, name="sharing"),
    path("incidents/<id:incident_id>/region/share/", views.share_with_region, name="share_with_region"),
    path(
        "incidents/<id:incident_id>/region/stop-sharing/",
        views.stop_sharing_with_region,
        name="stop_sharing_with_region",
    ),
    path(
        "incidents/<id:incident_id>/region/proposals/<id:proposal_id>/",
        views.decide_proposal,
        name="decide_proposal",
    ),
]
