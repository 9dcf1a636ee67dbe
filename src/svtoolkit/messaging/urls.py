from django.urls import path

from svtoolkit.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.my_messages, name="mine"),
    path("messages/log/", views.delivery_log, name="log"),
    path("messages/<id:delivery_id>/resend/", views.resend, name="resend"),
]
