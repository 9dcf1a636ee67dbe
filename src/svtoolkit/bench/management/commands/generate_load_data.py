import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from svtoolkit.bench.generator import LoadGenerator
from svtoolkit.partnerships.models import Partnership


class Command(BaseCommand):
    help = (
        "Fill the database with realistic volumes for benchmarks: partnerships, members, incidents with "
        "scenes, categorisations, plans, timelines, meetings and tension readings. Never on a live database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, required=True, help="How many incidents to make.")
        parser.add_argument(
            "--partnerships", type=int, default=0, help="Spread over this many (default: one per 5,000)."
        )
        parser.add_argument("--years", type=int, default=5, help="Incidents happened over this many years.")
        parser.add_argument(
            "--large-incidents",
            type=int,
            default=1,
            help="Incidents with 100 actions and 500 timeline entries (for the incident-page benchmark).",
        )
        parser.add_argument(
            "--password", default=LoadGenerator.DEFAULT_PASSWORD, help="Every member's password."
        )
        parser.add_argument("--seed", type=int, default=8, help="Random seed, for the same data every run.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add load data even beside partnerships whose slug does not start with load-.",
        )

    def handle(
        self, *args, incidents, partnerships, years, large_incidents, password, seed, quiet, force, **options
    ):
        if settings.PRODUCTION:
            raise CommandError(
                "generate_load_data refuses to run in production mode: it fills the database with made-up "
                "partnerships and people. Use SVTOOLKIT_ENV=demo or dev, on a database of its own."
            )
        if incidents < 1:
            raise CommandError("--incidents must be at least 1.")
        # A database holding a real partnership is not a bench database: the load data would join its
        # region, searches and figures, and the bulk load drops and rebuilds indexes its tables share.
        real = list(Partnership.objects.exclude(slug__startswith="load-").values_list("slug", flat=True)[:4])
        if real and not force:
            raise CommandError(
                "generate_load_data refuses to add load data beside partnerships that are not load data "
                f"(slugs not starting with load-: {', '.join(real[:3])}{', ...' if len(real) > 3 else ''}). "
                "Run it on a database of its own, or pass --force if that is what you mean."
            )
        started = time.monotonic()
        generator = LoadGenerator(
            incidents=incidents,
            partnerships=partnerships or max(1, round(incidents / 5000)),
            years=years,
            large_incidents=min(large_incidents, incidents),
            password=password,
            seed=seed,
        )
        with tqdm(total=incidents, unit="incident", disable=quiet, file=self.stderr) as bar:
            summary = generator.run(progress=bar.update)
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {summary['incidents']:,} incidents in {summary['partnerships']} partnerships "
                f"({summary['rows']:,} rows) in {seconds:.1f} s."
            )
        )
