"""The change log: a row for every change to a tracked table, written by the database itself.

Triggers on each tracked table append the id of the incident a changed row belongs to (or none, for rows that
belong to no one incident, such as an organisation's name, which any incident page may show) to
``core_change``; an update that changes no value is not logged. Every write path is seen: services,
``update()`` and ``bulk_create``, background tasks, the admin, a migration. Appending takes no row lock, so
the log adds no lock order and no deadlock.

Each change names the table it was made to, so that a part is keyed by the changes to the tables it reads
alone (``Versions.of``): a new timeline entry leaves a part that shows no timeline as it was kept. A bucket
is the changes to one table's rows of one incident (or of no one incident); for each, the version holds the
lowest id, the highest id and how many there are. The count is what makes the key safe on PostgreSQL, where
ids are handed out when a row is written but seen when its transaction commits: a transaction that took a
lower id and commits after a later one adds a row without raising the highest id, but it raises the count.
Pruning (``forget_old_changes``) removes only rows older than an hour and below every row kept, never a
bucket's newest, so it raises a bucket's lowest id: no key comes back once it has gone. A change logged
before changes named their table (or a migrate's) names none: it counts as a change to every part.
"""

import functools
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


# A bucket's version: (lowest id, highest id, count) of its changes.
Bucket = tuple[int, int, int]


@dataclass(frozen=True)
class Versions:
    """The changes so far to an incident's rows, table by table, to the rows of no one incident and to the
    rows of some other incidents (those a part shows rows of), as read in one statement."""

    own: dict[str | None, Bucket]
    every: tuple
    others: tuple

    def of(self, tables: frozenset[str], *, with_others: bool = False) -> tuple:
        """The version of a part that reads ``tables`` (equal versions, equal rows for it): its incident's
        changes to those tables and those that name no table, every change to rows of no one incident, and
        the other incidents' changes when it shows their rows."""
        own = tuple((table, self.own[table]) for table in sorted(tables) if table in self.own)
        return (own, self.own.get(None), self.every, self.others if with_others else ())


def belongs_to_no_incident(table: str) -> bool:
    """Whether every change to ``table`` is logged as a change to rows of no one incident (the directory)."""
    tracked = _tracked.get(table)
    return tracked is not None and tracked.incident_of == EVERY_INCIDENT


def shared_versions(tables: frozenset[str], *, using: str = "default") -> tuple:
    """The changes so far to ``tables``, each of which ``belongs_to_no_incident``, and those that name no
    table (a migrate's): equal versions, equal rows of those tables. One small statement, on the index."""
    named = sorted(tables)
    marks = ", ".join(["%s"] * len(named))
    sql = (
        f"SELECT table_name, MIN(id), MAX(id), COUNT(*) FROM {CHANGE_TABLE} WHERE incident_id IS NULL"
        f" AND (table_name IN ({marks}) OR table_name IS NULL) GROUP BY table_name"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, named)
        return tuple(sorted(cursor.fetchall(), key=_by_table))


def versions_of(incident_id: int, others_sql: str = "", params=(), *, using: str = "default") -> Versions:
    """The incident's ``Versions``, with those of each incident a SELECT of ids names (``others_sql`` with
    its ``params``), for a part that shows rows of other incidents. One statement, so one snapshot: the others
    are those the incident's rows named at its version (its links are its rows). Read on every request for a
    part, in plain SQL: the ORM's grouping cost as much CPU as the rest of finding the part in the cache."""
    figures = "table_name, MIN(id), MAX(id), COUNT(*)"
    sql = (
        f"SELECT 0, incident_id, {figures} FROM {CHANGE_TABLE} WHERE incident_id = %s"
        " GROUP BY incident_id, table_name"
        f" UNION ALL SELECT 1, incident_id, {figures} FROM {CHANGE_TABLE} WHERE incident_id IS NULL"
        " GROUP BY incident_id, table_name"
    )
    if others_sql:
        sql += (
            f" UNION ALL SELECT 2, incident_id, {figures} FROM {CHANGE_TABLE}"
            f" WHERE incident_id IN ({others_sql}) GROUP BY incident_id, table_name"
        )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [incident_id, *params])
        rows = cursor.fetchall()
    # Sorted in Python: the databases order a NULL table differently.
    every = sorted((row[2:] for row in rows if row[0] == 1), key=_by_table)
    others = sorted((row[1:] for row in rows if row[0] == 2), key=lambda row: (row[0], _by_table(row[1:])))
    return Versions(
        own={row[2]: tuple(row[3:]) for row in rows if row[0] == 0}, every=tuple(every), others=tuple(others)
    )


def _by_table(row) -> tuple:
    return (row[0] is not None, row[0] or "")


