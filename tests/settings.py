"""Settings for the test suite: svtoolkit's own settings in test mode."""

import os

os.environ["SVTOOLKIT_ENV"] = "test"

from svtoolkit.settings import *  # noqa: E402,F403

# The suite signs in, asks for reset links and calls the API far more often than any person, from one address:
# its limits are off. The limits' own tests set them (tests/accounts/test_rate_limits.py, tests/api/...).
SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = "off"
SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT = "off"
SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS = "off"
SVTOOLKIT_RATE_API_PER_TOKEN = "off"

# WhiteNoise finds each static file when it is asked for (as in development) rather than listing every file of
# every finder when its middleware starts: the test client starts the middleware again for every test, and the
# listing cost each test about 30 ms, over half of an access-matrix request. Pages and files are served alike.
WHITENOISE_AUTOREFRESH = True

# On PostgreSQL, the suite's commits do not wait for the server to write them to disk
# (synchronous_commit=off): a crash of the server could lose the last few, which a test database never
# needs. Every transactional test (the live-server browser tests among them) commits its rows and empties
# every table after it, and each commit otherwise waits for a flush to disk. This sets it for the suite's
# connections only, beside the toolkit's own options (jit=off): the server's own setting is untouched.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()

# The test database's tables are made from the models rather than by running the migrations, which cost each
# xdist worker about 20 s of CPU; tests/conftest.py (django_db_setup) adds what the migrations make beyond the
# models, and tests/test_migrations.py checks that a really migrated database has the same schema.
DATABASES["default"].setdefault("TEST", {})["MIGRATE"] = False  # noqa: F405

# axe-core, for the browser tests, as a file the test server serves (tests/browser/conftest.py loads it into a
# page to check it): Chromium keeps the file and its compiled code between pages.
STATICFILES_DIRS = [*STATICFILES_DIRS, ("test-axe", PROJECT_DIR / "node_modules" / "axe-core")]  # noqa: F405
