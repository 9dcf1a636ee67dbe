from svtoolkit.core.backup import check_archive, restore_backup
from svtoolkit.core.management.base import ArchiveCommand, tables_and_rows


class Command(ArchiveCommand):
    help = (
        "Restore a backup archive into an EMPTY database (SQLite or PostgreSQL, either kind) and MEDIA_ROOT, "
        "then check every table's rows against the archive. --check only checks the archive."
    )
    database_help = "Which (empty) database to restore into."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar archive made by `svtoolkit backup`.")
        super().add_arguments(parser)
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Load the portable JSON even when the database is of the archive's kind.",
        )
        parser.add_argument("--check", action="store_true", help="Check the archive; restore nothing.")

    def run(self, *, archive, database, portable, check, **options):
        if check:
            manifest = check_archive(archive)
            verb = "checked"
        else:
            manifest = restore_backup(archive, using=database, portable=portable)
            verb = "restored and checked"
        made = f"made {manifest['made_at']} from {manifest['engine']}"
        return f"{archive}: {made}; {tables_and_rows(manifest)} {verb}."
