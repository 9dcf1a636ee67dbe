from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "svtoolkit.communications"
    label = "communications"
    verbose_name = "Communications"

    def ready(self):
        from svtoolkit.communications.demo import seed_demo_communications
        from svtoolkit.core.demo import register_demo_seeder

        register_demo_seeder(order=41, name="communications", seed=seed_demo_communications)

        from svtoolkit.communications.selectors import sign_offs_home_section
        from svtoolkit.core.selectors import register_home_section

        register_home_section(
            template_name="communications/home_section.html", context=sign_offs_home_section, order=15
        )
