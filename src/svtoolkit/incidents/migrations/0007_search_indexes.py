"""Full-text indexes for search, on PostgreSQL only: see svtoolkit.incidents.postgresql."""

from django.db import migrations

from svtoolkit.incidents import postgresql


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_performance_indexes")]

    operations = [migrations.RunPython(postgresql.add_search_indexes, postgresql.remove_search_indexes)]
