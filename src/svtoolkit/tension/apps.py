from django.apps import AppConfig


class TensionConfig(AppConfig):
    name = "svtoolkit.tension"
    label = "tension"
    verbose_name = "Community tension"

    def ready(self):
        from svtoolkit.core.demo import register_demo_seeder
        from svtoolkit.tension.demo import seed_demo_tension

        register_demo_seeder(order=42, name="tension", seed=seed_demo_tension)
