"""The change log: a row for every change to a tracked table, written by the database itself.

Triggers on each tracked table append the id of the incident a changed row belongs to (or none, for rows that
belong to no one incident, such as an organisation's name, which any incident page may show) to
``core_change``; an update that changes no value is not logged. Every write path is seen: services,
``update()`` and ``bulk_create``, background tasks, the admin, a migration. Appending takes no row lock, so
the log adds no lock order and no deadlock.

A cached page part is keyed by ``version_of`` its incident: for the incident's own rows and for the rows of no
one incident, the lowest id, the highest id and how many there are. The count is what makes the key safe on
PostgreSQL, where ids are handed out when a row is written but seen when its transaction commits: a
transaction that took a lower id and commits after a later one adds a row without raising the highest id, but
it raises the count. Pruning (``forget_old_changes``) removes only rows older than an hour and below every row
kept, never a bucket's newest, so it raises the lowest id: no key comes back once it has gone.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, connections
from django.db.models import Max, Min
from django.utils import timezone

CHANGE_TABLE = "core_change"
# A pruned row is older than any transaction can be: one that took a lower id and has yet to commit.
KEEP_CHANGES_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Through:
    """The incident of a row is its parent's: ``column`` holds the id of a row of ``table``, whose
    ``incident_id`` it is. A row whose parent is gone counts as a change to every incident; one whose parent
    names no incident, as none."""

    table: str
    column: str


# How to find the incident a row of a tracked table belongs to: the columns that hold an incident's id (each
# is a change to that incident), a Through, or EVERY_INCIDENT for rows any incident page may show.
IncidentOf = tuple[str, ...] | Through
EVERY_INCIDENT: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tracked:
    incident_of: IncidentOf
    # Columns whose change no page shows (a person's last sign-in): an update of these alone is not logged.
    ignored_columns: tuple[str, ...] = ()


_tracked: dict[str, Tracked] = {}


def track(table: str, incident_of: IncidentOf, *, ignored_columns: tuple[str, ...] = ()) -> None:
    """Log every change to ``table`` from the next ``migrate`` on (the triggers are made after each one)."""
    _tracked[table] = Tracked(incident_of, ignored_columns)


def tracked_tables() -> frozenset[str]:
    return frozenset(_tracked)


def version_of(incident_id: int, *, using: str = "default") -> tuple:
    """Changes so far to the incident's rows and to rows of no one incident: equal versions, equal rows."""
    bucket = f"FROM {CHANGE_TABLE} WHERE incident_id"
    figures = ("MIN(id)", "MAX(id)", "COUNT(*)")
    own = [f"(SELECT {figure} {bucket} = %s)" for figure in figures]
    every = [f"(SELECT {figure} {bucket} IS NULL)" for figure in figures]
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(own + every)}", [incident_id] * len(own))
        return cursor.fetchone()


