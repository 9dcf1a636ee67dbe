from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "svtoolkit.accounts"
    label = "accounts"
    verbose_name = "People and sign-in"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from svtoolkit.accounts import receivers  # noqa: F401  (a change of access is seen at once)
        from svtoolkit.accounts.limits import count_failed_sign_in
        from svtoolkit.accounts.selectors import coordinator_home_section
        from svtoolkit.core.selectors import register_home_section

        user_login_failed.connect(count_failed_sign_in, dispatch_uid="svtoolkit.accounts.limits")

        register_home_section(
            template_name="accounts/home_section.html", context=coordinator_home_section, order=90
        )
        user_logged_in.connect(_start_session_clock, dispatch_uid="svtoolkit-session-clock")


def _start_session_clock(sender, request, user, **kwargs):
    from svtoolkit.accounts.middleware import start_session_clock

    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
