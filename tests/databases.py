"""Databases beside the test database for the tests that run svtoolkit as an operator would: empty ones, and
ones as a real `svtoolkit migrate` leaves an empty database, copied from one migrated once per test session.

Migrating from zero takes about 20 s of CPU (Django renders the models' state again for each of some 340
operations), and several operator-path tests need a freshly migrated database: each is given a copy of one
migrated database (an SQLite file copied, a PostgreSQL database made with TEMPLATE). tests/test_migrations.py
checks that this migrated database has the test database's schema.

The migrated databases are shared by every process of a run (the xdist workers) through the directory that
SHARED_DIRECTORY names, with a lock, so that each kind is migrated once a run, not once a worker. `make test`
gives its two runs one directory, so the PostgreSQL run copies the SQLite database the SQLite run migrated.
The run's main process makes the directory when nobody gave one and drops the PostgreSQL ones at its end
(tests/conftest.py).
"""

import fcntl
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import psycopg
from django.conf import settings

import svtoolkit

SOURCE_ROOT = Path(svtoolkit.__file__).resolve().parents[1]
SHARED_DIRECTORY = "SVTOOLKIT_TEST_SHARED_DIR"
# The PostgreSQL databases migrated for a run, a line each: the name and the run's main process, which drops
# them at its end (a run started by a test, tests/test_worker_groups.py, leaves the outer run's alone).
SHARED_POSTGRESQL = "postgresql-databases"


def without_test_settings(environment) -> dict:
    """The environment without pytest's and its Django settings, for svtoolkit run as an operator runs it."""
    return {key: value for key, value in environment.items() if not key.startswith(("DJANGO_", "PYTEST_"))}


def suite_kind() -> str:
    """The kind of database the suite runs on: "postgresql" or "sqlite"."""
    return "postgresql" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"


def postgres_server():
    """The PostgreSQL server the suite runs on, or the one TEST_DATABASE_URL names; None if neither."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        return {key: database[key] for key in ("HOST", "PORT", "USER", "PASSWORD")}
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        import environ

        parsed = environ.Env.db_url_config(url)
        return {key: parsed.get(key, "") for key in ("HOST", "PORT", "USER", "PASSWORD")}
    return None


class Databases:
    """New databases for one test session; the PostgreSQL ones are dropped at the end."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.server = postgres_server()
        self.made = []
        self.templates = {}

    def _admin(self):
        return admin_connection(self.server)

    def _create(self, kind: str, name: str, template: str = "") -> str:
        if kind == "sqlite":
            path = self.directory / f"{name}.sqlite3"
            if template:
                # The backup API copies what is committed, wherever SQLite keeps it (the file or its WAL).
                source, copy = sqlite3.connect(template.removeprefix("sqlite:///")), sqlite3.connect(path)
                with closing(source), closing(copy):
                    source.backup(copy)
            return f"sqlite:///{path}"
        database = f"svtoolkit_{name}_{os.getpid()}"
        self._create_postgresql(database, template)
        self.made.append(database)
        return self._postgresql_url(database)

    def _create_postgresql(self, database: str, template: str = "") -> None:
        copy_of = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"{copy_of}')

    def _postgresql_url(self, database: str) -> str:
        server = self.server
        password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
        return f"postgres://{server['USER']}{password}@{server['HOST']}:{server['PORT']}/{database}"

    def new(self, kind: str, name: str) -> str:
        """The URL of a new, empty database."""
        return self._create(kind, name)

    def migrated_template(self, kind: str) -> str:
        """The URL of the database `svtoolkit migrate` made from empty for this run, at the first ask of any
        of its processes. Copies are taken from it: no test may change it or stay connected to it."""
        if kind not in self.templates:
            shared = Path(os.environ[SHARED_DIRECTORY])
            with open(shared / f"migrated-{kind}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                made = shared / f"migrated-{kind}.url"
                if not made.exists():
                    made.write_text(self._migrate_from_zero(kind, shared))
                self.templates[kind] = made.read_text()
        return self.templates[kind]

    def _migrate_from_zero(self, kind: str, shared: Path) -> str:
        if kind == "sqlite":
            url = f"sqlite:///{shared / 'migrated.sqlite3'}"
        else:
            database = f"svtoolkit_migrated_{uuid.uuid4().hex[:12]}"
            with open(shared / SHARED_POSTGRESQL, "a") as names:
                names.write(f"{database} {main_process()}\n")
            self._create_postgresql(database)
            url = self._postgresql_url(database)
        environment = {
            **without_test_settings(os.environ),
            "SVTOOLKIT_ENV": "test",
            "PYTHONPATH": str(SOURCE_ROOT),
            "DATABASE_URL": url,
        }
        subprocess.run(
            [sys.executable, "-m", "svtoolkit.cli", "migrate", "--noinput", "-v0"],
            env=environment,
            check=True,
            timeout=600,
        )
        return url

    def migrated(self, kind: str, name: str) -> str:
        """The URL of a new database as `svtoolkit migrate` leaves an empty one."""
        return self._create(kind, name, template=self.migrated_template(kind))

    def drop_all(self):
        if self.made:
            with self._admin() as admin:
                for database in self.made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def admin_connection(server):
    return psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def main_process() -> int:
    """The process id of the run's main process: an xdist worker's parent, else this process."""
    return os.getppid() if "PYTEST_XDIST_WORKER" in os.environ else os.getpid()


def drop_shared_postgresql(shared: Path) -> None:
    """In a run's main process, at its end: drop the PostgreSQL databases its processes migrated for all of
    them to copy."""
    names = shared / SHARED_POSTGRESQL
    made = [line.split() for line in names.read_text().splitlines()] if names.exists() else []
    ours = [database for database, main in made if main == str(os.getpid())]
    if not ours:
        return
    with admin_connection(postgres_server()) as admin:
        for database in ours:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    names.write_text("".join(f"{database} {main}\n" for database, main in made if database not in ours))
    template = shared / "migrated-postgresql.url"
    if template.exists() and template.read_text().rsplit("/", 1)[1] in ours:
        template.unlink()
