"""One row read by a statement compiled once for each database connection and run again with new values.

Building the ORM's query for a row found by its ids (a queryset, its filters, the compiler, the SQL) costs
several times what running it does: for the signed-in person (docs/decisions/0020) and for an incident or
one of its actions found through the access rule (docs/decisions/0026) it was most of what finding them cost.
A ``OneRow`` builds its queryset once on each connection, with stand-in values, and from then on runs the SQL
with the values of the request, turning the row into a model (and the rows its ``select_related`` joins) as
the ORM does: the database's own converters, ``Model.from_db`` and Django's populators of related rows.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Each connection's statements, on the connection object so that they go with it (each thread has its own
# connection, and a compiler belongs to one).
_STATEMENTS_ATTRIBUTE = "_svtoolkit_statements"
# Stand-ins no row has (ids are positive), two sets: the values a statement is compiled with.
_STAND_INS = (-7_340_001, -7_340_501)


@dataclass(frozen=True)
class _Compiled:
    """The SQL of a ``OneRow`` on one connection, which of its values each parameter is, and what turns its
    columns into models."""

    compiler: object
    sql: str
    slots: tuple[str, ...]
    converters: dict
    columns: slice
    attnames: tuple[str, ...]
    related: tuple

    def read(self, model, values: dict):
        connection = self.compiler.connection
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [values[name] for name in self.slots])
            rows = cursor.fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {model.__name__}")
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        (row,) = rows
        found = model.from_db(connection.alias, self.attnames, row[self.columns])
        for populator in self.related:
            populator.populate(row, found)
        return found


class OneRow:
    """At most one row of ``model``, as ``build(**values).get()`` finds it, or None: ``build`` is called with
    stand-in ids for the ``names`` it takes, once a connection, and must give a queryset whose SQL takes
    those values and no other (a value of its own, such as the time, would be kept as first compiled, so it is
    refused), with the same SQL whatever the values; no annotations, ``prefetch_related`` or ``values()``.
    Every value is an id (an ``int``): a caller with anything else uses the ORM."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], *names: str):
        self.model, self.build, self.names = model, build, names

    def get(self, **values) -> Model | None:
        if values.keys() != set(self.names) or not all(type(value) is int for value in values.values()):
            raise TypeError(f"{self.names} must each be given as an int")
        connection = connections[router.db_for_read(self.model)]
        statements = getattr(connection, _STATEMENTS_ATTRIBUTE, None)
        if statements is None:
            statements = {}
            setattr(connection, _STATEMENTS_ATTRIBUTE, statements)
        compiled = statements.get(self)
        if compiled is None:
            compiled = statements[self] = self._compile(connection)
        return compiled.read(self.model, values)

    def _compile(self, connection) -> _Compiled:
        compiled = [self._compiled_with(connection, stand_in) for stand_in in _STAND_INS]
        (compiler, sql, params), (_, other_sql, other_params) = compiled
        stand_ins = [{base - number: name for number, name in enumerate(self.names)} for base in _STAND_INS]
        slots = tuple(stand_ins[0].get(value) for value in params)
        again = tuple(stand_ins[1].get(value) for value in other_params)
        if sql != other_sql or None in slots or slots != again or set(slots) != set(self.names):
            raise ImproperlyConfigured(
                f"{self.model.__name__}: a statement is run with {self.names} alone, in the same SQL "
                "whatever they are; its query takes values of its own, or leaves one out"
            )
        select = compiler.select
        fields = compiler.klass_info["select_fields"]
        columns = slice(fields[0], fields[-1] + 1)
        return _Compiled(
            compiler=compiler,
            sql=sql,
            slots=slots,
            converters=compiler.get_converters([column for column, _, _ in select[: compiler.col_count]]),
            columns=columns,
            attnames=tuple(column.target.attname for column, _, _ in select[columns]),
            related=tuple(get_related_populators(compiler.klass_info, select, connection.alias)),
        )

    def _compiled_with(self, connection, base: int):
        queryset = self.build(**{name: base - number for number, name in enumerate(self.names)})
        query = queryset.query.chain()
        unsupported = (
            queryset.model is not self.model
            or queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or query.annotation_select
            or query.extra_select
            or query.combinator
            or query.distinct
            or query.select_for_update
        )
        if unsupported:
            raise ImproperlyConfigured(f"{self.model.__name__}: a statement reads plain rows of its model")
        query.clear_ordering(force=True)
        query.set_limits(high=2)  # two, to tell one row from more
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if compiler.has_extra_select or compiler.has_composite_fields(
            [column for column, _, _ in compiler.select]
        ):
            raise ImproperlyConfigured(f"{self.model.__name__}: a statement reads plain rows of its model")
        return compiler, sql, tuple(params)
