"""The REST API under /api/v1/, its schema and documentation, and the token pages of the account area.

Paths name ids with ``<id:...>`` (core.converters), so an id that is not a number a record can have is simply
not found.
"""

from django.urls import include, path

from svtoolkit.api import (
    actions,
    alerts,
    directory,
    incidents,
    meetings,
    messages,
    records,
    scenes,
    tension,
    views,
)

app_name = "api"

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "patch": "partial_update"}
READ = {"get": "retrieve"}

# Everything under one incident: api/v1/incidents/<id>/...
incident = [
    path("", incidents.IncidentViewSet.as_view(DETAIL), name="incident"),
    path("status/", incidents.IncidentViewSet.as_view({"post": "change_status"}), name="incident_status"),
    path("scenes/", scenes.SceneViewSet.as_view(LIST), name="scenes"),
    path("measures/", scenes.MeasureViewSet.as_view(LIST), name="measures"),
    path(
        "measures/<id:measure_id>/lift/",
        scenes.MeasureViewSet.as_view({"post": "lift"}),
        name="measure_lift",
    ),
    path("actions/", actions.ActionViewSet.as_view(LIST), name="actions"),
    path("actions/<id:action_id>/", actions.ActionViewSet.as_view(DETAIL), name="action"),
    path("timeline/", records.TimelineViewSet.as_view(LIST), name="timeline"),
    path("decisions/", records.DecisionViewSet.as_view(LIST), name="decisions"),
    path("decisions/<id:decision_id>/", records.DecisionViewSet.as_view(READ), name="decision"),
    path("meetings/", meetings.MeetingViewSet.as_view(LIST), name="meetings"),
    path("meetings/<id:meeting_id>/", meetings.MeetingViewSet.as_view(READ), name="meeting"),
    path("messages/", messages.MessageViewSet.as_view(LIST), name="messages"),
    path("messages/<id:message_id>/", messages.MessageViewSet.as_view(READ), name="message"),
    path("tension-readings/", tension.TensionReadingViewSet.as_view(LIST), name="tension_readings"),
]

urlpatterns = [
    path("account/api-tokens/", views.tokens, name="tokens"),
    path("account/api-tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("api/schema/", views.SchemaView.as_view(), name="schema"),
    path("api/docs/", views.docs, name="docs"),
    path("api/v1/alerts/", alerts.AlertViewSet.as_view({"post": "create"}), name="alerts"),
    path("api/v1/incidents/", incidents.IncidentViewSet.as_view(LIST), name="incidents"),
    path("api/v1/incidents/<id:incident_id>/", include(incident)),
    path("api/v1/actions/", actions.AllActionsViewSet.as_view({"get": "list"}), name="all_actions"),
    path("api/v1/organisations/", directory.OrganisationViewSet.as_view(LIST), name="organisations"),
    path(
        "api/v1/organisations/<id:entry_id>/",
        directory.OrganisationViewSet.as_view(DETAIL),
        name="organisation",
    ),
    path("api/v1/contacts/", directory.ContactViewSet.as_view(LIST), name="contacts"),
    path("api/v1/contacts/<id:entry_id>/", directory.ContactViewSet.as_view(DETAIL), name="contact"),
]
