"""Sessions read from Redis when it is configured, and kept in the database too (Django's cached_db).

A session is then read without a database query on most requests, and a Redis outage neither signs anyone out
nor stops anyone signing in: what cannot be read from Redis is read from the database. Signing out while Redis
cannot be reached fails with the "service unavailable" page rather than leave a copy of the session in Redis.
A Redis that answers but refuses writes (full, or unable to save to disk) is treated alike: the database
answers, and a changed session's copy in Redis, which would now be out of date, is deleted, or the change
fails with that page as signing out does.
"""

import contextlib
import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connections, router, transaction

from svtoolkit.core.cache import OUTAGE_ERRORS, RedisRefusingWrites

logger = logging.getLogger(__name__)


class SavedInOneStatement:
    """A session store whose changed session is saved with one UPDATE of its row (see ``_save_in_database``):
    this module's, and ``accounts.db_sessions`` (without Redis)."""

    def _save_in_database(self, must_create) -> None:
        """Django's save of the session's row, a changed session's being one UPDATE: Django wraps the model's
        save in a transaction (BEGIN and COMMIT around it) that a single statement does not need, and every
        write's message is kept in the session (then taken out by the next page). The statement is written
        here rather than built by the ORM's ``update()``, which put it together again on every save, half the
        save's CPU. A row gone meanwhile (the person signed out elsewhere) is an ``UpdateError``, as Django's
        own save makes it."""
        if must_create or self.session_key is None:
            cached_db.DBStore.save(self, must_create)
            return
        row = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=row)
        connection = connections[using]
        fields = self.model._meta
        quoted = connection.ops.quote_name
        statement = (
            f"UPDATE {quoted(fields.db_table)} SET {quoted(fields.get_field('session_data').column)} = %s, "
            f"{quoted(fields.get_field('expire_date').column)} = %s "
            f"WHERE {quoted(fields.get_field('session_key').column)} = %s"
        )
        values = [
            fields.get_field(name).get_db_prep_save(getattr(row, name), connection)
            for name in ("session_data", "expire_date", "session_key")
        ]
        try:
            with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
                cursor.execute(statement, values)
                updated = cursor.rowcount
        except DatabaseError as error:
            raise UpdateError from error
        if not updated:
            raise UpdateError


class SessionStore(SavedInOneStatement, cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except OUTAGE_ERRORS:
            session = self._get_session_from_db()
            return self.decode(session.session_data) if session else {}

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except OUTAGE_ERRORS:
            return cached_db.DBStore.exists(self, session_key)

    def save(self, must_create=False):
        self._save_in_database(must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except RedisRefusingWrites:
            # Redis still answers reads, with the session as it was before this change.
            if not must_create:
                self._cache.delete(self.cache_key)
        except OUTAGE_ERRORS:
            logger.warning("Session kept in the database only: Redis cannot be reached")

    def cycle_key(self):
        data, old_key = self._session, self.session_key
        self.create()
        self._session_cache = data
        if old_key:
            cached_db.DBStore.delete(self, old_key)
            # The key left behind at sign-in holds no more than the new one, and the database has dropped it.
            with contextlib.suppress(*OUTAGE_ERRORS):
                self._cache.delete(self.cache_key_prefix + old_key)
