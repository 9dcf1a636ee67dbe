"""The signed-in person, read on every request by svtoolkit's own backend (accounts.backends,
docs/decisions/0020): what Django's ModelBackend decided still holds on the next request, and a session from
before the change, naming Django's backend, is signed out once."""

import datetime
import gc
import threading
import weakref

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models
from django.test import Client
from django.urls import reverse

from svtoolkit.accounts.backends import PersonBackend, person_by_id
from svtoolkit.accounts.models import User
from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.accounts.builders import pass_second_factor
from tests.accounts.test_request_floor import PLAIN_PAGE, queries_for
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PERSON_BACKEND = f"{PersonBackend.__module__}.{PersonBackend.__name__}"
DJANGOS_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def is_signed_in(client) -> bool:
    return client.get(reverse("core:home")).wsgi_request.user.is_authenticated


def test_a_password_sign_in_is_read_back_by_svtoolkits_backend_in_the_same_queries(client, demo_users):
    assert sign_in(client, demo_users["responder"].email).status_code == 302
    client.get(reverse("core:home"))

    queries = queries_for(client, reverse(PLAIN_PAGE))

    assert client.session[BACKEND_SESSION_KEY] == PERSON_BACKEND
    assert len(queries) == 2, queries
    assert "django_session" in queries[0] and "accounts_user" in queries[1]


def test_an_account_made_inactive_is_signed_out_on_its_next_request(client, demo_users):
    responder = demo_users["responder"]
    sign_in(client, responder.email)
    assert is_signed_in(client)

    User.objects.filter(pk=responder.pk).update(is_active=False)

    assert not is_signed_in(client)


def test_a_password_changed_in_another_session_signs_this_one_out(client, demo_users):
    responder = demo_users["responder"]
    sign_in(client, responder.email)
    elsewhere = Client()
    sign_in(elsewhere, responder.email)
    change = {"new_password1": "a fresh long passphrase", "new_password2": "a fresh long passphrase"}

    changed = elsewhere.post(reverse("accounts:password_change"), {"old_password": TEST_PASSWORD, **change})

    assert changed.status_code == 302
    assert is_signed_in(elsewhere) and not is_signed_in(client)


def test_a_second_factor_passed_holds_on_the_next_request(client, demo_users):
    responder = demo_users["responder"]
    sign_in(client, responder.email)
    pass_second_factor(client, responder)

    assert client.get(reverse("core:home")).wsgi_request.user.is_verified()


def test_a_session_naming_djangos_backend_is_signed_out_on_its_next_request(client, demo_users):
    """Sessions made before svtoolkit had its own backend name Django's, no longer listed: the person signs in
    again once (docs/decisions/0020)."""
    client.force_login(demo_users["responder"], backend=DJANGOS_BACKEND)

    response = client.get(reverse("incidents:list"))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert sign_in(client, demo_users["responder"].email).status_code == 302
    assert is_signed_in(client)


def test_the_person_is_read_with_every_column_as_the_orm_reads_it(demo_users):
    responder = demo_users["responder"]
    User.objects.filter(pk=responder.pk).update(
        quiet_from=datetime.time(22, 30), quiet_until=datetime.time(7), receive_sms=True
    )
    expected = User.objects.get(pk=responder.pk)

    read = person_by_id(responder.pk)

    fields = [field.attname for field in User._meta.concrete_fields]
    read_values = [getattr(read, name) for name in fields]
    expected_values = [getattr(expected, name) for name in fields]
    assert read_values == expected_values
    assert [type(value) for value in read_values] == [type(value) for value in expected_values]
    assert read._state.db == expected._state.db and not read._state.adding
    assert person_by_id(responder.pk + 10_000) is None


class CountingHasher(MD5PasswordHasher):
    """The test settings' hasher, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("email", ["responder@example.org", "nobody@example.org"])
def test_a_failed_sign_in_hashes_the_password_once_and_counts_once_towards_the_lockout(
    client, demo_users, settings, email
):
    """Only one backend checks passwords: a second one (Django's, kept for old sessions) would hash each
    wrong password twice, doubling the work a guessing client costs."""
    settings.PASSWORD_HASHERS = [f"{CountingHasher.__module__}.{CountingHasher.__qualname__}"]
    CountingHasher.hashed = 0

    refused = sign_in(client, email, password="not the password")

    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert CountingHasher.hashed == 1
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor_label=email).count() == 1
    assert AccessAttempt.objects.get(username=email).failures_since_start == 1


def test_the_statement_goes_with_the_connection_it_was_built_for():
    """Each thread's connection has its statement; when the thread and its connection are gone, so is the
    statement (a thread a request, as the development server runs, must not keep one for each)."""
    gone = []

    def read_in_a_thread_of_its_own():
        own = connections["default"]
        person_by_id(0)
        gone.append(weakref.ref(own))
        own.close()

    thread = threading.Thread(target=read_in_a_thread_of_its_own)
    thread.start()
    thread.join()
    gc.collect()

    assert gone and gone[0]() is None


def test_a_default_manager_that_filters_with_values_of_its_own_is_refused(monkeypatch):
    """The statement is run with the person's id alone: a default manager whose filter needs values of its
    own would find no one, or fail, on every request; it is refused at once instead."""

    class SomeLeftOut(models.Manager):
        def get_queryset(self):
            return super().get_queryset().exclude(email__endswith="@left.example.org")

    manager = SomeLeftOut()
    manager.model = User
    monkeypatch.setattr(User._meta, "default_manager", manager)
    monkeypatch.delattr(connection, "_svtoolkit_statements", raising=False)

    with pytest.raises(ImproperlyConfigured):
        person_by_id(0)


def test_an_id_that_is_no_accounts_id_finds_no_one(demo_users):
    # A session's id is text when it is stored; one that is not a number (tampered, or from another system)
    # is nobody, as Django's own backend answers it, never an error page.
    coordinator = demo_users["coordinator"]
    assert person_by_id(str(coordinator.pk)) == coordinator
    assert person_by_id("not-a-number") is None
    assert person_by_id(None) is None
    assert PersonBackend().get_user("not-a-number") is None
