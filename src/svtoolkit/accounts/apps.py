from svtoolkit.core.apps import HomePageSection, SvtoolkitAppConfig


class AccountsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.accounts"
    verbose_name = "People and sign-in"
    home_section = HomePageSection(context="selectors.coordinator_home_section", order=90)

    def ready(self):
        super().ready()
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from svtoolkit.accounts import receivers  # noqa: F401  (a change of access is seen at once)
        from svtoolkit.accounts.limits import count_failed_sign_in

        user_login_failed.connect(count_failed_sign_in, dispatch_uid="svtoolkit.accounts.limits")
        user_logged_in.connect(_start_session_clock, dispatch_uid="svtoolkit-session-clock")


def _start_session_clock(sender, request, user, **kwargs):
    from svtoolkit.accounts.middleware import start_session_clock

    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
