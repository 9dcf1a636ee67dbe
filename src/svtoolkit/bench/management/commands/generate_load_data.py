import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from svtoolkit.bench.generator import LoadGenerator


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

    def handle(
        self, *args, incidents, partnerships, years, large_incidents, password, seed, quiet, **options
    ):
        if settings.PRODUCTION:
            raise CommandError(
                "generate_load_data refuses to run in production mode: it fills the database with made-up "
                "partnerships and people. Use SVTOOLKIT_ENV=demo or dev, on a database of its own."
            )
        if incidents < 1:
            raise CommandError("--incidents must be at least 1.")
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
