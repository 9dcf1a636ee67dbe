from django.core.management.base import BaseCommand, CommandError

from svtoolkit.core.backup import BackupError, check_archive, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an EMPTY database (SQLite or PostgreSQL, either kind) and MEDIA_ROOT, "
        "then check every table's rows against the archive. --check only checks the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar archive made by `svtoolkit backup`.")
        parser.add_argument("--database", default="default", help="Which (empty) database to restore into.")
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Load the portable JSON even when the database is of the archive's kind.",
        )
        parser.add_argument("--check", action="store_true", help="Check the archive; restore nothing.")

    def handle(self, *args, archive, database, portable, check, **options):
        try:
            if check:
                manifest = check_archive(archive)
                verb = "checked"
            else:
                manifest = restore_backup(archive, using=database, portable=portable)
                verb = "restored and checked"
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{archive}: made {manifest['made_at']} from {manifest['engine']}; "
            f"{len(manifest['tables'])} tables, {rows} rows {verb}."
        )
