from svtoolkit.core.apps import HomePageSection, SvtoolkitAppConfig


class PartnershipsConfig(SvtoolkitAppConfig):
    name = "svtoolkit.partnerships"
    verbose_name = "Partnerships and organisations"
    home_section = HomePageSection(context="selectors.review_home_section", order=50)
