"""A partnership's lists as a form's selects show them (its members, its organisations), kept in the cache.

Only the (id, label) pairs are kept, never the HTML: the option chosen and the errors differ from one form to
the next. A list is kept under a key that holds its partnership, its form and field, this release, and the
changes so far to the tables its query reads (``core.changes.shared_versions``, read before the list): a
person, a membership or an organisation changed is a new key, so the next page shows the change. A list is
kept only when its query reads nothing but tables whose every change is logged as a change to rows of no one
incident, and it is checked as it is read (``TablesRead``): a label that read another table (a column not
read with the list, say) is not kept, and under test is an error. Validation still reads the database.

Each process also remembers the lists it has found or read, by the same key (``_found_here``): the key names
the versions of what its list shows, so a list remembered is the cache's, without a round trip to Redis and
the unpickling of tens of pairs on every page.
"""

import hashlib
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from svtoolkit.core.cache import OUTAGE_ERRORS
from svtoolkit.core.cached_parts import release
from svtoolkit.core.changes import TablesRead, belongs_to_no_incident, shared_versions

logger = logging.getLogger(__name__)

# The key moves with every change to what a list shows; this only lets an unused list go.
LIST_SECONDS = 60 * 60
# The lists a process remembers (each tens of pairs): past this many, the one remembered first is forgotten.
FOUND_HERE_MOST = 256

_found_here: dict[str, tuple] = {}
_forgetting = threading.Lock()


def _remember(key: str, choices) -> tuple:
    choices = tuple(choices)
    with _forgetting:
        _found_here[key] = choices
        while len(_found_here) > FOUND_HERE_MOST:
            del _found_here[next(iter(_found_here))]
    return choices


def forget_found_here() -> None:
    """Forget the lists this process remembers (tests: ids freed by rolled-back rows are given again on
    SQLite, so one key may name another test's list)."""
    with _forgetting:
        _found_here.clear()


def tables_of(records) -> frozenset[str] | None:
    """The tables a list's query reads, when each of them ``belongs_to_no_incident`` (else None)."""
    query = records.query
    # A join Django trims (its refcount fallen to none: the partnership of a membership) is not read.
    joined = {join.table_name for alias, join in query.alias_map.items() if query.alias_refcount[alias]}
    tables = frozenset({records.model._meta.db_table} | joined)
    return tables if all(belongs_to_no_incident(table) for table in tables) else None


class KeptLists:
    """The lists of one form's fields, found in the cache together when the first of them is shown: one
    statement for their versions and one cache round trip, whatever the number of lists."""

    def __init__(self, form, partnership):
        self.form_name = f"{type(form).__module__}.{type(form).__qualname__}"
        self.partnership_id = getattr(partnership, "pk", partnership)
        self.offered: dict[str, object] = {}
        self.tables: dict[str, frozenset[str]] = {}
        self.keys: dict[str, str] | None = None
        self.found: dict = {}

    def offer(self, name: str, field) -> None:
        """Keep the list field ``name`` shows when its query allows (its records' ids are their values):
        looked at only when a select is shown, so a POST that is saved pays nothing for it."""
        if not field.to_field_name:
            self.offered[name] = field.queryset
            field.kept_list = KeptList(self, name, field)

    def choices(self, name: str, records, label) -> list[tuple] | None:
        """The (id, label) pairs of ``records`` (the list field ``name`` shows), kept or read and kept; None
        when its query reads a table not of rows of no one incident (it is read as any other list)."""
        if self.keys is None:
            self._find()
        if name not in self.keys:
            return None
        if self.keys[name] in self.found:
            return self.found[self.keys[name]]
        tables = self.tables[name]
        with TablesRead(declared=tables) as read:
            choices = [(record.pk, label(record)) for record in records]
        if read.untracked or read.undeclared or read.wrote:
            _refuse_to_keep(name, read)
            return choices
        self.found[self.keys[name]] = _remember(self.keys[name], choices)  # shown again: not read again
        try:
            cache.set(self.keys[name], choices, LIST_SECONDS)
        except OUTAGE_ERRORS:
            pass
        return choices

    def _find(self) -> None:
        for name, records in self.offered.items():
            if (tables := tables_of(records)) is not None:
                self.tables[name] = tables
        self.keys = {}
        if not self.tables:
            return
        # The versions are read before any list: a change made while a list is read moves a later key on.
        versions = shared_versions(frozenset().union(*self.tables.values()))
        for name, tables in self.tables.items():
            own = tuple(row for row in versions if row[0] is None or row[0] in tables)
            shown = (release(), self.form_name, name, self.partnership_id, own)
            self.keys[name] = f"svt:list:{hashlib.sha256(repr(shown).encode()).hexdigest()}"
        # One look-up a key: another thread may forget a list between a test and a read.
        self.found = {key: found for key in self.keys.values() if (found := _found_here.get(key)) is not None}
        wanted = [key for key in self.keys.values() if key not in self.found]
        if not wanted:
            return
        try:
            found = cache.get_many(wanted)
        except OUTAGE_ERRORS:  # Redis is down: each list is read as if nothing were kept
            found = {}
        self.found |= {key: _remember(key, choices) for key, choices in found.items()}


class KeptList:
    """What a field is given by ``KeptLists.offer``: its list as kept, while its query and its labels are the
    ones offered (the key names the form and field, not how the records are labelled)."""

    def __init__(self, lists: KeptLists, name: str, field):
        self.lists, self.name, self.records = lists, name, field.queryset
        self.label, self.labelled_by = field.label_from_instance, getattr(field, "labelled_by", ())

    def still_offered(self, field) -> bool:
        """Whether ``field`` still lists and labels its records as when the list was offered to be kept: a
        form that changes either after it was made reads its list."""
        return (
            self.records is field.queryset
            and self.label == field.label_from_instance
            and self.labelled_by == getattr(field, "labelled_by", ())
        )

    def choices(self, records, label) -> list[tuple] | None:
        return self.lists.choices(self.name, records, label)


def _refuse_to_keep(name: str, read: TablesRead) -> None:
    why = sorted(read.untracked | read.undeclared) if not read.wrote else "a write"
    if settings.MODE == "test":
        raise ImproperlyConfigured(f"The list {name} read {why}: read it with its own query alone.")
    logger.warning("Not keeping the list %s: it read %s", name, why)
