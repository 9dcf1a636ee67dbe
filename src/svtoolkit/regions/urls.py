from django.urls import path  # noqa: F401  (the regional pages are added here)

app_name = "regions"

urlpatterns: list = []
