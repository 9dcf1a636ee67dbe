import os
import shutil
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import settings

from svtoolkit.accounts.models import User
from svtoolkit.partnerships.demo import DEMO_REGION_USERS, DEMO_USERS, seed_demo_partnership
from tests.databases import SHARED_DIRECTORY, Databases, drop_shared_postgresql
from tests.factories import TEST_PASSWORD, MembershipFactory, PartnershipFactory
from tests.migrating import latest_migrations_afterwards  # noqa: F401 (a fixture)

MODEL_BACKEND = "svtoolkit.accounts.backends.PersonBackend"

DEMO_ROLES = {
    "coordinator": "coordinator@example.org",
    "responder": "responder@example.org",
    "police": "police@example.org",
    "health": "health@example.org",
    "viewer": "viewer@example.org",
    "regional_coordinator": "region@example.org",
    "regional_viewer": "region-viewer@example.org",
}


OWN_SHARED_DIRECTORY = pytest.StashKey[str]()

# Property tests check behaviour, not speed (speed is measured in bench/): no example fails for being slow on
# a busy machine.
settings.register_profile("svtoolkit", deadline=None)
settings.load_profile("svtoolkit")


def pytest_configure(config):
    """The run's main process (not an xdist worker) gives the run a directory for the migrated databases its
    processes share (tests/databases.py), unless one was given (`make test` gives its two runs one)."""
    if not hasattr(config, "workerinput") and SHARED_DIRECTORY not in os.environ:
        os.environ[SHARED_DIRECTORY] = tempfile.mkdtemp(prefix="svtoolkit-tests-")
        config.stash[OWN_SHARED_DIRECTORY] = os.environ[SHARED_DIRECTORY]


def pytest_unconfigure(config):
    if hasattr(config, "workerinput") or SHARED_DIRECTORY not in os.environ:
        return
    drop_shared_postgresql(Path(os.environ[SHARED_DIRECTORY]))
    own = config.stash.get(OWN_SHARED_DIRECTORY, None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)
        del os.environ[SHARED_DIRECTORY]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    _seeded_demo_together(items)
    _slow_first(items)
    _keep_groups_together(config, items)


def _seeded_demo_together(items):
    """The tests of the seeded demo (``SeededDemo``) one after another where the first of them was, so that a
    run on one process seeds it once too."""
    reading = [item for item in items if "seeded_demo" in item.fixturenames]
    if reading:
        first = items.index(reading[0])
        others = [item for item in items if "seeded_demo" not in item.fixturenames]
        items[:] = [*others[:first], *reading, *others[first:]]


def _slow_first(items):
    """The tests marked ``slow`` (10 s to 2 min each: real servers, real migrations, walks in the browser) go
    first. pytest-xdist hands each worker one unit of work at a time, in the order collected after the groups
    (an ``xdist_group`` is one unit; the larger go first): a slow test collected late started when the other
    worker was nearly done, and that worker then sat idle until it finished."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _keep_groups_together(config, items):
    """``--dist loadgroup`` (the README's test command) keeps an ``xdist_group``'s tests on one worker.

    pytest-xdist 3.8 tells its scheduler the group by appending ``@group`` to each test's node id, which it
    sets on ``_nodeid``; pytest 9.2 keeps node ids structured (``_id``) and ignores that, so no test was
    grouped and each worker built the groups' module fixtures again (pytest-xdist issue 1386). Here, in an
    xdist worker, the suffix is put where pytest 9.2 reads it; with a pytest or xdist that already gives it,
    nothing changes."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest before 9.2: xdist's own suffix works
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        groups = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in marks}
        suffix = "@" + "_".join(sorted(groups))
        if groups and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


DEMO_PASSWORD = "demo passphrase 2026"


def check_what_was_seeded():
    """Check the foreign keys of the rows seeded so far in a transaction kept open for many tests, once.

    On PostgreSQL the checks are deferred to the end of the transaction, and each test's teardown asks for
    them (Django's ``check_constraints``) inside the test's savepoint. Rolling the savepoint back puts every
    check it ran back in the queue, so every test checked every seeded row again: 10 ms a test in the access
    matrix. Run here, outside any savepoint, they are done for good."""
    from django.db import connection

    connection.check_constraints()


