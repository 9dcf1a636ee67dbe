from django.urls import path

from svtoolkit.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.login, name="login"),
    path("sign-out/", views.logout, name="logout"),
    path("sign-in/with/<slug:provider>/", views.sso_start, name="sso_start"),
    path("sign-in/callback/", views.sso_callback, name="sso_callback"),
    path("sign-in/refused/", views.sso_refused, name="sso_refused"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("account/", views.account, name="account"),
    path("account/contact/", views.contact_preferences, name="contact_preferences"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password/changed/", views.password_change_done, name="password_change_done"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="backup_codes"),
    path("account/partnership/", views.switch_partnership, name="switch_partnership"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite, name="invite"),
    path(
        "members/invitations/<int:invitation_id>/withdraw/", views.revoke_invitation, name="revoke_invitation"
    ),
    path("members/<int:membership_id>/", views.member_edit, name="member_edit"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/sign-in/", views.partnership_security, name="partnership_security"),
    path("settings/sign-in/single-sign-on/", views.partnership_sso, name="partnership_sso"),
]
