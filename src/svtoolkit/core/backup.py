"""Backing up and restoring svtoolkit's database and uploaded files, as one checked archive.

An archive, ``svtoolkit-backup-<UTC time>.tar``, holds:

- ``manifest.json``: when and from which kind of database it was made, the migrations applied, the number of
  rows in every table, and the SHA-256 of every other member;
- the native dump: ``database.sqlite3`` (SQLite's online backup API, so writes going on meanwhile are wholly
  in it or not at all; a plain file copy during writes loses rows) or ``database.pgdump`` (``pg_dump``'s
  custom format);
- ``data.json``: every table's rows in Django's portable JSON (as ``dumpdata --all``, times exact), read
  from the same snapshot as the native dump, so that the archive restores into either kind of database;
- ``media/...``: the files under MEDIA_ROOT.

A restore goes only into an empty database (no tables): natively when it is of the archive's kind (unless
``portable`` is asked for), otherwise by migrating it and loading ``data.json``. Either way every table's rows
are then counted against the manifest.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.cache import cache
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.migrations.loader import MigrationLoader

from svtoolkit.core import changes

FORMAT = 1
PREFIX = "svtoolkit-backup-"
SUFFIX = ".tar"
STAMP = "%Y%m%dT%H%M%S%fZ"
MANIFEST = "manifest.json"
DATA = "data.json"
MEDIA = "media"
NATIVE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_SNAPSHOT_ALIAS = "backup_snapshot"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, or a damaged archive, with a message for the operator."""


def engine(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in NATIVE:
        raise BackupError(f"Backups are made of SQLite and PostgreSQL databases, not {vendor}.")
    return vendor


def model_tables() -> list[str]:
    """The table of every model, many-to-many tables included, sorted."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def _count_rows(cursor, quote, present) -> dict[str, int]:
    counts = {}
    for table in model_tables():
        if table in present:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _sha256(stream) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return _sha256(stream)


# --- Making a backup ---------------------------------------------------------------------------------


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's own encoder cuts them to milliseconds, and a restore kept that."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def dump_rows(alias: str, path: Path) -> None:
    """Every row of every model, as ``dumpdata --all`` writes them but with exact times (``loaddata``
    reads it)."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(alias, model)
    ]
    rows = (
        row
        for model in models
        for row in model._base_manager.using(alias).order_by(model._meta.pk.name).iterator()
    )
    with path.open("w", encoding="utf-8") as stream:
        serializers.get_serializer("json")().serialize(rows, stream=stream, cls=_ExactJSONEncoder)


@contextmanager
def _database_at(using: str, name: Path):
    """A connection alias to another SQLite file, with the settings of ``using`` but no pragmas."""
    connections.settings[_SNAPSHOT_ALIAS] = {
        **connections.settings[using],
        "NAME": str(name),
        "OPTIONS": {},
        "CONN_MAX_AGE": 0,
    }
    try:
        yield _SNAPSHOT_ALIAS
    finally:
        connections[_SNAPSHOT_ALIAS].close()
        del connections[_SNAPSHOT_ALIAS]
        del connections.settings[_SNAPSHOT_ALIAS]


def _snapshot_sqlite(using: str, native: Path, data: Path) -> tuple[dict, list]:
    """Copy the live database with SQLite's online backup API, then read everything else from the copy."""
    source = sqlite3.connect(connections[using].settings_dict["NAME"], timeout=30)
    copy = sqlite3.connect(native)
    try:
        source.backup(copy)
        # One self-contained file: the copy of a WAL-mode database would otherwise expect a -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        cursor = copy.cursor()
        present = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = _count_rows(cursor, lambda table: f'"{table}"', present)
        migrations = _applied_migrations(cursor)
    finally:
        copy.close()
        source.close()
    with _database_at(using, native) as alias:
        dump_rows(alias, data)
    return counts, migrations


def _pg_command(program: str, settings_dict: dict) -> tuple[list[str], dict]:
    """The start of a pg_dump or pg_restore command line for a database, and its environment."""
    command, environment = [program], {**os.environ}
    if settings_dict.get("HOST"):
        command += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        command += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        command += ["--username", settings_dict["USER"]]
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = settings_dict["PASSWORD"]
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return command, environment


def _run(command: list[str], environment: dict) -> None:
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    if finished.returncode:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")


def _snapshot_postgresql(using: str, native: Path, data: Path) -> tuple[dict, list]:
    """pg_dump, the row counts and the portable JSON all read one exported snapshot, so they agree with each
    other and with the database as it stood at one moment, whatever is written meanwhile."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        command, environment = _pg_command("pg_dump", connection.settings_dict)
        _run(
            [*command, "--format=custom", f"--snapshot={snapshot}", f"--file={native}"]
            + [connection.settings_dict["NAME"]],
            environment,
        )
        present = set(connection.introspection.table_names(cursor))
        counts = _count_rows(cursor, connection.ops.quote_name, present)
        migrations = _applied_migrations(cursor)
        dump_rows(using, data)
    return counts, migrations


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (f"{MEDIA}/{path.relative_to(root).as_posix()}", path) for path in root.rglob("*") if path.is_file()
    )


def _private_directory(directory: Path) -> None:
    """Make ``directory``, or narrow one of ours that exists, to its owner alone (0700): the archives in it
    hold every person's data."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = directory.stat()
    if stat.S_IMODE(found.st_mode) & 0o077 and found.st_uid == os.getuid():
        directory.chmod(stat.S_IMODE(found.st_mode) & 0o700)


