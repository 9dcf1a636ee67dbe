from django.urls import path

from svtoolkit.attachments import views

app_name = "attachments"

urlpatterns = [
    path("attachments/<str:kind>/<id:owner_id>/add/", views.add, name="add"),
    path("attachments/<id:attachment_id>/", views.download, name="download"),
]
