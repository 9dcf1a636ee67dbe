from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "svtoolkit.playbooks"
    label = "playbooks"
    verbose_name = "Checklist and readiness"

    def ready(self):
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.core.selectors import register_home_section
        from svtoolkit.playbooks.demo import seed_demo_checklist
        from svtoolkit.playbooks.selectors import readiness_home_section

        register_home_section(
            template_name="playbooks/home_section.html", context=readiness_home_section, order=50
        )
        register_demo_seeder(order=20, name="checklist", seed=seed_demo_checklist)
