from django.core.management.base import BaseCommand

from svtoolkit.core.personal_data import data_map_markdown


class Command(BaseCommand):
    help = "Print the data map (docs/data-map.md) built from the models' personal-data declarations."

    def handle(self, *args, **options):
        self.stdout.write(data_map_markdown(), ending="")
