"""Issue 15, backup and restore: `svtoolkit backup` of a populated database while another process keeps
writing, restored into new, empty databases (natively, and through the portable data into the other kind of
database), holds every row committed before the backup began, unchanged; the archive is checked.

Everything runs as an operator would: `svtoolkit` commands in their own processes, against databases made
for the test (SQLite files, or PostgreSQL databases beside the test database when the suite runs on it).
"""

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from svtoolkit.core import backup
from svtoolkit.core.tasks import back_up_nightly
from tests.databases import SOURCE_ROOT, suite_kind

WRITER = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svtoolkit.settings")
django.setup()
from datetime import date
from django.db import transaction
from svtoolkit.partnerships.models import Organisation, Partnership
progress, stop = sys.argv[1], sys.argv[2]
n = 0
while not os.path.exists(stop):
    with transaction.atomic():
        partnership = Partnership.objects.create(
            name=f"Writer {n:06d}", slug=f"writer-{n}", area="Written", reference_prefix=f"W{n}"
        )
        Organisation.objects.create(
            partnership=partnership, name=f"Writer organisation {n:06d}", kind="other",
            review_due=date(2030, 1, 1),
        )
    n += 1
    with open(progress + ".new", "w") as stream:
        stream.write(str(n))
    os.replace(progress + ".new", progress)
