from django.urls import path

from svtoolkit.communications import views

app_name = "communications"

base = "incidents/<id:incident_id>/communications/"
message = base + "messages/<id:message_id>/"

urlpatterns = [
    path(base, views.communications, name="overview"),
    path(base + "plan/", views.plan, name="plan"),
    path(base + "messages/new/", views.message_add, name="message_add"),
    path(base + "notes/new/", views.note_add, name="note_add"),
    path(message, views.message, name="message"),
    path(message + "edit/", views.message_edit, name="message_edit"),
    path(message + "submit/", views.submit, name="submit"),
    path(message + "publish/", views.publish, name="publish"),
    path(message + "withdraw/", views.withdraw, name="withdraw"),
    path(message + "family-agreement/", views.family_agreement, name="family_agreement"),
    path(message + "sign-offs/<id:sign_off_id>/", views.sign, name="sign"),
]
