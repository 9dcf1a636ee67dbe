"""Moving the test database to a point in the migrations and back, for the tests of data migrations."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from svtoolkit.core import changes


def migrate(targets):
    """Migrate the test database to ``targets`` ([(app, migration)]); the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    """Every app's last migration: where an upgrade takes a database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def latest_migrations_afterwards():
    """For a test that moves the test database back: at its end, every app's last migration and the change
    log's triggers (as `svtoolkit migrate` leaves a database), so the tests after it in the same worker meet
    the tables the models describe."""
    yield
    migrate(latest())
    changes.install_triggers()