"""
# The writer's tables, and the change log their triggers append to (core.changes).
WRITTEN_MODELS = {"partnerships.partnership", "partnerships.organisation", "core.change"}

# The populated source database (a module-scoped fixture, a minute's work on PostgreSQL) is shared by this
# module's tests; under `pytest -n 2 --dist loadgroup` only tests of one xdist_group are kept on one worker,
# so without the group each worker would build its own copy.
pytestmark = [pytest.mark.xdist_group("backup_restore"), pytest.mark.slow]


def svtoolkit_env(database_url: str, media: Path, **more) -> dict:
    return {
        **os.environ,
        "SVTOOLKIT_ENV": "test",
        "PYTHONPATH": str(SOURCE_ROOT),
        "DATABASE_URL": database_url,
        "SVTOOLKIT_MEDIA_ROOT": str(media),
        **more,
    }


def run_svtoolkit(*args, database_url: str, media: Path, **more) -> str:
    finished = subprocess.run(
        [sys.executable, "-m", "svtoolkit.cli", *args],
        env=svtoolkit_env(database_url, media, **more),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout


def rows_by_model(database_url: str, media: Path, output: Path) -> dict:
    """Every row of every table (many-to-many rows inside their objects, times to the microsecond), by model
    and primary key."""
    run_svtoolkit(
        "shell",
        "-c",
        "from pathlib import Path; from svtoolkit.core.backup import dump_rows; "
        f"dump_rows('default', Path({str(output)!r}))",
        database_url=database_url,
        media=media,
    )
    rows = {}
    for entry in json.loads(output.read_text()):
        rows.setdefault(entry["model"], {})[entry["pk"]] = entry["fields"]
    return rows


@pytest.fixture(scope="module")
def source(databases, tmp_path_factory):
    """A populated database of the kind the suite runs on (the demo partnership and its 18 months of
    incidents), with an uploaded file under its MEDIA_ROOT."""
    kind = suite_kind()
    url = databases.migrated(kind, "backup_source")
    media = tmp_path_factory.mktemp("source-media")
    (media / "boundaries").mkdir()
    (media / "boundaries" / "wards.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (media / "attachments" / "1").mkdir(parents=True)
    (media / "attachments" / "1" / "minutes.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    run_svtoolkit("seed_demo", database_url=url, media=media)
    return {"kind": kind, "url": url, "media": media}


def test_backup_during_writes_restores_every_row_committed_before_it_began(source, databases, tmp_path):
    before = rows_by_model(source["url"], source["media"], tmp_path / "before.json")
    assert sum(len(rows) for rows in before.values()) > 1000

    progress, stop = tmp_path / "written", tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(progress), str(stop)],
        env=svtoolkit_env(source["url"], source["media"]),
    )
    try:
        deadline = time.monotonic() + 60
        while not progress.exists() or int(progress.read_text()) < 20:
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start writing"
            time.sleep(0.05)
        written_before_backup = int(progress.read_text())
        run_svtoolkit(
            "backup", "--directory", str(tmp_path), database_url=source["url"], media=source["media"]
        )
        written_after_backup = int(progress.read_text())
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert written_after_backup > written_before_backup, "no write was committed while the backup ran"
    [archive] = tmp_path.glob("svtoolkit-backup-*.tar")

    other_kind = {"sqlite": "postgresql", "postgresql": "sqlite"}[source["kind"]]
    if other_kind == "postgresql" and databases.server is None:
        other_kind = "sqlite"  # no PostgreSQL to hand: the portable path still runs, into SQLite
    targets = [
        (databases.new(source["kind"], "backup_native"), []),
        (databases.new(other_kind, "backup_portable"), ["--portable"]),
    ]
    for number, (url, options) in enumerate(targets):
        media = tmp_path / f"restored-media-{number}"
        said = run_svtoolkit("restore", str(archive), *options, database_url=url, media=media)
        assert "rows restored and checked" in said
        for kept in ("boundaries/wards.geojson", "attachments/1/minutes.pdf"):
            assert (media / kept).read_bytes() == (source["media"] / kept).read_bytes()

        restored = rows_by_model(url, media, tmp_path / f"restored-{number}.json")
        for model in before.keys() | restored.keys():
            committed, found = before.get(model, {}), restored.get(model, {})
            assert {pk: found.get(pk) for pk in committed} == committed, f"{model} lost or changed rows"
            if model not in WRITTEN_MODELS:
                assert found.keys() == committed.keys(), f"{model} has rows that were never committed"
        # The writer's rows in the restore are exactly its first k transactions, each whole: one moment.
        partnerships = sorted(
            fields["name"]
            for pk, fields in restored["partnerships.partnership"].items()
            if pk not in before["partnerships.partnership"]
        )
        organisations = sorted(
            fields["name"]
            for pk, fields in restored["partnerships.organisation"].items()
            if pk not in before["partnerships.organisation"]
        )
        k = len(partnerships)
        assert written_before_backup <= k <= written_after_backup
        assert partnerships == [f"Writer {n:06d}" for n in range(k)]
        assert organisations == [f"Writer organisation {n:06d}" for n in range(k)]

        # The restored database takes new rows (its id sequences carry on past the restored rows).
        run_svtoolkit(
            "shell",
            "-c",
            "from svtoolkit.partnerships.models import Partnership; "
            "Partnership.objects.create(name='After', slug='after', area='A', reference_prefix='AFT')",
            database_url=url,
            media=media,
        )


def test_a_backup_can_be_read_by_the_account_that_made_it_alone(databases, tmp_path):
    """The defect: under the usual umask 022 an archive was written 0644 in a folder made 0755, so every
    account on the machine could read every person's data in it. A backup folder that exists wider is
    narrowed too."""
    url = databases.migrated("sqlite", "private_backup")
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "statement.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    made_by_backup, made_wider = tmp_path / "var" / "backups", tmp_path / "shared-backups"
    made_wider.mkdir()
    made_wider.chmod(0o755)
    umask = os.umask(0o022)
    try:
        for directory in (made_by_backup, made_wider):
            run_svtoolkit("backup", "--directory", str(directory), database_url=url, media=media)
    finally:
        os.umask(umask)

    for directory in (made_by_backup, made_wider):
        [archive] = directory.glob(f"{backup.PREFIX}*{backup.SUFFIX}")
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600, archive


def test_a_damaged_archive_or_a_database_in_use_is_refused(source, databases, tmp_path):
    run_svtoolkit("backup", "--directory", str(tmp_path), database_url=source["url"], media=source["media"])
    [archive] = tmp_path.glob("svtoolkit-backup-*.tar")
    manifest = backup.check_archive(archive)
    assert manifest["engine"] == source["kind"]
    assert manifest["tables"]["partnerships_partnership"] >= 1

    refused = subprocess.run(
        [sys.executable, "-m", "svtoolkit.cli", "restore", str(archive)],
        env=svtoolkit_env(source["url"], tmp_path / "media"),
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "Restore only into an empty database" in refused.stderr

    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as original, tarfile.open(damaged, "w") as copy:
        for member in original.getmembers():
            content = original.extractfile(member).read()
            if member.name == backup.DATA:
                content = content.replace(b"Northbridge", b"Northbrid9e", 1)
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    with pytest.raises(backup.BackupError, match="the checksum of data.json does not match"):
        backup.check_archive(damaged)


def _tar(path: Path, members: dict) -> Path:
    """A .tar at ``path`` holding ``members`` (name: bytes, or a TarInfo for a member that is no file)."""
    with tarfile.open(path, "w") as archive:
        for name, content in members.items():
            if isinstance(content, tarfile.TarInfo):
                archive.addfile(content)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def _made_like_a_backup(data: bytes = b"[]", **more) -> dict:
    """The members of a .tar that looks like a backup of nothing, holding ``data`` as its data.json and
    ``more`` members besides (each listed in the manifest)."""
    members = {backup.DATA: data, backup.NATIVE["sqlite"]: b"SQLite format 3\x00"}
    manifest = {
        "format": backup.FORMAT,
        "made_at": "2026-11-28T00:15:00+00:00",
        "engine": "sqlite",
        "migrations": [],
        "tables": {},
        "checksums": {name: hashlib.sha256(content).hexdigest() for name, content in members.items()}
        | {name: "0" * 64 for name in more},
    }
    return {backup.MANIFEST: json.dumps(manifest).encode(), **members, **more}


def _with_manifest(manifest) -> dict:
    return {backup.MANIFEST: manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()}


LIKE_A_BACKUP = json.loads(_made_like_a_backup()[backup.MANIFEST])
NOT_BACKUPS = {
    # `docker save` writes a manifest.json too: a list of images.
    "a container image": _with_manifest([{"Config": "a1b2.json", "RepoTags": ["app:1"]}]),
    "a manifest that is not JSON": _with_manifest(b"\x89PNG\r\n\x1a\n"),
    "a manifest missing what a backup's holds": _with_manifest({"format": backup.FORMAT}),
    "a manifest of the wrong shape": _with_manifest(LIKE_A_BACKUP | {"checksums": [backup.DATA]}),
    "a manifest counting rows in words": _with_manifest(LIKE_A_BACKUP | {"tables": {"a": "many"}}),
    "a manifest listing no data": _with_manifest(LIKE_A_BACKUP | {"checksums": {}}),
    "a manifest that is a link": {backup.MANIFEST: _link(backup.MANIFEST, "/etc/passwd")},
    "a member that is a link": _made_like_a_backup(**{"media/passwd": _link("media/passwd", "/etc/passwd")}),
    "data that is not rows": _made_like_a_backup(b'{"model": "accounts.user"}'),
}


@pytest.mark.parametrize("members", NOT_BACKUPS.values(), ids=NOT_BACKUPS.keys())
def test_a_tar_that_is_not_a_svtoolkit_backup_is_refused_saying_so(tmp_path, members):
    """The defect: checking or restoring another kind of .tar (a container image saved by mistake, say)
    ended in a traceback (AttributeError, UnicodeDecodeError, KeyError) instead of saying what it is."""
    archive = _tar(tmp_path / "picked-by-mistake.tar", members)
    for command in (["--check"], []):
        with pytest.raises(CommandError, match=f"{archive} is not a svtoolkit backup: "):
            call_command("restore", str(archive), *command)


def test_the_nightly_backup_runs_when_turned_on_and_keeps_n_days(source, tmp_path):
    old = datetime.now(UTC) - timedelta(days=30)
    stale = tmp_path / f"{backup.PREFIX}{old:{backup.STAMP}}{backup.SUFFIX}"
    stale.write_bytes(b"an old archive")
    run_svtoolkit(
        "shell",
        "-c",
        "from svtoolkit.core.tasks import back_up_nightly; print(back_up_nightly.call())",
        database_url=source["url"],
        media=source["media"],
        SVTOOLKIT_BACKUP_NIGHTLY="true",
        SVTOOLKIT_BACKUP_DIR=str(tmp_path),
        SVTOOLKIT_BACKUP_KEEP_DAYS="7",
    )
    [made] = tmp_path.glob(f"{backup.PREFIX}*{backup.SUFFIX}")
    assert made != stale
    backup.check_archive(made)


def test_the_nightly_backup_does_nothing_until_it_is_turned_on(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    assert not settings.BACKUP_NIGHTLY
    assert back_up_nightly.call() == ""
    assert list(tmp_path.iterdir()) == []


def test_pruning_keeps_the_newest_archive_whatever_its_age(tmp_path):
    now = datetime(2026, 11, 28, tzinfo=UTC)
    names = [
        f"{backup.PREFIX}{now - timedelta(days=days):{backup.STAMP}}{backup.SUFFIX}" for days in (40, 20, 9)
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an archive")
    deleted = backup.prune_backups(tmp_path, keep_days=5, now=now)
    assert sorted(path.name for path in deleted) == sorted(names[:2])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([names[2], "notes.txt"])
