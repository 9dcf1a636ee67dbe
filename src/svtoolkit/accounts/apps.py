from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "svtoolkit.accounts"
    label = "accounts"
    verbose_name = "People and sign-in"

    def ready(self):
        from svtoolkit.accounts.selectors import coordinator_home_section
        from svtoolkit.core.selectors import register_home_section

        register_home_section(
            template_name="accounts/home_section.html", context=coordinator_home_section, order=90
        )
