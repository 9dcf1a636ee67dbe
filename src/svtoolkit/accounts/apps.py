from svtoolkit.core.apps import HomePageSection, SvtoolkitAppConfig


class AccountsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.accounts"
    verbose_name = "People and sign-in"
    home_section = HomePageSection(context="selectors.coordinator_home_section", order=90)
