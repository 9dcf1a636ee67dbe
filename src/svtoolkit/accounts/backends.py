"""Password sign-in and the signed-in person, read on every request: Django's ModelBackend, with the person's
row read by a statement built once for each database connection. Building the ORM's query for
``User.objects.get(pk=...)`` anew on each request was most of what finding the person cost
(docs/decisions/0020)."""

from dataclasses import dataclass

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models.sql.compiler import SQLCompiler

from svtoolkit.accounts.models import User


@dataclass(frozen=True)
class _PersonStatement:
    """The SELECT of one person's row by id, on one connection, and what turns its columns into a User (the
    database's own converters, as the ORM applies them: SQLite gives booleans and dates as numbers and
    text)."""

    compiler: SQLCompiler
    sql: str
    attnames: tuple[str, ...]
    converters: dict

    def read(self, user_id) -> User | None:
        connection = self.compiler.connection
        with connection.cursor() as cursor:
            cursor.execute(self.sql, (user_id,))
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(self.compiler.apply_converters([row], self.converters))
        return User.from_db(connection.alias, self.attnames, row)


# Each thread has its own connection object, and a compiler belongs to one connection: a statement for each,
# kept on the connection object so that it goes with it.
_STATEMENT_ATTRIBUTE = "_svtoolkit_person_statement"


def _statement_on(connection) -> _PersonStatement:
    statement = getattr(connection, _STATEMENT_ATTRIBUTE, None)
    if statement is None:
        compiler = User._default_manager.filter(pk=0).order_by().query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if tuple(params) != (0,):
            # The statement is run with the id alone: a default manager that filters with values of its own
            # would need them too.
            raise ImproperlyConfigured("User's default manager must not filter with parameters of its own.")
        columns = [expression for expression, _, _ in compiler.select]
        statement = _PersonStatement(
            compiler=compiler,
            sql=sql,
            attnames=tuple(column.target.attname for column in columns),
            converters=compiler.get_converters(columns),
        )
        setattr(connection, _STATEMENT_ATTRIBUTE, statement)
    return statement


def person_by_id(user_id) -> User | None:
    """The account with this id, every column read as ``User.objects.get(pk=user_id)`` reads them, or None."""
    return _statement_on(connections[router.db_for_read(User)]).read(user_id)


class PersonBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, an inactive account refused), finding the signed-in
    person with ``person_by_id``."""

    def get_user(self, user_id):
        user = person_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
