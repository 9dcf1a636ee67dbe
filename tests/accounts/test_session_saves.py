"""Issue 19: a changed session (every write's message is kept in it, and taken out by the next page) is saved
with one UPDATE of its row, without the transaction Django's own save opens around it; a session whose row
is gone meanwhile (signed out elsewhere) is still refused, as Django refuses it."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svtoolkit.accounts import db_sessions, sessions

pytestmark = [
    pytest.mark.django_db,
    # With Redis (read from the cache, kept in the database too), and without (the database alone).
    pytest.mark.parametrize(
        "SessionStore", [sessions.SessionStore, db_sessions.SessionStore], ids=["redis", "db"]
    ),
]


def _stored_session(SessionStore) -> str:
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.save()
    return store.session_key


def test_a_changed_session_is_saved_with_one_update_and_read_back(SessionStore):
    key = _stored_session(SessionStore)
    expired_then = Session.objects.get(session_key=key).expire_date
    changed = SessionStore(key)
    changed["_messages"] = "The action was updated."

    with CaptureQueriesContext(connection) as saved:
        changed.save()

    assert [query["sql"].split()[0].upper() for query in saved.captured_queries] == ["UPDATE"]
    assert SessionStore(key).load()["_messages"] == "The action was updated."
    row = Session.objects.get(session_key=key)
    assert row.get_decoded() == {"_auth_user_id": "1", "_messages": "The action was updated."}
    assert row.expire_date > expired_then  # its idle limit moved on, as Django's own save moves it


def test_a_session_whose_row_is_gone_is_not_saved_again(SessionStore):
    key = _stored_session(SessionStore)
    changed = SessionStore(key)
    changed["_messages"] = "The action was updated."
    Session.objects.filter(session_key=key).delete()

    with pytest.raises(UpdateError):
        changed.save()

    assert not Session.objects.filter(session_key=key).exists()


def test_a_new_session_is_still_made_as_django_makes_it(SessionStore):
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.save()
    assert Session.objects.get(session_key=store.session_key).get_decoded() == {"_auth_user_id": "1"}
    assert SessionStore(store.session_key).load() == {"_auth_user_id": "1"}
