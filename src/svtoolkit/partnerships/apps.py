from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "svtoolkit.partnerships"
    label = "partnerships"
    verbose_name = "Partnerships and organisations"

    def ready(self):
        from svtoolkit.core.selectors import register_home_section
        from svtoolkit.partnerships import receivers  # noqa: F401  (a change of access is seen at once)
        from svtoolkit.partnerships.selectors import review_home_section

        register_home_section(
            template_name="partnerships/home_section.html", context=review_home_section, order=50
        )
