"""Databases beside the test database for the tests that run svtoolkit as an operator would: empty ones, and
ones as a real `svtoolkit migrate` leaves an empty database, copied from one migrated once per test session.

Migrating from zero takes about 20 s of CPU (Django renders the models' state again for each of some 340
operations), and several operator-path tests need a freshly migrated database: each is given a copy of the
session's (an SQLite file copied, a PostgreSQL database made with TEMPLATE). tests/test_migrations.py checks
that this migrated database has the test database's schema.
"""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import psycopg
from django.conf import settings

import svtoolkit

SOURCE_ROOT = Path(svtoolkit.__file__).resolve().parents[1]


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
        server = self.server
        return psycopg.connect(
            host=server["HOST"] or None,
            port=server["PORT"] or None,
            user=server["USER"] or None,
            password=server["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

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
        copy_of = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"{copy_of}')
        self.made.append(database)
        server = self.server
        password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
        return f"postgres://{server['USER']}{password}@{server['HOST']}:{server['PORT']}/{database}"

    def new(self, kind: str, name: str) -> str:
        """The URL of a new, empty database."""
        return self._create(kind, name)

    def migrated_template(self, kind: str) -> str:
        """The URL of the database `svtoolkit migrate` made from empty in this session, at the first ask.
        Copies are taken from it: a test that changes it must not."""
        if kind not in self.templates:
            url = self._create(kind, "migrated")
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
            self.templates[kind] = url
        return self.templates[kind]

    def migrated(self, kind: str, name: str) -> str:
        """The URL of a new database as `svtoolkit migrate` leaves an empty one."""
        return self._create(kind, name, template=self.migrated_template(kind))

    def drop_all(self):
        if self.made:
            with self._admin() as admin:
                for database in self.made:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
