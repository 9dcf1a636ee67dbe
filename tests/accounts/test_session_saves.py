"""Issue 19: a changed session (every write's message is kept in it, and taken out by the next page) is saved
with one UPDATE of its row, without the transaction Django's own save opens around it, and only when
something in it changed; a session whose row is gone meanwhile (signed out elsewhere) is still refused, as
Django refuses it."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
    assert abs(row.expire_date - changed.get_expiry_date()) < timedelta(seconds=5)


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


def _page_and_session_writes(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0].upper() in {"UPDATE", "INSERT"} and "django_session" in query["sql"]
    ]
    return response.content.decode(), len(writes)


def test_a_page_saves_the_session_only_to_take_a_message_out(client, demo_users, SessionStore, settings):
    """The session is written when something in it changes: a page that shows no message (reading that there
    is none) writes nothing; the page that shows one takes it out with one write, and it is not shown again.
    """
    settings.SESSION_ENGINE = SessionStore.__module__
    client.force_login(demo_users["responder"], backend="svtoolkit.accounts.backends.PersonBackend")
    page = reverse("core:accessibility")
    client.get(page)  # the first page after signing in, within the minute of its activity
    assert _page_and_session_writes(client, page)[1] == 0

    session = client.session
    session["_messages"] = '[["__json_message", 0, 25, "The action was updated."]]'
    session.save()
    shown, writes = _page_and_session_writes(client, page)
    assert shown.count("The action was updated.") == 1 and writes == 1
    shown_again, writes = _page_and_session_writes(client, page)
    assert "The action was updated." not in shown_again and writes == 0
    assert "_messages" not in SessionStore(client.session.session_key).load()
