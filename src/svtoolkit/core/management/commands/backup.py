from django.core.management.base import BaseCommand, CommandError

from svtoolkit.core.backup import BackupError, check_archive, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database and uploaded files into one checked archive (.tar) in SVTOOLKIT_BACKUP_DIR, "
        "while the service runs. See 'Backup and restore' in docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to write the archive (default: SVTOOLKIT_BACKUP_DIR).")
        parser.add_argument("--database", default="default", help="Which database to back up.")

    def handle(self, *args, directory=None, database="default", **options):
        try:
            path = create_backup(directory, using=database)
            manifest = check_archive(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{path}\n  {manifest['engine']} database, {len(manifest['tables'])} tables, {rows} rows, "
            f"{sum(1 for member in manifest['checksums'] if member.startswith('media/'))} files; checked."
        )
