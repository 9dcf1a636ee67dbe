"""The migrations, run from zero by `svtoolkit migrate` into a new database, make the schema the test database
has: the suite's database is made from the models (tests/settings.py), so this is what keeps the suite honest
about the migrations an operator runs, and it fails on a broken chain of migrations or one that is missing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.databases import SOURCE_ROOT, suite_kind, without_test_settings

pytestmark = pytest.mark.slow


def schema(wrapper) -> dict:
    """Each table's columns (type, null) and constraints (indexes, unique, check, primary and foreign keys),
    as Django reads them back from the database; on PostgreSQL, also the columns' planner settings. As JSON
    would give them, to be compared with the same read in another process."""
    tables = {}
    with wrapper.cursor() as cursor:
        for table in sorted(wrapper.introspection.table_names(cursor)):
            columns = {
                column.name: (column.type_code, column.null_ok)
                for column in wrapper.introspection.get_table_description(cursor, table)
            }
            # By what each is, not its name: SQLite numbers its unnamed constraints in the order of the
            # columns, which differs where a migration added a column to an existing table.
            constraints = sorted(
                json.dumps(constraint, sort_keys=True)
                for constraint in wrapper.introspection.get_constraints(cursor, table).values()
            )
            tables[table] = {"columns": columns, "constraints": constraints}
        if wrapper.vendor == "postgresql":
            cursor.execute(
                "SELECT attrelid::regclass::text, attname, option FROM pg_attribute"
                " JOIN pg_class ON pg_class.oid = attrelid"
                " JOIN pg_namespace ON pg_namespace.oid = relnamespace"
                " CROSS JOIN unnest(attoptions) AS option"
                " WHERE nspname = 'public' AND NOT attisdropped AND option LIKE 'n\\_distinct%'"
                " ORDER BY 1, 2, 3"
            )
            tables["column options"] = cursor.fetchall()
    return json.loads(json.dumps(tables))


def schema_of(url: str) -> dict:
    """The schema of another database, read by svtoolkit's own settings in a process of its own."""
    read = subprocess.run(
        [
            sys.executable,
            "-m",
            "svtoolkit.cli",
            "shell",
            "-v0",
            "-c",
            "import json; from django.db import connection; from tests.test_migrations import schema; "
            "print(json.dumps(schema(connection)))",
        ],
        env={
            **without_test_settings(os.environ),
            "SVTOOLKIT_ENV": "test",
            "PYTHONPATH": os.pathsep.join([str(SOURCE_ROOT), str(Path(__file__).resolve().parents[1])]),
            "DATABASE_URL": url,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(read.stdout)


def differences(migrated: dict, modelled: dict) -> dict:
    """What differs, table by table: the columns, and the constraints found on one side only."""
    found = {}
    for table in sorted(migrated.keys() | modelled.keys()):
        by_migrating, from_models = migrated.get(table), modelled.get(table)
        if by_migrating == from_models:
            continue
        if by_migrating is None or from_models is None or table == "column options":
            found[table] = {"by migrating": by_migrating, "from the models": from_models}
            continue
        columns = by_migrating["columns"].keys() | from_models["columns"].keys()
        constraints = set(by_migrating["constraints"]), set(from_models["constraints"])
        found[table] = {
            "columns (by migrating, from the models)": {
                name: (by_migrating["columns"].get(name), from_models["columns"].get(name))
                for name in sorted(columns)
                if by_migrating["columns"].get(name) != from_models["columns"].get(name)
            },
            "constraints only by migrating": sorted(constraints[0] - constraints[1]),
            "constraints only from the models": sorted(constraints[1] - constraints[0]),
        }
    return found


@pytest.mark.django_db
def test_migrating_from_zero_makes_the_test_databases_schema(databases):
    # A copy: the run's other processes copy the migrated database, which nobody may be connected to then.
    made_by_migrating = schema_of(databases.migrated(suite_kind(), "schema_check"))
    made_from_models = schema(connection)
    # Django's difference, not the toolkit's: migrating gives auth's table of groups' permissions the id
    # type of DEFAULT_AUTO_FIELD (bigint on PostgreSQL), its model auth's own (integer). Nothing refers to
    # those ids.
    group_permissions = made_from_models["auth_group_permissions"]["columns"]["id"]
    made_by_migrating["auth_group_permissions"]["columns"]["id"] = group_permissions
    assert differences(made_by_migrating, made_from_models) == {}
