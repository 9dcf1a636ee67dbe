import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="A PostgreSQL planner setting.")
def test_postgresql_is_told_an_incident_has_dozens_of_actions_not_thousands(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attoptions FROM pg_attribute "
            "WHERE attrelid = 'incidents_planaction'::regclass AND attname = 'incident_id'"
        )
        assert "n_distinct=-0.015" in cursor.fetchone()[0]