def create_backup(directory=None, *, using: str = "default") -> Path:
    """Write one archive of the database and MEDIA_ROOT into ``directory`` (BACKUP_DIR unless given) and
    return its path. The archive appears only once complete, and only its owner may read it (0600, in a
    folder that is 0700), whatever the umask."""
    directory = Path(directory or settings.BACKUP_DIR)
    _private_directory(directory)
    kind = engine(using)
    made_at = datetime.now(UTC)
    name = f"{PREFIX}{made_at:{STAMP}}{SUFFIX}"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".making-") as work:
        work = Path(work)
        native, data = work / NATIVE[kind], work / DATA
        snapshot = _snapshot_sqlite if kind == "sqlite" else _snapshot_postgresql
        counts, migrations = snapshot(using, native, data)
        members = {NATIVE[kind]: native, DATA: data, **dict(_media_files())}
        manifest = {
            "format": FORMAT,
            "made_at": made_at.isoformat(),
            "engine": kind,
            "migrations": migrations,
            "tables": counts,
            "checksums": {member: _file_sha256(path) for member, path in members.items()},
        }
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = work / f"{name}.partial"
        partial.touch(mode=0o600)
        with tarfile.open(partial, "w") as archive:
            archive.add(manifest_path, arcname=MANIFEST)
            for member, path in members.items():
                archive.add(path, arcname=member, recursive=False)
        os.replace(partial, directory / name)
    return directory / name


def prune_backups(directory=None, *, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the archives in ``directory`` made more than ``keep_days`` days ago, keeping the newest
    whatever its age; return those deleted."""
    directory = Path(directory or settings.BACKUP_DIR)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    made = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            made.append((datetime.strptime(path.name[len(PREFIX) : -len(SUFFIX)], STAMP), path))
        except ValueError:
            continue
    made.sort()
    deleted = []
    for made_at, path in made[:-1]:
        if made_at.replace(tzinfo=UTC) < cutoff:
            path.unlink()
            deleted.append(path)
    return deleted


# --- Checking an archive -----------------------------------------------------------------------------


def _portable_counts(stream) -> Counter:
    """Rows per table in dumpdata's JSON, many-to-many rows counted from each object's lists."""
    counts = Counter()
    for entry in json.load(stream):
        try:
            model = apps.get_model(entry["model"])
        except LookupError:
            raise BackupError(
                f"The archive holds {entry['model']}, which this version of svtoolkit does not know."
            ) from None
        counts[model._meta.db_table] += 1
        for field in model._meta.many_to_many:
            if field.remote_field.through._meta.auto_created:
                counts[field.remote_field.through._meta.db_table] += len(entry["fields"].get(field.name, []))
    return counts


def _member_path(member: str) -> PurePosixPath:
    path = PurePosixPath(member)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The archive has a member outside it: {member}")
    return path


# What a manifest holds, and of which type; ``_manifest`` checks the values' types inside these too.
_MANIFEST_FIELDS = {
    "format": int,
    "made_at": str,
    "engine": str,
    "migrations": list,
    "tables": dict,
    "checksums": dict,
}


def _manifest(path, archive: tarfile.TarFile) -> dict:
    """The archive's manifest, once it has the shape ``create_backup`` writes; BackupError otherwise (another
    kind of .tar, a container image saved with ``docker save`` say, has a manifest.json of its own)."""
    refused = f"{path} is not a svtoolkit backup: its {MANIFEST}"
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except ValueError as error:  # not UTF-8, or not JSON
        raise BackupError(f"{refused} cannot be read as JSON ({error}).") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"{refused} is a JSON {type(manifest).__name__}, not an object.")
    if "format" in manifest and manifest["format"] != FORMAT:
        raise BackupError(f"{path} is in backup format {manifest['format']}, not {FORMAT}.")
    missing = sorted(_MANIFEST_FIELDS.keys() - manifest.keys())
    if missing:
        raise BackupError(f"{refused} lacks {', '.join(missing)}.")
    wrong = [field for field, kind in _MANIFEST_FIELDS.items() if not isinstance(manifest[field], kind)]
    if not wrong:
        checksums, tables = manifest["checksums"], manifest["tables"]
        inside = {
            "engine": manifest["engine"] in NATIVE,
            "migrations": all(isinstance(name, str) for name in manifest["migrations"]),
            "checksums": all(isinstance(text, str) for text in [*checksums, *checksums.values()]),
            "tables": all(type(rows) is int for rows in tables.values()),
        }
        wrong = [field for field, right in inside.items() if not right]
    if wrong:
        raise BackupError(f"{refused} has {', '.join(wrong)} of the wrong kind.")
    needed = sorted({DATA, NATIVE[manifest["engine"]]} - checksums.keys())
    if needed:
        raise BackupError(f"{refused} lists no {', '.join(needed)}, which every backup holds.")
    return manifest


def check_archive(path) -> dict:
    """The archive's manifest, once every member's checksum and the portable data's row counts match it;
    BackupError saying what is wrong otherwise."""
    try:
        archive = tarfile.open(path)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive: {error}") from None
    with archive:
        names = set(archive.getnames())
        if MANIFEST not in names:
            raise BackupError(f"{path} has no {MANIFEST}: it is not a svtoolkit backup.")
        for member in archive.getmembers():
            if not member.isfile():
                raise BackupError(f"{path} is not a svtoolkit backup: {member.name} is not a regular file.")
        manifest = _manifest(path, archive)
        checksums = manifest["checksums"]
        unexpected = sorted(names - set(checksums) - {MANIFEST})
        missing = sorted(set(checksums) - names)
        if unexpected or missing:
            raise BackupError(
                f"{path} does not match its manifest: missing {missing}, not listed {unexpected}."
            )
        for member, expected in checksums.items():
            _member_path(member)
            if _sha256(archive.extractfile(member)) != expected:
                raise BackupError(f"{path} is damaged: the checksum of {member} does not match.")
        try:
            counts = _portable_counts(archive.extractfile(DATA))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise BackupError(
                f"{path} is not a svtoolkit backup: its {DATA} is not rows as it writes them ({error!r})."
            ) from None
        wrong = {
            table: (rows, counts.get(table, 0))
            for table, rows in manifest["tables"].items()
            if counts.get(table, 0) != rows
        }
        if wrong:
            raise BackupError(f"{path}: the data does not hold the rows the manifest counts: {wrong}.")
    return manifest


# --- Restoring ---------------------------------------------------------------------------------------


def _restore_sqlite(using: str, native: Path) -> None:
    connections[using].close()
    source = sqlite3.connect(native)
    target = sqlite3.connect(connections[using].settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgresql(using: str, native: Path) -> None:
    connection = connections[using]
    command, environment = _pg_command("pg_restore", connection.settings_dict)
    _run(
        [
            *command,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(native),
        ],
        environment,
    )


def _restore_portable(using: str, data: Path, manifest: dict) -> None:
    """Migrate the empty database to the archive's migrations, replace what migrating wrote (content types,
    permissions) with the archive's rows, and load them all in one transaction."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes}
    if known != set(manifest["migrations"]):
        raise BackupError(
            "The archive was made by another version of svtoolkit (its migrations differ from this one's). "
            "Restore it with the version that made it, or restore it natively into the same kind of database "
            "and then run `svtoolkit migrate`."
        )
    call_command("migrate", database=using, interactive=False, verbosity=0)
    connection = connections[using]
    # The archive holds the change log as it was: loading must not log its rows again (core.changes).
    changes.remove_triggers(using=using)
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                present = set(connection.introspection.table_names(cursor))
                for table in model_tables():
                    if table in present:
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            call_command("loaddata", str(data), database=using, verbosity=0)
    finally:
        changes.install_triggers(using=using)
    apps.get_model("contenttypes", "ContentType").objects.clear_cache()


