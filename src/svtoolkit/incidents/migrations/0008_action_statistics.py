"""Tell PostgreSQL how many actions an incident has (PostgreSQL only; SQLite has no such setting).

ANALYZE estimates the number of distinct incidents among plan actions from a sample of rows, and with tens of
millions of actions it guessed about 35,000 distinct incidents for a million: some 1,500 actions an incident
instead of about 65. Planning on that guess, PostgreSQL read the whole incidents table to count the dashboard's
actions (375 ms at a million incidents instead of 128 ms). A plan is drawn from the checklist, so an incident
has around 60 to 80 actions: the number of distinct incidents is set to 1.5 % of the actions. It takes effect at
the next ANALYZE, which autovacuum runs as the table grows.
"""

from django.db import migrations

ACTIONS_PER_INCIDENT = "ALTER TABLE incidents_planaction ALTER COLUMN incident_id SET (n_distinct = -0.015)"
ESTIMATED_FROM_SAMPLE = "ALTER TABLE incidents_planaction ALTER COLUMN incident_id RESET (n_distinct)"


def set_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ACTIONS_PER_INCIDENT)


def reset_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ESTIMATED_FROM_SAMPLE)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_search_indexes")]

    operations = [migrations.RunPython(set_statistics, reset_statistics)]
