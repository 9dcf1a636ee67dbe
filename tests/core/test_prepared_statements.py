"""PostgreSQL prepares a statement a connection runs again and again, so it stops planning it each time
(docs/decisions/0023); DATABASE_PREPARED_STATEMENTS=0 goes back to Django's defaults for a connection pooler
that cannot keep prepared statements."""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection

from svtoolkit.accounts.models import User
from tests.databases import SOURCE_ROOT, postgres_server, without_test_settings
from tests.factories import UserFactory

# Run with svtoolkit's own settings, as a server starts: the same statement five times, then whether its
# parameters were sent apart and what the server says this connection has prepared.
RUN_FIVE_TIMES = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    for _ in range(5):
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s", ["pg_class"])
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    print(connection.features.uses_server_side_binding, cursor.fetchone()[0])
"""


def prepared_on_this_connection() -> list[tuple[str, int]]:
    """Each statement the server holds prepared for the suite's connection, with the times it was run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
@pytest.mark.django_db
def test_a_query_run_five_times_is_prepared_once_and_then_run_as_prepared():
    email = UserFactory().email

    for _ in range(5):
        assert User.objects.filter(email=email).exists()

    reading_the_user = [
        (statement, runs)
        for statement, runs in prepared_on_this_connection()
        if '"accounts_user"' in statement
    ]
    assert len(reading_the_user) == 1
    statement, runs = reading_the_user[0]
    # The address went apart from the query; runs one and two were planned afresh, three to five were not.
    assert "$1" in statement and email not in statement
    assert runs == 3


def server_database_url() -> str:
    server = postgres_server()
    user = quote(server["USER"] or "", safe="")
    password = f":{quote(server['PASSWORD'], safe='')}" if server["PASSWORD"] else ""
    return f"postgres://{user}{password}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/postgres"


@pytest.mark.skipif(postgres_server() is None, reason="needs a PostgreSQL server")
@pytest.mark.parametrize(
    ("switch", "bound_by_the_server", "prepared"), [(None, "True", 1), ("1", "True", 1), ("0", "False", 0)]
)
def test_database_prepared_statements_turns_binding_and_preparing_off(switch, bound_by_the_server, prepared):
    environment = {
        **without_test_settings(os.environ),
        "SVTOOLKIT_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "svtoolkit.settings",
        "DATABASE_URL": server_database_url(),
        "PYTHONPATH": str(SOURCE_ROOT),
    }
    environment.pop("DATABASE_PREPARED_STATEMENTS", None)
    if switch is not None:
        environment["DATABASE_PREPARED_STATEMENTS"] = switch

    result = subprocess.run(
        [sys.executable, "-c", RUN_FIVE_TIMES], capture_output=True, text=True, check=True, env=environment
    )

    assert result.stdout.split() == [bound_by_the_server, str(prepared)]
