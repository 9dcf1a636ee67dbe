"""What the incidents' tables have on PostgreSQL beyond what the models declare, made by migrations 0007 and
0008 and, for the test suite's database (made from the models, not by migrating), by ``beyond_the_models``.

The full-text indexes are expression indexes over exactly the SearchVector that search.selectors builds, so
PostgreSQL can use them; they are not declared on the models because the models' indexes must exist on every
database (SQLite searches by substring and has no such index).

ANALYZE estimates the number of distinct incidents among plan actions from a sample of rows, and with tens of
millions of actions it guessed about 35,000 distinct incidents for a million: some 1,500 actions an incident
instead of about 65. Planning on that guess, PostgreSQL read the whole incidents table to count the
dashboard's actions (375 ms at a million incidents instead of 128 ms). A plan is drawn from the checklist, so
an incident has around 60 to 80 actions: the number of distinct incidents is set to 1.5 % of the actions. It
takes effect at the next ANALYZE, which autovacuum runs as the table grows.
"""

SEARCH_INDEXES = [
    ("Incident", "incident_search", ("title", "summary")),
    ("PlanAction", "action_search", ("title", "guidance")),
    ("Decision", "decision_search", ("what", "why")),
]
ACTIONS_PER_INCIDENT = "ALTER TABLE incidents_planaction ALTER COLUMN incident_id SET (n_distinct = -0.015)"
ESTIMATED_FROM_SAMPLE = "ALTER TABLE incidents_planaction ALTER COLUMN incident_id RESET (n_distinct)"


def _search_index(name, fields):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector(*fields, config="english"), name=name)


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, name, fields in SEARCH_INDEXES:
            schema_editor.add_index(apps.get_model("incidents", model), _search_index(name, fields))


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, name, fields in SEARCH_INDEXES:
            schema_editor.remove_index(apps.get_model("incidents", model), _search_index(name, fields))


def set_action_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ACTIONS_PER_INCIDENT)


def reset_action_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ESTIMATED_FROM_SAMPLE)


def beyond_the_models(apps, schema_editor):
    """Give a database whose tables were made from the models (the test suite's) what the migrations add."""
    add_search_indexes(apps, schema_editor)
    set_action_statistics(apps, schema_editor)