class SeededDemo:
    """The whole demo as `seed_demo` makes it (the partnership and eighteen months of incident history, 7 to
    10 s of work), seeded once for the tests that only read it. It is kept in a transaction that stays open
    while those tests run one after another (each test's own transaction a savepoint within it) and is rolled
    back before any other test starts (``pytest_runtest_setup``), so no other test sees it. Its tests share
    the ``xdist_group`` "seeded_demo", so that under ``--dist loadgroup`` they run one after another on one
    worker, which seeds it once."""

    def __init__(self, blocker, var_dir):
        self.blocker = blocker
        self.var_dir = var_dir
        self.transaction = None
        self.output = ""  # what seed_demo printed
        self.sent = []  # the emails it sent

    def open(self):
        from django.core import mail
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import transaction
        from django.test import override_settings

        if self.transaction is not None:
            return self
        # Ids freed by rolled-back rows are given again on SQLite: nothing cached may stand for the new rows.
        cache.clear()
        with self.blocker.unblock():
            self.transaction = transaction.atomic()
            self.transaction.__enter__()
            output, outbox = StringIO(), len(mail.outbox)
            try:
                with pytest.MonkeyPatch.context() as patch, override_settings(VAR_DIR=self.var_dir):
                    patch.setenv("SVTOOLKIT_DEMO_PASSWORD", DEMO_PASSWORD)
                    call_command("seed_demo", stdout=output)
                check_what_was_seeded()
            except BaseException:
                self.transaction.__exit__(*sys.exc_info())
                self.transaction = None
                raise
        self.output, self.sent = output.getvalue(), mail.outbox[outbox:]
        return self

    def close(self):
        from django.db import transaction

        if self.transaction is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.transaction.__exit__(None, None, None)
        self.transaction = None


SEEDED_DEMO = pytest.StashKey[SeededDemo]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that does not read the seeded demo starts without it."""
    seeded = item.config.stash.get(SEEDED_DEMO, None)
    if seeded is not None and "seeded_demo" not in item.fixturenames:
        seeded.close()


@pytest.fixture(scope="session")
def _seeded_demo_once(request, django_db_setup, django_db_blocker, tmp_path_factory):
    seeded = SeededDemo(django_db_blocker, tmp_path_factory.mktemp("seeded-demo-var"))
    request.config.stash[SEEDED_DEMO] = seeded
    yield seeded
    seeded.close()


@pytest.fixture
def _seeded_demo_opened(_seeded_demo_once, settings):
    from django.db import connection

    seeded = _seeded_demo_once.open()
    if len(connection.atomic_blocks) != 1:
        raise pytest.UsageError(
            "seeded_demo must be opened before the test's own transaction: drop the django_db mark, ask for"
            " seeded_demo before any other fixture that uses the database"
        )
    settings.VAR_DIR = seeded.var_dir
    return seeded


@pytest.fixture
def seeded_demo(_seeded_demo_opened, db):
    """The seeded demo (``SeededDemo``; its password DEMO_PASSWORD), with the test's database access; its
    tests are not marked ``django_db``, whose transaction would start before the demo is opened."""
    return _seeded_demo_opened


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database's tables are made from the models (tests/settings.py turns migrating off: it cost
    each worker about 20 s); here it is given what the migrations make beyond the models, and every migration
    is recorded as applied, as `svtoolkit migrate` leaves a database. tests/test_migrations.py checks that the
    two schemas are the same."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from svtoolkit.incidents.postgresql import beyond_the_models

    with django_db_blocker.unblock():
        with connection.schema_editor() as schema_editor:
            beyond_the_models(apps, schema_editor)
        executor = MigrationExecutor(connection)
        for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes()):
            executor.recorder.record_applied(migration.app_label, migration.name)


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """Databases beside the test database, empty or freshly migrated (tests/databases.py); the session's
    PostgreSQL ones are dropped at its end."""
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.drop_all()


@pytest.fixture(scope="session", autouse=True)
def _isolated_media_root(tmp_path_factory):
    """Uploaded files (attachments) go to a directory of the test session's, never the project's var/."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session", autouse=True)
def _flush_postgresql_by_deleting():
    """After each transactional test (the live-server browser tests among them) Django empties every table.
    On PostgreSQL it truncates all hundred at once, which makes new files for each table and index and cost a
    test 0.5 to 5 s; deleting the few rows a test made leaves the same empty tables in a fraction of that.
    Foreign keys are checked when the deletions commit (Django makes them deferrable), so the order of the
    tables does not matter. Only in the test process: `svtoolkit flush` and the servers the tests start
    keep Django's truncation."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [" ".join(f"{style.SQL_KEYWORD('DELETE FROM')} {self.quote_name(table)};" for table in tables)]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(autouse=True)
def _isolated_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing counted against the rate limits (they count in the cache), and no ward
    outlines an earlier test uploaded still read, nor forms' lists it found (their rows had the same ids and,
    the clock moved, times)."""
    from django.core.cache import cache

    from svtoolkit.core.kept_lists import forget_found_here
    from svtoolkit.reports.boundaries import _uploaded

    cache.clear()
    forget_found_here()
    _uploaded.cache_clear()


