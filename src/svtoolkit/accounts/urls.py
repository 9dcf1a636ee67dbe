from django.urls import include, path

from svtoolkit.accounts import views

app_name = "accounts"

sign_in = [
    path("", views.login, name="login"),
    path("with/<slug:provider>/", views.sso_start, name="sso_start"),
    path("callback/", views.sso_callback, name="sso_callback"),
    path("refused/", views.sso_refused, name="sso_refused"),
]

password_reset = [
    path("", views.password_reset, name="password_reset"),
    path("sent/", views.password_reset_done, name="password_reset_done"),
    path("<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("complete/", views.password_reset_complete, name="password_reset_complete"),
]

account = [
    path("", views.account, name="account"),
    path("contact/", views.contact_preferences, name="contact_preferences"),
    path("password/", views.password_change, name="password_change"),
    path("password/changed/", views.password_change_done, name="password_change_done"),
    path("two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("partnership/", views.switch_partnership, name="switch_partnership"),
]

members = [
    path("", views.members, name="members"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<id:invitation_id>/withdraw/", views.revoke_invitation, name="revoke_invitation"),
    path("<id:membership_id>/", views.member_edit, name="member_edit"),
    path("<id:membership_id>/remove/", views.member_remove, name="member_remove"),
]

urlpatterns = [
    path("sign-in/", include(sign_in)),
    path("sign-out/", views.logout, name="logout"),
    path("password/reset/", include(password_reset)),
    path("account/", include(account)),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("members/", include(members)),
    path("settings/sign-in/", views.partnership_security, name="partnership_security"),
    path("settings/sign-in/single-sign-on/", views.partnership_sso, name="partnership_sso"),
]
