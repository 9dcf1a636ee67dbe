from django.urls import path

from svtoolkit.partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/add/", views.organisation_add, name="organisation_add"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("organisations/<int:organisation_id>/change/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:organisation_id>/contacts/add/", views.contact_add, name="contact_add"),
    path("contacts/<int:contact_id>/change/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/remove/", views.contact_deactivate, name="contact_deactivate"),
    path("contacts/import/", views.contacts_import, name="contacts_import"),
    path("contacts/import/<int:import_id>/", views.contact_import, name="contact_import"),
    path("contacts/export/", views.contacts_export, name="contacts_export"),
    path("support-services/", views.support_services, name="support_services"),
    path("support-services/add/", views.support_service_add, name="support_service_add"),
    path("support-services/<int:service_id>/", views.support_service, name="support_service"),
    path(
        "support-services/<int:service_id>/change/", views.support_service_edit, name="support_service_edit"
    ),
    path(
        "support-services/<int:service_id>/remove/",
        views.support_service_deactivate,
        name="support_service_deactivate",
    ),
    path("sharing-agreements/", views.sharing_agreements, name="sharing_agreements"),
    path("sharing-agreements/add/", views.sharing_agreement_add, name="sharing_agreement_add"),
    path("sharing-agreements/<int:agreement_id>/", views.sharing_agreement, name="sharing_agreement"),
    path(
        "sharing-agreements/<int:agreement_id>/change/",
        views.sharing_agreement_edit,
        name="sharing_agreement_edit",
    ),
]
