from django.urls import path

from svtoolkit.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("organisations/", views.organisations, name="organisations"),
]
