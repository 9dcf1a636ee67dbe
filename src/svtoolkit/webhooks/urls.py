from django.urls import include, path

from svtoolkit.webhooks import views

app_name = "webhooks"

webhooks = [
    path("", views.endpoints, name="endpoints"),
    path("add/", views.endpoint_add, name="endpoint_add"),
    path("<id:endpoint_id>/", views.endpoint, name="endpoint"),
    path("<id:endpoint_id>/secret/", views.endpoint_secret, name="endpoint_secret"),
    path("<id:endpoint_id>/remove/", views.endpoint_remove, name="endpoint_remove"),
    path("<id:endpoint_id>/deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<id:delivery_id>/send-again/", views.delivery_send_again, name="delivery_send_again"),
]

urlpatterns = [path("settings/webhooks/", include(webhooks))]
