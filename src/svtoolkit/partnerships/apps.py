from svtoolkit.core.apps import HomePageSection, SvtoolkitAppConfig


class PartnershipsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.partnerships"
    verbose_name = "Partnerships and organisations"
    home_section = HomePageSection(context="selectors.review_home_section", order=50)

    def ready(self):
        super().ready()
        from svtoolkit.partnerships import receivers  # noqa: F401  (a change of access is seen at once)