def version_of(incident_id: int, *, using: str = "default") -> tuple:
    """Changes so far to every table's rows of the incident and to rows of no one incident: equal versions,
    equal rows."""
    versions = versions_of(incident_id, using=using)
    return versions.of(frozenset(table for table in versions.own if table is not None))


def forget_old_changes() -> int:
    """Remove changes older than KEEP_CHANGES_FOR, keeping each bucket's newest (an incident's, or no one
    incident's, changes to one table, and those that name none); returns how many went.

    Only those below the lowest id still kept: a change is dated when its transaction began, so an old one
    may come after a recent one, and forgetting it alone would lower a count without raising the lowest id,
    giving back the version read before a late commit (``versions_of``). Each bucket keeps its newest and
    loses only its lowest, so its version moves on; a part's version is made of whole buckets, so it does
    too."""
    from svtoolkit.core.models import Change

    kept_from = Change.objects.filter(at__gte=timezone.now() - KEEP_CHANGES_FOR).aggregate(Min("id"))
    old = Change.objects.all()
    if kept_from["id__min"] is not None:
        old = old.filter(id__lt=kept_from["id__min"])
    newest = Change.objects.values("incident_id", "table_name").annotate(newest=Max("id")).values("newest")
    deleted, _ = old.exclude(id__in=newest).delete()
    return deleted


# --- The triggers -------------------------------------------------------------------------------------------

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _quoted(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"Not a plain table or column name: {name!r}")
    return f'"{name}"'


def _literal(name: str) -> str:
    _quoted(name)  # a plain name, or an error
    return f"'{name}'"


def _incidents_of(tracked: Tracked, table: str, row: str) -> list[str]:
    """SELECTs of the incidents a row (NEW or OLD) of ``table`` belongs to, each with the table's name: NULL
    for every incident; none for a row no incident page shows (its incident column empty, or its parent naming
    no incident)."""
    found, name = tracked.incident_of, _literal(table)
    if isinstance(found, Through):
        parent = f"FROM {_quoted(found.table)} WHERE {_quoted('id')} = {row}.{_quoted(found.column)}"
        return [
            f"SELECT {_quoted('incident_id')}, {name} {parent} AND {_quoted('incident_id')} IS NOT NULL",
            f"SELECT CAST(NULL AS BIGINT), {name} WHERE NOT EXISTS (SELECT 1 {parent})",
        ]
    if not found:
        return [f"SELECT CAST(NULL AS BIGINT), {name}"]
    return [
        f"SELECT {row}.{_quoted(column)}, {name} WHERE {row}.{_quoted(column)} IS NOT NULL"
        for column in found
    ]


def _insert(tracked: Tracked, table: str, rows: list[str]) -> str:
    selects = " UNION ".join(select for row in rows for select in _incidents_of(tracked, table, row))
    return f"INSERT INTO {CHANGE_TABLE} (incident_id, table_name) {selects};"


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
            f"{_insert(tracked, table, rows)} END",
        ]
    return statements


def _postgresql_statements(table: str, columns: list[str], tracked: Tracked) -> list[str]:
    function = _quoted(f"svt_changes_{table}")
    updated = _quoted(f"svt_changes_{table}_update")
    shown = _columns_shown(columns, tracked)
    update_of = ", ".join(_quoted(column) for column in shown)
    body = (
        f"BEGIN IF TG_OP = 'INSERT' THEN {_insert(tracked, table, ['NEW'])} "
        f"ELSIF TG_OP = 'UPDATE' THEN {_insert(tracked, table, ['NEW', 'OLD'])} "
        f"ELSE {_insert(tracked, table, ['OLD'])} END IF; RETURN NULL; END"
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


@functools.lru_cache(maxsize=1024)
def _tables_and_write(sql: str) -> tuple[tuple[str, ...], bool]:
    """The tables a statement names, and whether it writes. Remembered: a part drawn again runs the same
    statements (their values are parameters), and searching one afresh took about 60 microseconds (an
    incident with its partnership, checklist version and exercise: 2,800 characters), 1 to look it up."""
    return tuple(_TABLE_READ.findall(sql)), bool(_WRITE.match(sql))


class TablesRead:
    """Collects the tables named by every query run on the default database inside the ``with`` block, and
    whether any of them wrote; ``declared``: the tables the work may read (its key holds their changes alone),
    or None for any tracked table."""

    def __init__(self, *, declared: frozenset[str] | None = None):
        self.tables: set[str] = set()
        self.wrote = False
        self.declared = declared

    def __call__(self, execute, sql, params, many, context):
        tables, writes = _tables_and_write(sql)
        self.tables.update(tables)
        self.wrote = self.wrote or writes
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

    @property
    def undeclared(self) -> set[str]:
        """Tracked tables read beyond those declared: a change to them would not move the key."""
        return set() if self.declared is None else self.tables - self.declared - self.untracked
