"""Tell PostgreSQL how many actions an incident has (PostgreSQL only): see svtoolkit.incidents.postgresql."""

from django.db import migrations

from svtoolkit.incidents import postgresql


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_search_indexes")]

    operations = [migrations.RunPython(postgresql.set_action_statistics, postgresql.reset_action_statistics)]
