"""Full-text indexes for search, on PostgreSQL only (SQLite searches by substring and has no such index).

They are expression indexes over exactly the SearchVector that search.selectors builds, so PostgreSQL can use
them; they are not declared on the models because the models' indexes must exist on every database.
"""

from django.db import migrations

INDEXES = [
    ("Incident", "incident_search", ("title", "summary")),
    ("PlanAction", "action_search", ("title", "guidance")),
    ("Decision", "decision_search", ("what", "why")),
]


def _index(name, fields):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector(*fields, config="english"), name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, name, fields in INDEXES:
        schema_editor.add_index(apps.get_model("incidents", model), _index(name, fields))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, name, fields in INDEXES:
        schema_editor.remove_index(apps.get_model("incidents", model), _index(name, fields))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_performance_indexes")]

    operations = [migrations.RunPython(create, drop)]
