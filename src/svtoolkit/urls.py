from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("svtoolkit.core.urls")),
    path("", include("svtoolkit.accounts.urls")),
    path("", include("svtoolkit.messaging.urls")),
    path("", include("svtoolkit.partnerships.urls")),
    path("", include("svtoolkit.playbooks.urls")),
    path("", include("svtoolkit.attachments.urls")),
    path("", include("svtoolkit.incidents.urls")),
    path("", include("svtoolkit.alerts.urls")),
    path("", include("svtoolkit.meetings.urls")),
    path("", include("svtoolkit.communications.urls")),
    path("", include("svtoolkit.tension.urls")),
    path("", include("svtoolkit.recovery.urls")),
    path("", include("svtoolkit.reports.urls")),
    path("", include("svtoolkit.regions.urls")),
    path("", include("svtoolkit.regions.fund_urls")),
    path("", include("svtoolkit.regions.figures_urls")),
    path("", include("svtoolkit.audit.urls")),
    path("", include("svtoolkit.search.urls")),
    path("", include("svtoolkit.api.urls")),
    path("", include("svtoolkit.webhooks.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "svtoolkit.core.views.bad_request"
handler403 = "svtoolkit.core.views.permission_denied"
handler404 = "svtoolkit.core.views.page_not_found"
handler500 = "svtoolkit.core.views.server_error"