def versions_of(incidents_sql: str, params, *, using: str = "default") -> tuple:
    """Changes so far to the rows of each incident ``incidents_sql`` gives (a SELECT of incident ids, with
    ``params``), for a part that shows rows of other incidents: (incident id, lowest id, highest id, count),
    one for each that has any. SQL, as ``version_of``: asked on every request of such a part, where Django
    building the same query cost more than the rest of the key."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT incident_id, MIN(id), MAX(id), COUNT(*) FROM {CHANGE_TABLE} WHERE incident_id IN "
            f"({incidents_sql}) GROUP BY incident_id ORDER BY incident_id",
            params,
        )
        return tuple(tuple(row) for row in cursor.fetchall())


def forget_old_changes() -> int:
    """Remove changes older than KEEP_CHANGES_FOR, keeping each incident's newest (and the newest of no one
    incident); returns how many went.

    Only those below the lowest id still kept: a change is dated when its transaction began, so an old one
    may come after a recent one, and forgetting it alone would lower a count without raising the lowest id,
    giving back the version read before a late commit (``version_of``)."""
    from svtoolkit.core.models import Change

    kept_from = Change.objects.filter(at__gte=timezone.now() - KEEP_CHANGES_FOR).aggregate(Min("id"))
    old = Change.objects.all()
    if kept_from["id__min"] is not None:
        old = old.filter(id__lt=kept_from["id__min"])
    newest = Change.objects.values("incident_id").annotate(newest=Max("id")).values("newest")
    deleted, _ = old.exclude(id__in=newest).delete()
    return deleted


# --- The triggers -------------------------------------------------------------------------------------------

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _quoted(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"Not a plain table or column name: {name!r}")
    return f'"{name}"'


def _incidents_of(tracked: Tracked, row: str) -> list[str]:
    """SELECTs of the incidents a row (NEW or OLD) belongs to: NULL for every incident; none for a row no
    incident page shows (its incident column empty, or its parent naming no incident)."""
    found = tracked.incident_of
    if isinstance(found, Through):
        parent = f"FROM {_quoted(found.table)} WHERE {_quoted('id')} = {row}.{_quoted(found.column)}"
        return [
            f"SELECT {_quoted('incident_id')} {parent} AND {_quoted('incident_id')} IS NOT NULL",
            f"SELECT CAST(NULL AS BIGINT) WHERE NOT EXISTS (SELECT 1 {parent})",
        ]
    if not found:
        return ["SELECT CAST(NULL AS BIGINT)"]
    return [f"SELECT {row}.{_quoted(column)} WHERE {row}.{_quoted(column)} IS NOT NULL" for column in found]


def _insert(tracked: Tracked, rows: list[str]) -> str:
    selects = " UNION ".join(select for row in rows for select in _incidents_of(tracked, row))
    return f"INSERT INTO {CHANGE_TABLE} (incident_id) {selects};"


def _columns_shown(columns: list[str], tracked: Tracked) -> list[str]:
    return [column for column in columns if column not in tracked.ignored_columns]


def _changed(columns: list[str], differ: str) -> str:
    """A WHEN condition: an update changed one of ``columns`` (an update that writes the same values, as a
    second seeding of the demo does, is no change)."""
    return " OR ".join(f"OLD.{_quoted(column)} {differ} NEW.{_quoted(column)}" for column in columns)


def _sqlite_statements(table: str, columns: list[str], tracked: Tracked) -> list[str]:
    name = f"svt_changes_{table}"
    shown = _columns_shown(columns, tracked)
    update_of = ", ".join(_quoted(column) for column in shown)
    events = {
        "insert": ("INSERT", "", ["NEW"]),
        "update": (f"UPDATE OF {update_of}", f"WHEN {_changed(shown, 'IS NOT')} ", ["NEW", "OLD"]),
        "delete": ("DELETE", "", ["OLD"]),
    }
    statements = []
    for suffix, (event, when, rows) in events.items():
        trigger = _quoted(f"{name}_{suffix}")
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger}",
            f"CREATE TRIGGER {trigger} AFTER {event} ON {_quoted(table)} FOR EACH ROW {when}BEGIN "
            f"{_insert(tracked, rows)} END",
        ]
    return statements


def _postgresql_statements(table: str, columns: list[str], tracked: Tracked) -> list[str]:
    function = _quoted(f"svt_changes_{table}")
    updated = _quoted(f"svt_changes_{table}_update")
    shown = _columns_shown(columns, tracked)
    update_of = ", ".join(_quoted(column) for column in shown)
    body = (
        f"BEGIN IF TG_OP = 'INSERT' THEN {_insert(tracked, ['NEW'])} "
        f"ELSIF TG_OP = 'UPDATE' THEN {_insert(tracked, ['NEW', 'OLD'])} "
        f"ELSE {_insert(tracked, ['OLD'])} END IF; RETURN NULL; END"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $svt$ {body} $svt$",
        f"DROP TRIGGER IF EXISTS {function} ON {_quoted(table)}",
        f"DROP TRIGGER IF EXISTS {updated} ON {_quoted(table)}",
        f"CREATE TRIGGER {function} AFTER INSERT OR DELETE ON {_quoted(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {updated} AFTER UPDATE OF {update_of} ON {_quoted(table)} FOR EACH ROW "
        f"WHEN ({_changed(shown, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}()",
    ]


def install_triggers(*, using: str = "default") -> bool:
    """Make (or make again) every tracked table's triggers; run after each ``migrate`` (and each ``flush``).
    They name the columns the table has now, which a test that migrates backwards may leave as they were.
    False when there is no change log (yet) to write to."""
    target = connections[using]
    with target.cursor() as cursor:
        existing = set(target.introspection.table_names(cursor))
        if CHANGE_TABLE not in existing:
            return False
        for table, tracked in sorted(_tracked.items()):
            if table not in existing:
                continue
            columns = [column.name for column in target.introspection.get_table_description(cursor, table)]
            make = _postgresql_statements if target.vendor == "postgresql" else _sqlite_statements
            for statement in make(table, columns, tracked):
                cursor.execute(statement)
    return True


def log_change_to_every_incident(*, using: str = "default") -> None:
    """Move every incident's version on: for writes no trigger saw (a migration's, to a table it had rebuilt,
    before the triggers were made again)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {CHANGE_TABLE} (incident_id) VALUES (NULL)")


def remove_triggers(*, using: str = "default") -> None:
    """Drop every tracked table's triggers (the benchmark's generator writes its millions of rows without)."""
    target = connections[using]
    existing = set(target.introspection.table_names())
    with target.cursor() as cursor:
        for table in sorted(set(_tracked) & existing):
            if target.vendor == "postgresql":
                for trigger in (f"svt_changes_{table}", f"svt_changes_{table}_update"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_quoted(trigger)} ON {_quoted(table)}")
            else:
                for suffix in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_quoted(f'svt_changes_{table}_{suffix}')}")


def drop_triggers_to_alter_a_column(apps, schema_editor) -> None:
    """For a migration that changes the type of a tracked table's column, run before it (and, undoing it,
    after it): PostgreSQL refuses to alter a column a trigger's definition names. ``migrate`` makes the
    triggers again once it has run (core.apps), and counts it as a change to every incident."""
    remove_triggers(using=schema_editor.connection.alias)


def tables_with_triggers(*, using: str = "default") -> set[str]:
    """The tables that have a change-log trigger now, as the database says."""
    target = connections[using]
    with target.cursor() as cursor:
        if target.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers"
                " WHERE trigger_name LIKE %s",
                ["svt\\_changes\\_%"],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
                ["svt\\_changes\\_%"],
            )
        return {row[0] for row in cursor.fetchall()}


# --- Which tables a piece of work reads ---------------------------------------------------------------------

_TABLE_READ = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.IGNORECASE)
_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class TablesRead:
    """Collects the tables named by every query run on the default database inside the ``with`` block, and
    whether any of them wrote."""

    def __init__(self):
        self.tables: set[str] = set()
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        self.tables.update(_TABLE_READ.findall(sql))
        self.wrote = self.wrote or bool(_WRITE.match(sql))
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapping = connection.execute_wrapper(self)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapping.__exit__(*exc)

    @property
    def untracked(self) -> set[str]:
        return self.tables - set(_tracked)