@pytest.fixture
def demo(db):
    """The seeded Northbridge partnership; every demo account's password is TEST_PASSWORD."""
    return seed_demo_partnership(password=TEST_PASSWORD)


@pytest.fixture
def demo_users(demo):
    return demo_users_by_role()


def demo_users_by_role():
    return {role: User.objects.get(email=email) for role, email in DEMO_ROLES.items()}


@pytest.fixture
def other_partnership(db):
    """A second partnership with its own coordinator: its objects must stay out of Northbridge's reach."""
    partnership = PartnershipFactory(name="Southmoor Community Safety Partnership", slug="southmoor")
    coordinator = MembershipFactory(partnership=partnership, role="coordinator")
    return partnership, coordinator


@pytest.fixture
def client_for(client, demo_users):
    """A test client signed in as the named demo role (or anonymous)."""

    def sign_in(role):
        if role != "anonymous":
            client.force_login(demo_users[role], backend=MODEL_BACKEND)
        return client

    return sign_in


@pytest.fixture
def url_args(demo, demo_users):
    return url_arguments(demo, demo_users)


def url_arguments(demo, demo_users):
    """Arguments for the URLs that need an object: objects of the demo partnership, from each app's module."""
    from tests.accounts.access import url_kwargs as accounts_kwargs
    from tests.alerts.access import url_kwargs as alerts_kwargs
    from tests.api.access import url_kwargs as api_kwargs
    from tests.attachments.access import url_kwargs as attachments_kwargs
    from tests.communications.access import url_kwargs as communications_kwargs
    from tests.incidents.access import url_kwargs as incident_kwargs
    from tests.meetings.access import url_kwargs as meeting_kwargs
    from tests.partnerships.access import url_kwargs as directory_kwargs
    from tests.playbooks.access import url_kwargs as playbook_kwargs
    from tests.recovery.access import url_kwargs as recovery_kwargs
    from tests.regions.access import url_kwargs as regions_kwargs
    from tests.regions.fund_access import url_kwargs as fund_kwargs
    from tests.reports.access import url_kwargs as reports_kwargs
    from tests.tension.access import url_kwargs as tension_kwargs
    from tests.webhooks.access import url_kwargs as webhooks_kwargs

    arguments = {}
    every_app = (
        accounts_kwargs,
        directory_kwargs,
        playbook_kwargs,
        incident_kwargs,
        alerts_kwargs,
        meeting_kwargs,
        communications_kwargs,
        tension_kwargs,
        recovery_kwargs,
        reports_kwargs,
        regions_kwargs,
        fund_kwargs,
        api_kwargs,
        webhooks_kwargs,
        attachments_kwargs,
    )
    for url_kwargs in every_app:
        arguments.update(url_kwargs(demo, demo_users))
    arguments["messaging:resend"] = {"delivery_id": 1}
    return arguments


@pytest.fixture
def smtp_server(settings):
    """svtoolkit's email goes to a real SMTP server for this test, with a one-second send timeout."""
    from tests.messaging.servers import ControlledSMTP

    server = ControlledSMTP()
    server.start()
    settings.EMAIL_BACKEND = "svtoolkit.messaging.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.SVTOOLKIT_EMAIL_PROVIDER = "smtp"
    settings.SVTOOLKIT_SEND_TIMEOUT = 1
    yield server
    server.stop()


assert {person.email for person in [*DEMO_USERS, *DEMO_REGION_USERS]} == set(DEMO_ROLES.values())


@pytest.fixture
def notify(httpserver, settings):
    """svtoolkit's email and text messages go to a local stand-in for GOV.UK Notify's API for this test."""
    from tests.messaging.servers import set_up_notify

    return set_up_notify(httpserver, settings)


@pytest.fixture
def identity_provider(settings):
    """A real OpenID Connect provider run for the test, set up in svtoolkit's settings as "council"."""
    from oidc_provider_mock import run_server_in_thread

    from tests.accounts.identity_provider import IdentityProvider

    with run_server_in_thread() as server:
        provider = IdentityProvider(f"http://localhost:{server.server_port}")
        settings.SSO_PROVIDERS = {"council": provider.settings_for()}
        yield provider
