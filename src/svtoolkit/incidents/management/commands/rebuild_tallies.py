from django.core.management.base import BaseCommand, CommandError

from svtoolkit.incidents import tallies


class Command(BaseCommand):
    help = (
        "Count every incident again from its records and replace the running totals the figures read "
        "(after a bulk load straight into the tables); --check only compares them and fails if they differ. "
        "Both are safe while the toolkit is in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare only; change nothing.")

    def handle(self, *args, check=False, **options):
        if check:
            found = tallies.differences()
            for line in found[:50]:
                self.stdout.write(line)
            if found:
                raise CommandError(f"{len(found)} kept counts differ from the records; run rebuild_tallies.")
            self.stdout.write("The running totals agree with the records.")
            return
        counted = tallies.rebuild()
        self.stdout.write(f"Counted {counted} incidents again.")
