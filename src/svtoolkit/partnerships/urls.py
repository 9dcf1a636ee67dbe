from django.urls import include, path

from svtoolkit.partnerships import views

app_name = "partnerships"

organisations = [
    path("", views.organisations, name="organisations"),
    path("add/", views.organisation_add, name="organisation_add"),
    path("<id:organisation_id>/", views.organisation, name="organisation"),
    path("<id:organisation_id>/change/", views.organisation_edit, name="organisation_edit"),
    path("<id:organisation_id>/contacts/add/", views.contact_add, name="contact_add"),
]

contacts = [
    path("<id:contact_id>/change/", views.contact_edit, name="contact_edit"),
    path("<id:contact_id>/remove/", views.contact_deactivate, name="contact_deactivate"),
    path("import/", views.contacts_import, name="contacts_import"),
    path("import/<id:import_id>/", views.contact_import, name="contact_import"),
    path("export/", views.contacts_export, name="contacts_export"),
]

support_services = [
    path("", views.support_services, name="support_services"),
    path("add/", views.support_service_add, name="support_service_add"),
    path("<id:service_id>/", views.support_service, name="support_service"),
    path("<id:service_id>/change/", views.support_service_edit, name="support_service_edit"),
    path("<id:service_id>/remove/", views.support_service_deactivate, name="support_service_deactivate"),
]

sharing_agreements = [
    path("", views.sharing_agreements, name="sharing_agreements"),
    path("add/", views.sharing_agreement_add, name="sharing_agreement_add"),
    path("<id:agreement_id>/", views.sharing_agreement, name="sharing_agreement"),
    path("<id:agreement_id>/change/", views.sharing_agreement_edit, name="sharing_agreement_edit"),
]

urlpatterns = [
    path("review/<slug:kind>/<id:entry_id>/", views.entry_review, name="entry_review"),
    path("organisations/", include(organisations)),
    path("contacts/", include(contacts)),
    path("support-services/", include(support_services)),
    path("sharing-agreements/", include(sharing_agreements)),
]
