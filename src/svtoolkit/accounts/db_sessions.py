"""Sessions kept in the database alone, where there is no Redis: Django's own, a changed session saved with
one UPDATE (``accounts.sessions.SavedInOneStatement``)."""

from django.contrib.sessions.backends import db

from svtoolkit.accounts.sessions import SavedInOneStatement


class SessionStore(SavedInOneStatement, db.SessionStore):
    def save(self, must_create=False):
        self._save_in_database(must_create)
