from svtoolkit.core.backup import check_archive, create_backup
from svtoolkit.core.management.base import ArchiveCommand, tables_and_rows


class Command(ArchiveCommand):
    help = (
        "Back up the database and uploaded files into one checked archive (.tar) in SVTOOLKIT_BACKUP_DIR, "
        "while the service runs. See 'Backup and restore' in docs/operations.md."
    )
    database_help = "Which database to back up."

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to write the archive (default: SVTOOLKIT_BACKUP_DIR).")
        super().add_arguments(parser)

    def run(self, *, directory=None, database="default", **options):
        path = create_backup(directory, using=database)
        manifest = check_archive(path)
        files = sum(1 for member in manifest["checksums"] if member.startswith("media/"))
        return (
            f"{path}\n  {manifest['engine']} database, {tables_and_rows(manifest)}, {files} files; checked."
        )