def _check_media_free(archive: tarfile.TarFile) -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    files = []
    for member in archive.getnames():
        path = _member_path(member)
        if path.parts[0] != MEDIA:
            continue
        destination = root.joinpath(*path.parts[1:])
        if destination.exists() and _file_sha256(destination) != _sha256(archive.extractfile(member)):
            raise BackupError(
                f"{destination} exists and differs from the archive's copy: nothing was restored."
            )
        files.append((member, destination))
    return files


def restore_backup(path, *, using: str = "default", portable: bool = False) -> dict:
    """Restore an archive into the empty database ``using`` and MEDIA_ROOT; return its manifest once every
    table holds the rows the manifest counts."""
    manifest = check_archive(path)
    kind = engine(using)
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already has {len(tables)} tables. "
            "Restore only into an empty database: create a new one and point DATABASE_URL at it."
        )
    native = kind == manifest["engine"] and not portable
    with tempfile.TemporaryDirectory() as work, tarfile.open(path) as archive:
        work = Path(work)
        media = _check_media_free(archive)
        member = NATIVE[kind] if native else DATA
        with archive.extractfile(member) as source, (work / member).open("wb") as target:
            shutil.copyfileobj(source, target)
        if native:
            (_restore_sqlite if kind == "sqlite" else _restore_postgresql)(using, work / member)
        else:
            _restore_portable(using, work / member, manifest)
        for member, destination in media:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, destination.open("wb") as target:
                shutil.copyfileobj(source, target)
    connection.close()
    with connection.cursor() as cursor:
        counts = _count_rows(
            cursor, connection.ops.quote_name, set(connection.introspection.table_names(cursor))
        )
    wrong = {
        table: (rows, counts.get(table))
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    }
    if wrong:
        raise BackupError(
            f"After the restore the row counts differ from the archive's (archive, now): {wrong}."
        )
    cache.clear()  # what it held (who each person is, their sessions) described the database before
    return manifest
