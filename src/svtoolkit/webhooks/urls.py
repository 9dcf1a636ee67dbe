from django.urls import path

from svtoolkit.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("settings/webhooks/", views.endpoints, name="endpoints"),
    path("settings/webhooks/add/", views.endpoint_add, name="endpoint_add"),
    path("settings/webhooks/<int:endpoint_id>/", views.endpoint, name="endpoint"),
    path("settings/webhooks/<int:endpoint_id>/secret/", views.endpoint_secret, name="endpoint_secret"),
    path("settings/webhooks/<int:endpoint_id>/deliveries/", views.deliveries, name="deliveries"),
    path(
        "settings/webhooks/deliveries/<int:delivery_id>/send-again/",
        views.delivery_send_again,
        name="delivery_send_again",
    ),
]
